"""Load validated reports into SQLite with sqlite-utils. The only module that writes the database.

The schema is data (TABLES, VIEWS, DERIVED, FTS in extract/schema.py) applied idempotently by
``ensure_db_shape``; a report is loaded in one transaction and keyed by the SHA-256 of its PDF.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from extract.identity import institution_key
from extract.manifest import REPORT_KEY, SHAPE_VERSION
from extract.schema import (  # PDF_MOUNT, layout_view_name and the tables are read from here by others
    _ROW_JOINS,
    CHANGE_SQL,
    DERIVED,
    FTS,
    FTS_OPTIONS,
    PDF_MOUNT,
    TABLES,
    VIEWS,
    layout_view_name,
)
from extract.search import index_terms
from schemas.report import LayoutInfo, Report


def layout_view_sql(db: Database, layout: str) -> str:
    """One layout's rows, each of its fields a column, generated from the layout_fields table."""
    fields = db.execute(
        "select name, role from layout_fields where layout = ? and scope = 'row' order by position", [layout]
    ).fetchall()
    columns = []
    for name, role in fields:
        if role in ("rating", "prev_rating"):
            columns.append(f"e.{role} AS [{name}]")
        elif role == "department":
            columns.append(f"e.department AS [{name}]")
        else:
            columns.append(f"json_extract(e.fields, '$.{name}') AS [{name}]")
    sheet_fields = db.execute(
        "select name from layout_fields where layout = ? and scope = 'sheet' order by position", [layout]
    ).fetchall()
    columns += [f"json_extract(p.fields, '$.{name}') AS [{name}]" for (name,) in sheet_fields]
    escaped = layout.replace("'", "''")
    return f"""
SELECT e.id, r.fiscal_year, r.municipality, r.publisher, p.sheet_no, {", ".join(columns)},
    {CHANGE_SQL} AS change, e.page, '/{PDF_MOUNT}/' || e.source_file || '#page=' || e.page AS pdf_url,
    e.source_file, e.report_id, e.initiative_id
{_ROW_JOINS}
WHERE e.layout = '{escaped}'
ORDER BY r.fiscal_year, r.id, e.id"""


_CHILDREN = ("issues", "comments", "evaluations", "initiatives", "measures", "policies", "rating_scale")


def open_database(path: Path, scratch: bool = False) -> Database:
    """``scratch``: a working copy that is thrown away unless the build ends, so no commit
    waits for the disk (the build syncs the file once, before renaming it in)."""
    db = Database(path)
    if scratch:
        db.execute("PRAGMA journal_mode = MEMORY")
        db.execute("PRAGMA synchronous = OFF")
    return db


PAGE_SIZE = 16384  # rows of a couple of KB fill large pages better (12 % smaller than 4096 at 1,000 reports)


def ensure_tables(db: Database) -> None:
    if not db.execute("select count(*) from sqlite_master").fetchone()[0]:
        db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # only a new file takes it
    for name, (columns, pk, fks) in TABLES.items():
        if not db[name].exists():
            db[name].create(columns, pk=pk, foreign_keys=fks)


def ensure_db_shape(db: Database) -> bool:
    """Tables, indexes on every foreign key, views; derived tables and search index rebuilt
    from scratch when missing or of another shape. Idempotent; whether it rebuilt them."""
    ensure_tables(db)
    db.index_foreign_keys()
    for column in ("rating", "prev_rating", "department"):
        db["evaluations"].create_index([column], if_not_exists=True)
    db["reports"].create_index(list(REPORT_KEY), if_not_exists=True)
    db["reports"].create_index(["series"], if_not_exists=True)
    rebuilt = stored_setting(db, "shape_version") != SHAPE_VERSION or not all(
        db[name].exists() for name in [*DERIVED, *FTS]
    )
    if rebuilt:
        with db.atomic():
            _create_derived(db)
            add_derived(db, None)
            store_setting(db, "shape_version", SHAPE_VERSION)
    ensure_views(db)
    return rebuilt


def ensure_views(db: Database) -> None:
    """The views, and one per layout (a report may bring a new layout)."""
    for name, sql in VIEWS.items():
        db.create_view(name, sql, replace=True)
    for (layout,) in db.execute("select distinct layout from layout_fields").fetchall():
        db.create_view(layout_view_name(layout), layout_view_sql(db, layout), replace=True)


def _create_derived(db: Database) -> None:
    for name, (sql, _, indexes) in DERIVED.items():
        kind = db.execute("select type from sqlite_master where name = ?", [name]).fetchone()
        if kind:  # a view in databases built before the table
            db.execute(f"DROP {kind[0].upper()} [{name}]")
        columns = [d[0] for d in db.execute(f"SELECT * FROM ({sql}) LIMIT 0").description]
        rest = ", ".join(f"[{c}]" for c in columns[1:])
        db.execute(f"CREATE TABLE [{name}] ([{columns[0]}] INTEGER PRIMARY KEY, {rest})")
        for column in indexes:
            db.execute(f"CREATE INDEX [idx_{name}_{column}] ON [{name}] ([{column}])")
    for name in FTS:
        db.execute(f"DROP TABLE IF EXISTS [{name}]")
        db.execute(f"CREATE VIRTUAL TABLE [{name}] USING fts5(terms, {FTS_OPTIONS})")


def _of_reports(sql: str, column: str, report_ids: list[str] | None) -> tuple[str, list[str]]:
    """The SQL narrowed to some reports (all when None)."""
    if report_ids is None:
        return sql, []
    return f"{sql} WHERE {column} IN (SELECT value FROM json_each(?))", [json.dumps(report_ids)]


def _index_rows(db: Database, sql: str, params: list[str]) -> Iterator[tuple[int, str]]:
    return ((row[0], index_terms(*row[1:])) for row in db.conn.cursor().execute(sql, params))


def add_derived(db: Database, report_ids: list[str] | None) -> None:
    """The derived rows and index entries of these reports (all when None)."""
    for name, (sql, column, _) in DERIVED.items():
        narrowed, params = _of_reports(sql, column, report_ids)
        db.execute(f"INSERT INTO [{name}] {narrowed}", params)
    for name, (sql, column) in FTS.items():
        rows = _index_rows(db, *_of_reports(sql, column, report_ids))
        db.conn.executemany(f"INSERT INTO [{name}] (rowid, terms) VALUES (?, ?)", rows)  # streamed


def remove_derived(db: Database, report_ids: list[str]) -> None:
    """Undo add_derived, before the reports' rows go: a contentless index forgets a row only
    when told its exact terms again."""
    if stored_setting(db, "shape_version") != SHAPE_VERSION:
        return  # the next ensure_db_shape rebuilds them all
    for name, (sql, column) in FTS.items():
        rows = list(_index_rows(db, *_of_reports(sql, column, report_ids)))
        db.conn.executemany(f"INSERT INTO [{name}] ([{name}], rowid, terms) VALUES ('delete', ?, ?)", rows)
    for name in DERIVED:
        db.execute(f"DELETE FROM [{name}] WHERE report_id IN (SELECT value FROM json_each(?))",
                   [json.dumps(report_ids)])  # fmt: skip


def stored_setting(db: Database, name: str) -> str | None:
    """A value remembered between builds (e.g. the digest of the identity overrides)."""
    if not db["build_info"].exists():
        return None
    rows = list(db["build_info"].rows_where("name = ?", [name]))
    return rows[0]["value"] if rows else None


def store_setting(db: Database, name: str, value: str) -> None:
    db["build_info"].upsert({"name": name, "value": value}, pk="name")


def loaded_reports(db: Database) -> dict[str, dict[str, Any]]:
    """The reports already in the database, by SHA-256."""
    if not db["reports"].exists():
        return {}
    return {row["id"]: row for row in db["reports"].rows}


def delete_report(db: Database, report_id: str) -> None:
    with db.atomic():
        remove_derived(db, [report_id])
        for table in [*form_tables(db), *_CHILDREN]:
            db[table].delete_where("report_id = ?", [report_id])
        db["reports"].delete_where("id = ?", [report_id])


def load_report(db: Database, report: Report) -> None:
    """Insert one report and everything in it, in one transaction."""
    ensure_tables(db)
    info = report.report
    rid = info.source.sha256
    with db.atomic():
        db["reports"].insert(
            {
                "id": rid, "file": info.source.file, "layout": report.layout.name,
                "series": series_key(report), "municipality": info.municipality,
                "publisher": info.publisher, "title": info.title, "fiscal_year": info.fiscal_year,
                "fiscal_year_label": info.fiscal_year_label, "published": info.published,
                "issuer": info.issuer, "pages": info.source.pages,
            }
        )  # fmt: skip
        db["rating_scale"].insert_all(
            {"id": f"{rid}:{code}", "report_id": rid, "code": code, "description": text}
            for code, text in report.rating_scale.items()
        )
        _load_layout(db, report.layout)
        _load_policies(db, report, rid)
        _load_evaluations(db, report, rid)
        _load_projects(db, report, rid)
        _load_comments(db, report, rid)
        db["issues"].insert_all(
            {"report_id": rid, "page": p.page, "kind": p.code, "detail": p.message} for p in report.problems
        )
        if stored_setting(db, "shape_version") == SHAPE_VERSION:
            add_derived(db, [rid])


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
    scopes = (("row", layout.fields), ("sheet", layout.sheet_fields), ("table", layout.tables),
              ("table_column", layout.table_columns))  # fmt: skip
    rows = [
        {"id": f"{layout.name}:{scope}:{f.name}", "layout": layout.name, "layout_label": layout.label,
         "position": i, "scope": scope, "name": f.name, "label": f.label, "description": f.description,
         "role": f.role}
        for scope, fields in scopes
        for i, f in enumerate(fields)
    ]  # fmt: skip
    db["layout_fields"].upsert_all(rows, pk="id")
    db["layout_queries"].upsert_all(
        ({"id": f"{layout.name}:{q.name}", "layout": layout.name, **q.model_dump()} for q in layout.queries),
        pk="id",
    )


def _load_policies(db: Database, report: Report, rid: str) -> None:
    """One row per sheet: the heading box where the form has one, the sheet's own fields."""
    boxes = {p.sheet_no: p for p in report.policies}
    sheets = {s.sheet_no: s for s in report.sheets}
    pages = {e.sheet_no: e.page for e in reversed(report.evaluations)}
    pages |= {i + 1: p.page for i, p in enumerate(report.projects)}
    for no in sorted(set(boxes) | set(sheets) | set(pages)):
        box, sheet = boxes.get(no), sheets.get(no)
        own = {
            k: v for k, v in (sheet.model_dump() if sheet else {}).items() if k not in ("sheet_no", "page")
        }
        pid = f"{rid}:{no}"
        db["policies"].insert(
            {
                "id": pid, "report_id": rid, "sheet_no": no, "goal_no": box.goal_no if box else None,
                "goal_title": box.goal_title if box else None, "policy_title": box.policy_title if box else None,
                "page": box.page if box else (sheet.page if sheet else pages[no]),
                "fields": json.dumps(own, ensure_ascii=False) if own else None,
            }
        )  # fmt: skip
        db["measures"].insert_all(
            {
                "id": f"{pid}:{m.measure_no}", "report_id": rid, "policy_id": pid,
                "measure_no": m.measure_no, "measure_title": m.measure_title,
            }
            for m in (box.measures if box else [])
        )  # fmt: skip


def item_keys(source: Database | Report, report_id: str | None = None) -> set[tuple[Any, str]]:
    """(number, title) of every item of a loaded report, or of a report about to be loaded."""
    if isinstance(source, Database):
        sql = "select initiative_no, initiative_title from initiatives where report_id = ?"
        return {tuple(row) for row in source.execute(sql, [report_id]).fetchall()}
    roles = _role_fields(source.layout)
    records = [e.model_dump() for e in source.evaluations] + [p.model_dump() for p in source.projects]
    return {(r.get(roles.get("number", "")), r.get(roles.get("title", "")) or "") for r in records}


def _role_fields(layout: LayoutInfo) -> dict[str, str]:
    """role -> the record key that plays it (the first field of that role)."""
    out: dict[str, str] = {}
    for f in layout.fields:
        out.setdefault(f.role, f.name)
    return out


def _load_evaluations(db: Database, report: Report, rid: str) -> None:
    records = [e.model_dump() for e in report.evaluations]
    _load_rows(db, report, rid, records)


def _load_projects(db: Database, report: Report, rid: str) -> None:
    """A form's sheets: each one evaluations row; each embedded table into a table of its name,
    one row per value (project × row × fiscal year × kind), so that amounts can be summed."""
    if not report.projects:
        return
    tables = [t.name for t in report.layout.tables]
    records = [
        {"sheet_no": i + 1, **p.model_dump(exclude=set(tables))} for i, p in enumerate(report.projects)
    ]
    ids = _load_rows(db, report, rid, records)
    for name in tables:
        rows = [
            {"report_id": rid, "evaluation_id": eid, **flat}
            for eid, p in zip(ids, report.projects, strict=True)
            for entry in getattr(p, name, None) or []
            for flat in _flatten(entry)
        ]
        if rows:
            db[name].insert_all(
                rows,
                alter=True,
                foreign_keys=[("report_id", "reports", "id"), ("evaluation_id", "evaluations", "id")],
            )


def _flatten(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """An entry whose values are a list (an indicator's years) becomes one row per value."""
    scalars = {k: int(v) if isinstance(v, bool) else v for k, v in entry.items() if not isinstance(v, list)}
    lists = [v for v in entry.values() if isinstance(v, list)]
    return [{**scalars, **item} for item in lists[0]] if lists else [scalars]


def _load_rows(db: Database, report: Report, rid: str, records: list[dict[str, Any]]) -> list[int]:
    """Rated rows of any layout: initiatives by number and title, the record's fields as JSON."""
    roles = _role_fields(report.layout)
    texts = [f.name for f in report.layout.fields if f.role == "text"]
    flags = [f.name for f in report.layout.fields if f.role == "flag"]
    measures = {f"{rid}:{p.sheet_no}:{m.measure_no}" for p in report.policies for m in p.measures}
    extra_measures, initiatives, rows = {}, {}, []
    for record in records:

        def get(role: str, record: dict[str, Any] = record) -> Any:
            return record.get(roles[role]) if role in roles else None

        pid = f"{rid}:{record['sheet_no']}"
        group, number, title = get("group"), get("number"), get("title") or ""
        mid = f"{pid}:{group}" if group is not None else None
        if mid and mid not in measures:  # a measure the box did not list
            extra_measures[mid] = {"id": mid, "report_id": rid, "policy_id": pid, "measure_no": group}
        iid = f"{mid or pid}:{number}:{title}"
        initiatives.setdefault(
            iid,
            {
                "id": iid, "report_id": rid, "policy_id": pid, "measure_id": mid,
                "initiative_no": number, "initiative_title": title,
                "is_new": int(any(record.get(f) for f in flags)),
            },
        )  # fmt: skip
        fields = {k: v for k, v in record.items() if k not in ("sheet_no", "page")}
        rows.append(
            {
                "report_id": rid, "initiative_id": iid, "layout": report.layout.name,
                "department": get("department"), "prev_rating": get("prev_rating"), "rating": get("rating"),
                "direction": get("direction"),
                "texts": "\n".join(record[k] for k in texts if isinstance(record.get(k), str) and record[k]) or None,
                "fields": json.dumps(fields, ensure_ascii=False),
                "page": record["page"], "source_file": report.report.source.file,
            }
        )  # fmt: skip
    db["measures"].insert_all(extra_measures.values())
    db["initiatives"].insert_all(initiatives.values())
    first = (db.execute("select coalesce(max(id), 0) from evaluations").fetchone()[0]) + 1
    ids = list(range(first, first + len(rows)))
    db["evaluations"].insert_all({"id": i, **row} for i, row in zip(ids, rows, strict=True))
    return ids


def _load_comments(db: Database, report: Report, rid: str) -> None:
    sheets = {p.sheet_no for p in report.policies}
    db["comments"].insert_all(
        {
            "report_id": rid,
            "policy_id": f"{rid}:{c.sheet_no}" if c.sheet_no in sheets else None,
            "sheet_no": c.sheet_no, "policy_title": c.policy_title, "measure_no": c.measure_no,
            "initiative_no": c.initiative_no, "opinion": c.opinion, "response": c.response,
            "page": c.page, "source_file": report.report.source.file,
        }
        for c in report.comments
    )  # fmt: skip
