"""Which databases of a Datasette are hyoka's, and what the plugin remembers of each.

A database is hyoka's when it holds the hidden ``build_info`` table and the search index
``evaluation_rows_fts`` (``is_hyoka``), whatever its file is called. The first connection to
each database tells (Datasette's ``prepare_connection``). A build may commit while the site
serves (it writes in place): every request first compares the file and its WAL with what they
were when the database was read (``refresh``), and reads it again when a build changed it.
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG
from urllib.parse import quote

from extract.database.schema import PDF_MOUNT, layout_view_name
from extract.manifest import sha256_of
from extract.site.labels import VALUE_LABELS, label

MARKER_TABLES = ("build_info", "evaluation_rows_fts")


# columns that hold a report's rating, whatever its layout calls it: the meaning is its rating axis's
GENERIC_RATINGS = (
    "rating",
    "prev_rating",
    "from_rating",
    "to_rating",
    "printed_prev_rating",
    "previous_report_rating",
)


@dataclass
class Scales:
    """Every report's rating scales as printed: a row's rating means what its own report (and,
    on a form with several rating axes, that axis) says, never what another publisher's does."""

    by_report: dict[tuple[int, str | None], dict[str, str]] = field(default_factory=dict)  # (report, axis)
    axis_of: dict[int, str] = field(default_factory=dict)  # report id -> its layout's rating field
    columns: frozenset[str] = frozenset(GENERIC_RATINGS)  # columns holding a rating of some axis
    who: dict[int, str] = field(default_factory=dict)  # report id -> publisher and form, for a legend
    layout_of: dict[int, str] = field(default_factory=dict)  # report id -> layout name
    axis_label: dict[tuple[str, str], str] = field(default_factory=dict)  # (layout, axis) -> its label
    # (column, code) -> the one meaning every report agrees on, worked out once: a page of a query
    # without report_id asks it for every rating cell, and there may be 10,000 reports
    _agreed: dict[tuple[str, str], str | None] = field(default_factory=dict, repr=False)

    def _axis(self, report: int, column: str) -> str | None:
        return self.axis_of.get(report) if column in GENERIC_RATINGS else column

    def of(self, report: int, column: str) -> dict[str, str]:
        """The scale of ``column`` in a row of ``report``: its axis's, else the report's own."""
        axis = self._axis(report, column)
        return self.by_report.get((report, axis)) or self.by_report.get((report, None)) or {}

    def meaning(self, report: int | None, column: str, code: str) -> str | None:
        """What ``code`` means there; for a row that names no report, only a meaning every
        report of the database that uses the code agrees on (else none: no guess)."""
        if report is not None:
            return self.of(report, column).get(code)
        if (column, code) not in self._agreed:
            meanings = {self.of(r, column)[code] for r in self.axis_of if code in self.of(r, column)}
            self._agreed[(column, code)] = meanings.pop() if len(meanings) == 1 else None
        return self._agreed[(column, code)]

    def legend(self, reports: list[int] | None = None) -> list[tuple[str, dict[str, str]]]:
        """One line per distinct scale of these reports (all when None): who prints it, its meanings."""
        users: dict[tuple, set[str]] = {}
        for (rid, axis), scale in self.by_report.items():
            if reports is not None and rid not in reports:
                continue
            label = self.axis_label.get((self.layout_of.get(rid, ""), axis or ""), "")
            name = " ".join(part for part in (self.who.get(rid, ""), label) if part)
            users.setdefault(tuple(scale.items()), set()).add(name)
        return [("・".join(sorted(names)), dict(scale)) for scale, names in users.items()]

    def reports_of_layout(self, layout: str) -> list[int]:
        return [rid for rid, name in self.layout_of.items() if name == layout]


def read_scales(conn: sqlite3.Connection) -> Scales:
    """The scales of every report, which field each layout rates with, and the axes' labels."""
    out = Scales()
    reports = conn.execute("select id, layout, coalesce(municipality, publisher, ''), title from reports")
    for rid, layout, who, title in reports.fetchall():
        out.layout_of[rid] = layout
        out.who[rid] = " ".join(part for part in (who, title) if part)
    for rid, axis, code, meaning in conn.execute(
        "select report_id, axis, code, description from rating_scale"
    ):
        out.by_report.setdefault((rid, axis), {})[code] = meaning
    fields = conn.execute(
        "select layout, name, label, role from layout_fields where scope = 'row' "
        "and role in ('rating', 'prev_rating', 'axis') order by position"
    ).fetchall()
    rating_field = {}
    for layout, name, heading, role in fields:
        if role == "rating":
            rating_field.setdefault(layout, name)
        if role != "prev_rating":
            out.axis_label[(layout, name)] = heading
    out.axis_of = {rid: rating_field.get(layout, "rating") for rid, layout in out.layout_of.items()}
    out.columns = frozenset({*GENERIC_RATINGS, *(name for _, name, _, _ in fields)})
    return out


@dataclass
class HyokaDatabase:
    reports: dict[int, str] = field(default_factory=dict)  # report id -> PDF file name
    scales: Scales = field(default_factory=Scales)  # every report's rating scales
    folders: dict[str, str] = field(default_factory=dict)  # PDF file name -> where the build read it
    files: frozenset[str] = frozenset()  # the reports' PDF file names, looked up for every page link
    sha256: dict[str, str] = field(default_factory=dict)  # PDF file name -> the SHA-256 the build read
    titles: frozenset[str] = frozenset({"title"})  # columns holding an item's title (linked to its history)
    # column -> stored value -> what a reader sees: hyoka's own words, a layout by its 様式名
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    # a form's table column -> its heading, from the layout (事業費等（千円）), and the money columns
    table_labels: dict[tuple[str, str], str] = field(default_factory=dict)
    money: frozenset[tuple[str, str]] = frozenset()
    stamp: tuple = ()  # the file and its WAL when this was read (see stamp_of)

    def heading(self, table: str | None, column: str) -> str:
        """A column's Japanese heading on this table's page (a form's table: its layout's)."""
        return self.table_labels.get((table or "", column)) or label(column)


# Datasette instance -> name of each hyoka database it serves -> what was read from it
_SEEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _table_columns(conn: sqlite3.Connection) -> tuple[dict[tuple[str, str], str], frozenset[tuple[str, str]]]:
    """The headings of the forms' table columns ((table, column) -> label) and the money ones."""
    labels: dict[tuple[str, str], str] = {}
    money = set()
    for name, heading, role in conn.execute(
        "select name, label, role from layout_fields where scope = 'table_column' order by layout, position"
    ):
        table, _, column = name.partition(".")
        labels.setdefault((table, column), heading)
        if role == "money":
            money.add((table, column))
    for layout, name in conn.execute("select layout, name from layout_fields where role = 'latest'"):
        money.add((layout_view_name(layout), name))  # a form view's latest figure
    return labels, frozenset(money)


def is_hyoka(conn: sqlite3.Connection) -> bool:
    """Whether this connection's database was built by hyoka (its marker tables are there)."""
    marks = ",".join("?" * len(MARKER_TABLES))
    sql = f"select count(*) from sqlite_master where name in ({marks})"
    return conn.execute(sql, MARKER_TABLES).fetchone()[0] == len(MARKER_TABLES)


def stamp_of(path: str | None) -> tuple:
    """What a build's commit changes: the database file or its WAL (a commit goes there first,
    and to the file when it is checkpointed). Taken before reading, so a commit in between is
    seen at the next request."""
    stamps = []
    for name in (path, f"{path}-wal") if path else ():
        try:
            st = os.stat(name)
        except OSError:
            stamps.append(None)
            continue
        stamps.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(stamps)


def remember(datasette, name: str, conn: sqlite3.Connection) -> None:
    """Note a hyoka database: its reports' files and their rating scales."""
    database = datasette.databases.get(name)
    stamp = stamp_of(getattr(database, "path", None))
    reports = dict(conn.execute("select id, file from reports").fetchall())
    columns = {row[1] for row in conn.execute("pragma table_info(reports)")}
    folders = (
        conn.execute("select file, folder from reports where folder is not null")
        if "folder" in columns
        else []
    )
    hashes = dict(conn.execute("select file, sha256 from reports").fetchall())
    titles = {
        r[0] for r in conn.execute("select name from layout_fields where scope = 'row' and role = 'title'")
    }
    layouts = dict(conn.execute("select distinct layout, layout_label from layout_fields").fetchall())
    table_labels, money = _table_columns(conn)
    found = HyokaDatabase(
        reports=reports,
        scales=read_scales(conn),
        folders=dict(folders),
        files=frozenset(reports.values()),
        sha256=hashes,
        titles=frozenset({"title", *titles}),
        values={**VALUE_LABELS, "layout": layouts},
        table_labels=table_labels,
        money=money,
        stamp=stamp,
    )
    _SEEN.setdefault(datasette, {})[name] = found


def refresh(datasette) -> list[str]:
    """Read again each hyoka database a build changed since it was read; their names."""
    changed = []
    for name, found in list(_SEEN.get(datasette, {}).items()):
        database = datasette.databases.get(name)
        path = getattr(database, "path", None)
        if path is None or stamp_of(path) == found.stamp:
            continue
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if is_hyoka(conn):
                remember(datasette, name, conn)
                changed.append(name)
        finally:
            conn.close()
    return changed


def known(datasette, name: str | None) -> HyokaDatabase | None:
    """What was read from ``name`` if it is a hyoka database seen by this Datasette."""
    return _SEEN.get(datasette, {}).get(name) if name else None


async def is_hyoka_database(datasette, name: str) -> bool:
    """Whether ``name`` is a hyoka database; opens a connection if none was opened yet."""
    if name not in datasette.databases:
        return False
    if known(datasette, name) is None:
        await datasette.get_database(name).execute("select 1")
    return known(datasette, name) is not None


async def rating_scales(datasette, name: str) -> Scales:
    found = known(datasette, name) if await is_hyoka_database(datasette, name) else None
    return found.scales if found else Scales()


def pdf_path(datasette, found: HyokaDatabase, name: str) -> Path | None:
    """Where the PDF of one of the database's reports is: in the folder `hyoka serve` was given
    (or the one the build read all its PDFs from), else where the build read that report;
    only a regular file whose real path is inside that folder (``_file_inside``)."""
    if name not in found.files:
        return None  # only the reports' own PDFs are served, nothing else of their folders
    given = (datasette.plugin_config("hyoka") or {}).get("pdfs")
    for folder in (given, found.folders.get(name)):
        path = _file_inside(Path(folder), name, found.sha256.get(name)) if folder else None
        if path is not None:
            return path
    return None


def _file_inside(folder: Path, name: str, sha256: str | None = None) -> Path | None:
    """The real path of ``folder/name`` if it is a regular file that, symlinks followed, is
    still inside ``folder`` (and no hard link), or is the very report the build read (its
    SHA-256: a user's ``raw/report.pdf -> ../elsewhere/report.pdf``): a PDF replaced by a link
    to /etc/passwd, symbolic or hard, is not served. The real path is what is opened, not the link."""
    try:
        real, root = (folder / name).resolve(strict=True), folder.resolve(strict=True)
        stat = real.stat()
        if not S_ISREG(stat.st_mode):
            return None
        if real.is_relative_to(root) and stat.st_nlink == 1:  # (a hard link may be any file)
            return real
        return (
            real if sha256 and _sha256(real, stat.st_ino, stat.st_size, stat.st_mtime_ns) == sha256 else None
        )
    except (OSError, RuntimeError):  # missing, or a loop of links
        return None


@lru_cache(maxsize=256)
def _sha256(path: Path, inode: int, size: int, mtime_ns: int) -> str:
    """A file's SHA-256, once per version of it (a page link is looked up for every row shown)."""
    return sha256_of(path)


def pdf_href(datasette, found: HyokaDatabase, row, page: int) -> str | None:
    """The URL of the PDF page a row was read from, when the PDFs are served."""
    keys = row.keys()
    report = row["report_id"] if "report_id" in keys else None
    report = report.get("value") if isinstance(report, dict) else report  # an expanded foreign key
    source = row["source_file"] if "source_file" in keys and row["source_file"] else None
    source = source or found.reports.get(report)
    if source is None or pdf_path(datasette, found, str(source)) is None:
        return None
    return datasette.urls.path(f"/{PDF_MOUNT}/{quote(str(source))}#page={page}")
