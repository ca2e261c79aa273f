"""Load validated reports into SQLite with sqlite-utils: the module that writes reports (history.py
writes the links between them).

The schema is data (TABLES, INDEXES, VIEWS, FTS in extract/database/schema.py) applied idempotently by
``ensure_db_shape``; a report is loaded in one transaction and known by the SHA-256 of its PDF.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from extract.database.identity import institution_key
from extract.database.insert import insert_remarks, insert_rows, insert_sheets, scale_letters
from extract.database.schema import (
    FTS,
    FTS_OPTIONS,
    INDEXES,
    LAYOUT_INDEX,
    RETIRED_INDEXES,
    TABLES,
    VIEWS,
    layout_index_sql,
    layout_view_name,
    layout_view_sql,
    remarks_view_name,
    remarks_view_sql,
)
from extract.database.search import index_terms
from extract.manifest import SHAPE_VERSION
from schemas.report import LayoutInfo, Report


def layout_fields_of(db: Database, layout: str) -> list[tuple[str, str, str, str | None]]:
    """(scope, name, role, of) of one layout's row fields, then its sheet fields, in the layout's order."""
    sql = """select scope, name, role, "of" from layout_fields where layout = ? and scope in ('row', 'sheet')
        order by scope = 'sheet', position"""
    return [tuple(row) for row in db.execute(sql, [layout]).fetchall()]


def remark_fields_of(db: Database, layout: str) -> list[tuple[str, str]]:
    """(name, role) of one layout's remark fields, in the layout's order."""
    sql = "select name, role from layout_fields where layout = ? and scope = 'remark' order by position"
    return [tuple(row) for row in db.execute(sql, [layout]).fetchall()]


_CHILDREN = ("issues", "remarks", "evaluations", "items", "sheets", "rating_scale")


def open_database(path: Path, scratch: bool = False) -> Database:
    """``scratch``: a new file that is thrown away unless the build ends, so no commit waits
    for the disk (the build syncs the file once, before renaming it in). Otherwise the file
    itself, in WAL mode: a reader keeps its snapshot while the build writes, and a kill leaves
    the last commit (the WAL's uncommitted pages are ignored when it is next opened)."""
    db = Database(path)
    if scratch:
        db.execute("PRAGMA journal_mode = MEMORY")
        db.execute("PRAGMA synchronous = OFF")
    else:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")  # the one commit of a build is on disk when it ends
    return db


PAGE_SIZE = 16384  # rows of a couple of KB fill large pages better (12 % smaller than 4096 at 1,000 reports)
# Japanese takes 2 bytes a character in UTF-16, 3 in UTF-8. Big-endian, so that SQLite's byte-wise
# comparison still sorts text by code point (within the BMP: surrogates sort below U+E000-FFFF).
ENCODING = "UTF-16be"


def new_file(db: Database) -> None:
    """A new file's large pages and UTF-16, set before its first page is written."""
    if not db.execute("select count(*) from sqlite_master").fetchone()[0]:
        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        db.execute(f"PRAGMA encoding = '{ENCODING}'")


def ensure_tables(db: Database) -> None:
    """The tables of TABLES that are missing; a new file first gets the large pages and UTF-16."""
    new_file(db)
    for name, (columns, pk, fks) in TABLES.items():
        if not db[name].exists():
            db[name].create(columns, pk=pk, foreign_keys=fks)


def ensure_db_shape(db: Database) -> bool:
    """Tables, indexes on every foreign key and facet, views; the search indexes rebuilt from
    scratch when missing or of another shape. Idempotent; whether it rebuilt them."""
    ensure_tables(db)
    db.index_foreign_keys()
    for table, indexes in INDEXES.items():
        for columns in indexes:
            db[table].create_index(columns, if_not_exists=True)
    for name in RETIRED_INDEXES:
        db.execute(f"DROP INDEX IF EXISTS [{name}]")
    rebuilt = stored_setting(db, "shape_version") != SHAPE_VERSION or not all(
        db[name].exists() for name in FTS
    )
    ensure_views(db)  # before indexing: the index reads the rows through evaluation_rows
    if rebuilt:
        with db.atomic():
            _create_search_indexes(db)
            index_reports(db, None)
            store_setting(db, "shape_version", SHAPE_VERSION)
    return rebuilt


def ensure_views(db: Database) -> None:
    """The views, and one per layout (a report may bring a new layout)."""
    for name, sql in VIEWS.items():
        db.create_view(name, sql, replace=True)
    for (layout,) in db.execute("select distinct layout from layout_fields").fetchall():
        db.create_view(
            layout_view_name(layout),
            layout_view_sql(layout, layout_fields_of(db, layout), set(db.table_names())),
            replace=True,
        )
        remarks = remark_fields_of(db, layout)
        if remarks:
            db.create_view(remarks_view_name(layout), remarks_view_sql(layout, remarks), replace=True)


def _create_search_indexes(db: Database) -> None:
    for name in FTS:
        db.execute(f"DROP TABLE IF EXISTS [{name}]")
        db.execute(f"CREATE VIRTUAL TABLE [{name}] USING fts5(terms, {FTS_OPTIONS})")


def _of_reports(sql: str, column: str, report_ids: list[int] | None) -> tuple[str, list[str]]:
    """The SQL narrowed to some reports (all when None)."""
    if report_ids is None:
        return sql, []
    return f"{sql} WHERE {column} IN (SELECT value FROM json_each(?))", [json.dumps(report_ids)]


def index_rows(conn: sqlite3.Connection, sql: str, params: list[str]) -> Iterator[tuple[int, str]]:
    """(rowid, search terms) of each row the SQL gives: what the search index holds for it."""
    return ((row[0], index_terms(*row[1:])) for row in conn.cursor().execute(sql, params))


def index_reports(db: Database, report_ids: list[int] | None) -> None:
    """The search index entries of these reports (all when None)."""
    for name, (sql, column) in FTS.items():
        rows = index_rows(db.conn, *_of_reports(sql, column, report_ids))
        db.conn.executemany(f"INSERT INTO [{name}] (rowid, terms) VALUES (?, ?)", rows)  # streamed


def unindex_reports(db: Database, report_ids: list[int]) -> None:
    """Undo index_reports, before the reports' rows go: a contentless index forgets a row only
    when told its exact terms again."""
    if stored_setting(db, "shape_version") != SHAPE_VERSION:
        return  # the next ensure_db_shape rebuilds them all
    for name, (sql, column) in FTS.items():
        rows = list(index_rows(db.conn, *_of_reports(sql, column, report_ids)))
        db.conn.executemany(f"INSERT INTO [{name}] ([{name}], rowid, terms) VALUES ('delete', ?, ?)", rows)


def stored_setting(db: Database, name: str) -> str | None:
    """A value remembered between builds (e.g. the digest of the identity overrides)."""
    if not db["build_info"].exists():
        return None
    rows = list(db["build_info"].rows_where("name = ?", [name]))
    return rows[0]["value"] if rows else None


def store_setting(db: Database, name: str, value: str) -> None:
    """Remember a value for the next build (see stored_setting)."""
    db["build_info"].upsert({"name": name, "value": value}, pk="name")


def loaded_reports(db: Database) -> dict[str, dict[str, Any]]:
    """The reports already in the database, by the SHA-256 of their PDF."""
    if not db["reports"].exists():
        return {}
    return {row["sha256"]: row for row in db["reports"].rows}


def report_id(db: Database, sha256: str) -> int | None:
    """The id of the report read from the PDF with this SHA-256, None when none is loaded."""
    row = db.execute("select id from reports where sha256 = ?", [sha256]).fetchone()
    return row[0] if row else None


def delete_report(db: Database, sha256: str) -> None:
    """Remove a report and everything loaded from it, its search entries first."""
    rid = report_id(db, sha256)
    if rid is None:
        return
    with db.atomic():
        unindex_reports(db, [rid])
        for table in [*form_tables(db), *_CHILDREN]:
            db[table].delete_where("report_id = ?", [rid])
        db["reports"].delete_where("id = ?", [rid])


def load_report(db: Database, report: Report, folder: Path | None = None) -> int:
    """Insert one report and everything in it, in one transaction; its id. ``folder``: where
    the build read its PDF (the site serves it from there), None when loaded from JSON."""
    ensure_tables(db)
    info = report.report
    with db.atomic():
        rid = db["reports"].insert(
            {
                "sha256": info.source.sha256, "file": info.source.file, "layout": report.layout.name,
                "layout_sha256": report.layout.sha256,
                "series": series_key(report), "municipality": info.municipality,
                "publisher": info.publisher, "title": info.title, "fiscal_year": info.fiscal_year,
                "fiscal_year_label": info.fiscal_year_label, "published": info.published,
                "issuer": info.issuer, "pages": info.source.pages,
                "text_fields": json.dumps([f.name for f in report.layout.fields if f.role == "text"]),
                "folder": str(folder) if folder else None,
                "rating_letters": json.dumps(scale_letters(report), ensure_ascii=False),
            }
        ).last_pk  # fmt: skip
        db["rating_scale"].insert_all(
            {"report_id": rid, "axis": axis, "code": code, "description": text}
            for axis, scale in rating_scales(report).items()
            for code, text in scale.items()
        )
        _load_layout(db, report.layout)
        sheets = insert_sheets(db, report, rid)
        insert_rows(db, report, rid, sheets)
        insert_remarks(db, report, rid, sheets)
        db["issues"].insert_all(
            {"report_id": rid, "page": p.page, "kind": p.code, "detail": p.message} for p in report.problems
        )
        if stored_setting(db, "shape_version") == SHAPE_VERSION:
            index_reports(db, [rid])
    return rid


def rating_scales(report: Report) -> dict[str | None, dict[str, str]]:
    """The report's scales: the one it prints (axis None: every rating of the report), and for
    each axis whose meaning is printed beside its letter (a rating_label field) the meanings
    its sheets print, letter by letter, as first printed."""
    scales: dict[str | None, dict[str, str]] = (
        {None: dict(report.rating_scale)} if report.rating_scale else {}
    )
    records = [p.model_dump() for p in report.projects] + [e.model_dump() for e in report.evaluations]
    for f in report.layout.fields:
        if f.role != "rating_label" or f.of is None:
            continue
        for record in records:
            code, meaning = record.get(f.of), record.get(f.name)
            if isinstance(code, str) and isinstance(meaning, str) and meaning:
                scales.setdefault(f.of, {}).setdefault(code, meaning)
    return {axis: dict(sorted(scale.items())) for axis, scale in scales.items()}


def series_key(report: Report) -> str:
    """Reports of one series are one publisher's form, year after year."""
    info = report.report
    who = info.municipality or institution_key(info.publisher or "")
    return f"{report.layout.name}|{who}|{info.title}"


def form_tables(db: Database) -> list[str]:
    """The tables that forms' embedded tables were loaded into (costs, indicators …)."""
    if not db["layout_fields"].exists():
        return []
    return [r[0] for r in db.execute("select distinct name from layout_fields where scope = 'table'")]


def _load_layout(db: Database, layout: LayoutInfo) -> None:
    """The layout's fields and canned queries as this report's layout has them (the layout file
    may have changed since an earlier report: the latest loaded describes the views)."""
    scopes = (("row", layout.fields), ("sheet", layout.sheet_fields), ("table", layout.tables),
              ("table_column", layout.table_columns), ("remark", layout.remark_fields))  # fmt: skip
    rows = [
        {"id": f"{layout.name}:{scope}:{f.name}", "layout": layout.name, "layout_label": layout.label,
         "layout_description": layout.description,
         "position": i, "scope": scope, "name": f.name, "label": f.label, "description": f.description,
         "role": f.role, "of": f.of}
        for scope, fields in scopes
        for i, f in enumerate(fields)
    ]  # fmt: skip
    for table in ("layout_fields", "layout_queries"):  # the layout as the latest report has it
        db[table].delete_where("layout = ?", [layout.name])
    db["layout_fields"].insert_all(rows, pk="id")
    db["layout_queries"].insert_all(
        (
            {
                "id": f"{layout.name}:{q.name}",
                "layout": layout.name,
                **q.model_dump(exclude={"indexes"}),
                "columns": json.dumps(q.columns, ensure_ascii=False),
            }
            for q in layout.queries
        ),
        pk="id",
    )
    _layout_indexes(db, layout)


# Indexes the layouts' queries may ask for in one database, over all its layouts: each costs a
# scan of every row when made, so a folder of JSONs each naming a layout of its own is stopped
# before the scans (a layout may ask for MAX_INDEXES; five shipped layouts ask for none).
MAX_LAYOUT_INDEXES = 64


def too_many_indexes(db: Database, layout: LayoutInfo) -> str | None:
    """Why the report's layout may not bring its query indexes here (None: it may)."""
    wanted = {tuple(index) for q in layout.queries for index in q.indexes}
    if not wanted:
        return None
    prefix = f"{LAYOUT_INDEX}{layout.name}:"
    others = db.execute(
        "select count(*) from sqlite_master where type = 'index' and name like ? escape '\\' "
        "and substr(name, 1, length(?)) <> ?",
        [LAYOUT_INDEX.replace("_", "\\_") + "%", prefix, prefix],
    ).fetchone()[0]
    if others + len(wanted) > MAX_LAYOUT_INDEXES:
        return (
            f"layout {layout.name}: its queries' {len(wanted)} indexes would make {others + len(wanted)} "
            f"in the database, at most {MAX_LAYOUT_INDEXES}"
        )
    return None


def _layout_indexes(db: Database, layout: LayoutInfo) -> None:
    """The indexes the layout's queries ask for, as this report's layout has them: missing ones
    made, ones it no longer asks for dropped (so an edited layout leaves none behind)."""
    fields = [(f.name, f.role) for f in layout.fields]
    wanted = dict(
        layout_index_sql(layout.name, list(index), fields) for q in layout.queries for index in q.indexes
    )
    prefix = f"{LAYOUT_INDEX}{layout.name}:"
    present = {
        row[0]
        for row in db.execute(
            "select name from sqlite_master where type = 'index' and substr(name, 1, length(?)) = ?",
            [prefix, prefix],
        )
    }
    for name in sorted(present - wanted.keys()):
        db.execute(f"DROP INDEX [{name}]")
    for name in sorted(wanted.keys() - present):
        db.execute(wanted[name])
