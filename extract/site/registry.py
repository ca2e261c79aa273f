"""Which databases of a Datasette are hyoka's, and what the plugin remembers of each.

A database is hyoka's when it holds the hidden ``build_info`` table and the search index
``evaluation_rows_fts`` (``is_hyoka``), whatever its file is called. The first connection to
each database tells (Datasette's ``prepare_connection``); the served databases are immutable,
so the report files and rating scale read then stay true.
"""

from __future__ import annotations

import sqlite3
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG
from urllib.parse import quote

from extract.database.schema import PDF_MOUNT
from extract.manifest import sha256_of

MARKER_TABLES = ("build_info", "evaluation_rows_fts")


@dataclass
class HyokaDatabase:
    reports: dict[int, str] = field(default_factory=dict)  # report id -> PDF file name
    scale: dict[str, str] = field(default_factory=dict)  # rating code -> meaning, as printed
    folders: dict[str, str] = field(default_factory=dict)  # PDF file name -> where the build read it
    files: frozenset[str] = frozenset()  # the reports' PDF file names, looked up for every page link
    sha256: dict[str, str] = field(default_factory=dict)  # PDF file name -> the SHA-256 the build read
    titles: frozenset[str] = frozenset({"title"})  # columns holding an item's title (linked to its history)


# Datasette instance -> name of each hyoka database it serves -> what was read from it
_SEEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def is_hyoka(conn: sqlite3.Connection) -> bool:
    """Whether this connection's database was built by hyoka (its marker tables are there)."""
    marks = ",".join("?" * len(MARKER_TABLES))
    sql = f"select count(*) from sqlite_master where name in ({marks})"
    return conn.execute(sql, MARKER_TABLES).fetchone()[0] == len(MARKER_TABLES)


def remember(datasette, name: str, conn: sqlite3.Connection) -> None:
    """Note a hyoka database: its reports' files and the rating scale (latest report last)."""
    reports = dict(conn.execute("select id, file from reports").fetchall())
    scale = conn.execute(
        "select s.code, s.description from rating_scale s join reports r on r.id = s.report_id "
        "order by r.fiscal_year, s.code"
    ).fetchall()
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
    found = HyokaDatabase(
        reports,
        dict(scale),
        dict(folders),
        frozenset(reports.values()),
        hashes,
        frozenset({"title", *titles}),
    )
    _SEEN.setdefault(datasette, {})[name] = found


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


async def rating_scale(datasette, name: str) -> dict[str, str]:
    found = known(datasette, name) if await is_hyoka_database(datasette, name) else None
    return found.scale if found else {}


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
