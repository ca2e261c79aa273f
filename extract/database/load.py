"""Load validated reports into SQLite with sqlite-utils. The only module that writes the database.

The schema is data (TABLES, INDEXES, VIEWS, FTS in extract/database/schema.py) applied idempotently by
``ensure_db_shape``; a report is loaded in one transaction and known by the SHA-256 of its PDF.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from extract.database.identity import institution_key
from extract.database.schema import (
    FTS,
    FTS_OPTIONS,
    INDEXES,
    ROLE_COLUMNS,
    TABLES,
    VIEWS,
    change_of,
    layout_view_name,
    layout_view_sql,
)
from extract.database.search import index_terms
from extract.manifest import SHAPE_VERSION
from schemas.report import LayoutInfo, Report


def layout_fields_of(db: Database, layout: str) -> list[tuple[str, str, str]]:
    """(scope, name, role) of one layout's row fields, then its sheet fields, in the layout's order."""
    sql = """select scope, name, role from layout_fields where layout = ? and scope in ('row', 'sheet')
        order by scope = 'sheet', position"""
    return [tuple(row) for row in db.execute(sql, [layout]).fetchall()]


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
    """Tables, indexes on every foreign key and facet, views; the search indexes rebuilt from
    scratch when missing or of another shape. Idempotent; whether it rebuilt them."""
    ensure_tables(db)
    db.index_foreign_keys()
    for table, indexes in INDEXES.items():
        for columns in indexes:
            db[table].create_index(columns, if_not_exists=True)
    rebuilt = stored_setting(db, "shape_version") != SHAPE_VERSION or not all(
        db[name].exists() for name in FTS
    )
    if rebuilt:
        with db.atomic():
            ensure_views(db)
            _create_indexes(db)
            index_reports(db, None)
            store_setting(db, "shape_version", SHAPE_VERSION)
    ensure_views(db)
    return rebuilt


def ensure_views(db: Database) -> None:
    """The views, and one per layout (a report may bring a new layout)."""
    for name, sql in VIEWS.items():
        db.create_view(name, sql, replace=True)
    for (layout,) in db.execute("select distinct layout from layout_fields").fetchall():
        db.create_view(
            layout_view_name(layout), layout_view_sql(layout, layout_fields_of(db, layout)), replace=True
        )


def _create_indexes(db: Database) -> None:
    for name in FTS:
        db.execute(f"DROP TABLE IF EXISTS [{name}]")
        db.execute(f"CREATE VIRTUAL TABLE [{name}] USING fts5(terms, {FTS_OPTIONS})")


def _of_reports(sql: str, column: str, report_ids: list[int] | None) -> tuple[str, list[str]]:
    """The SQL narrowed to some reports (all when None)."""
    if report_ids is None:
        return sql, []
    return f"{sql} WHERE {column} IN (SELECT value FROM json_each(?))", [json.dumps(report_ids)]


def _index_rows(db: Database, sql: str, params: list[str]) -> Iterator[tuple[int, str]]:
    return ((row[0], index_terms(*row[1:])) for row in db.conn.cursor().execute(sql, params))


def index_reports(db: Database, report_ids: list[int] | None) -> None:
    """The search index entries of these reports (all when None)."""
    for name, (sql, column) in FTS.items():
        rows = _index_rows(db, *_of_reports(sql, column, report_ids))
        db.conn.executemany(f"INSERT INTO [{name}] (rowid, terms) VALUES (?, ?)", rows)  # streamed


def unindex_reports(db: Database, report_ids: list[int]) -> None:
    """Undo index_reports, before the reports' rows go: a contentless index forgets a row only
    when told its exact terms again."""
    if stored_setting(db, "shape_version") != SHAPE_VERSION:
        return  # the next ensure_db_shape rebuilds them all
    for name, (sql, column) in FTS.items():
        rows = list(_index_rows(db, *_of_reports(sql, column, report_ids)))
        db.conn.executemany(f"INSERT INTO [{name}] ([{name}], rowid, terms) VALUES ('delete', ?, ?)", rows)


def stored_setting(db: Database, name: str) -> str | None:
    """A value remembered between builds (e.g. the digest of the identity overrides)."""
    if not db["build_info"].exists():
        return None
    rows = list(db["build_info"].rows_where("name = ?", [name]))
    return rows[0]["value"] if rows else None


def store_setting(db: Database, name: str, value: str) -> None:
    db["build_info"].upsert({"name": name, "value": value}, pk="name")


def loaded_reports(db: Database) -> dict[str, dict[str, Any]]:
    """The reports already in the database, by the SHA-256 of their PDF."""
    if not db["reports"].exists():
        return {}
    return {row["sha256"]: row for row in db["reports"].rows}


def report_id(db: Database, sha256: str) -> int | None:
    row = db.execute("select id from reports where sha256 = ?", [sha256]).fetchone()
    return row[0] if row else None


def delete_report(db: Database, sha256: str) -> None:
    rid = report_id(db, sha256)
    if rid is None:
        return
    with db.atomic():
        unindex_reports(db, [rid])
        for table in [*form_tables(db), *_CHILDREN]:
            db[table].delete_where("report_id = ?", [rid])
        db["reports"].delete_where("id = ?", [rid])


def load_report(db: Database, report: Report) -> int:
    """Insert one report and everything in it, in one transaction; its id."""
    ensure_tables(db)
    info = report.report
    with db.atomic():
        rid = db["reports"].insert(
            {
                "sha256": info.source.sha256, "file": info.source.file, "layout": report.layout.name,
                "series": series_key(report), "municipality": info.municipality,
                "publisher": info.publisher, "title": info.title, "fiscal_year": info.fiscal_year,
                "fiscal_year_label": info.fiscal_year_label, "published": info.published,
                "issuer": info.issuer, "pages": info.source.pages,
            }
        ).last_pk  # fmt: skip
        db["rating_scale"].insert_all(
            {"report_id": rid, "code": code, "description": text}
            for code, text in report.rating_scale.items()
        )
        _load_layout(db, report.layout)
        sheets = _load_policies(db, report, rid)
        _load_evaluations(db, report, rid, sheets)
        _load_projects(db, report, rid, sheets)
        _load_comments(db, report, rid, sheets)
        db["issues"].insert_all(
            {"report_id": rid, "page": p.page, "kind": p.code, "detail": p.message} for p in report.problems
        )
        if stored_setting(db, "shape_version") == SHAPE_VERSION:
            index_reports(db, [rid])
    return rid


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


def _next_id(db: Database, table: str) -> int:
    return db.execute(f"select coalesce(max(id), 0) + 1 from [{table}]").fetchone()[0]


@dataclass
class _Sheets:
    """The ids the report's sheets and measures were given: rows are linked to them."""

    policy: dict[int, int]  # sheet_no -> policies.id
    boxed: set[int]  # sheets with a heading box
    measure: dict[tuple[int, Any], int]  # (sheet_no, measure_no) -> measures.id


def _load_policies(db: Database, report: Report, rid: int) -> _Sheets:
    """One row per sheet: the heading box where the form has one, the sheet's own fields."""
    boxes = {p.sheet_no: p for p in report.policies}
    sheets = {s.sheet_no: s for s in report.sheets}
    pages = {e.sheet_no: e.page for e in reversed(report.evaluations)}
    pages |= {i + 1: p.page for i, p in enumerate(report.projects)}
    out = _Sheets({}, set(boxes), {})
    pid, mid = _next_id(db, "policies"), _next_id(db, "measures")
    policies, measures = [], []
    for no in sorted(set(boxes) | set(sheets) | set(pages)):
        box, sheet = boxes.get(no), sheets.get(no)
        own = {
            k: v for k, v in (sheet.model_dump() if sheet else {}).items() if k not in ("sheet_no", "page")
        }
        policies.append(
            {
                "id": pid, "report_id": rid, "sheet_no": no, "goal_no": box.goal_no if box else None,
                "goal_title": box.goal_title if box else None, "policy_title": box.policy_title if box else None,
                "page": box.page if box else (sheet.page if sheet else pages[no]),
                "fields": json.dumps(own, ensure_ascii=False) if own else None,
            }
        )  # fmt: skip
        out.policy[no] = pid
        for m in box.measures if box else []:
            measures.append(
                {"id": mid, "report_id": rid, "policy_id": pid, "measure_no": m.measure_no,
                 "measure_title": m.measure_title}
            )  # fmt: skip
            out.measure[(no, m.measure_no)] = mid
            mid += 1
        pid += 1
    db["policies"].insert_all(policies)
    db["measures"].insert_all(measures)
    return out


def item_keys(source: Database | Report, sha256: str | None = None) -> set[tuple[Any, str]]:
    """(number, title) of every item of a loaded report, or of a report about to be loaded."""
    if isinstance(source, Database):
        sql = """select initiative_no, initiative_title from initiatives
            where report_id = (select id from reports where sha256 = ?)"""
        return {tuple(row) for row in source.execute(sql, [sha256]).fetchall()}
    roles = _role_fields(source.layout)
    records = [e.model_dump() for e in source.evaluations] + [p.model_dump() for p in source.projects]
    return {(r.get(roles.get("number", "")), r.get(roles.get("title", "")) or "") for r in records}


def _role_fields(layout: LayoutInfo) -> dict[str, str]:
    """role -> the record key that plays it (the first field of that role)."""
    out: dict[str, str] = {}
    for f in layout.fields:
        out.setdefault(f.role, f.name)
    return out


def _load_evaluations(db: Database, report: Report, rid: int, sheets: _Sheets) -> None:
    records = [e.model_dump() for e in report.evaluations]
    _load_rows(db, report, rid, sheets, records)


def _load_projects(db: Database, report: Report, rid: int, sheets: _Sheets) -> None:
    """A form's sheets: each one evaluations row; each embedded table into a table of its name,
    one row per value (project × row × fiscal year × kind), so that amounts can be summed."""
    if not report.projects:
        return
    tables = [t.name for t in report.layout.tables]
    records = [
        {"sheet_no": i + 1, **p.model_dump(exclude=set(tables))} for i, p in enumerate(report.projects)
    ]
    ids = _load_rows(db, report, rid, sheets, records)
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


def _load_rows(
    db: Database, report: Report, rid: int, sheets: _Sheets, records: list[dict[str, Any]]
) -> list[int]:
    """Rated rows of any layout: initiatives by number and title; the fields that have a column
    of their own (ROLE_COLUMNS) there, the others as JSON in the layout's order (a field
    without a value left out: it reads as NULL all the same)."""
    roles = _role_fields(report.layout)
    flags = [f.name for f in report.layout.fields if f.role == "flag"]
    in_columns = {roles[r] for r in ROLE_COLUMNS if r in roles} | {"sheet_no", "page"}
    order = {f.name: i for i, f in enumerate(report.layout.fields)}
    info = report.report
    measures: list[dict[str, Any]] = []
    initiatives: dict[tuple, dict[str, Any]] = {}
    rows, iid, mid = [], _next_id(db, "initiatives"), _next_id(db, "measures")
    for record in records:
        values = {role: record.get(name) for role, name in roles.items()}
        no, group = record["sheet_no"], values.get("group")
        pid = sheets.policy[no]
        if group is not None and (no, group) not in sheets.measure:  # a measure the box did not list
            sheets.measure[(no, group)] = mid
            measures.append({"id": mid, "report_id": rid, "policy_id": pid, "measure_no": group})
            mid += 1
        measure = sheets.measure.get((no, group)) if group is not None else None
        number, title = values.get("number"), values.get("title") or ""
        key = (no, measure, number, title)
        if key not in initiatives:
            initiatives[key] = {
                "id": iid, "report_id": rid, "policy_id": pid, "measure_id": measure,
                "initiative_no": number, "initiative_title": title,
                "is_new": int(any(record.get(f) for f in flags)),
            }  # fmt: skip
            iid += 1
        own = sorted((k for k in record if k not in in_columns), key=lambda k: order.get(k, len(order)))
        rows.append(
            {
                "report_id": rid, "policy_id": pid, "initiative_id": initiatives[key]["id"],
                "layout": report.layout.name, "fiscal_year": info.fiscal_year,
                "municipality": info.municipality, "publisher": info.publisher, "sheet_no": no,
                "measure_no": group, "initiative_no": number, "initiative_title": title,
                "is_new": initiatives[key]["is_new"], "department": values.get("department"),
                "prev_rating": values.get("prev_rating"), "rating": values.get("rating"),
                "change": change_of(values.get("prev_rating"), values.get("rating")),
                "direction": values.get("direction"), "page": record["page"],
                "fields": json.dumps({k: record[k] for k in own if record[k] is not None}, ensure_ascii=False),
            }
        )  # fmt: skip
    db["measures"].insert_all(measures)
    db["initiatives"].insert_all(initiatives.values())
    first = _next_id(db, "evaluations")
    ids = list(range(first, first + len(rows)))
    db["evaluations"].insert_all({"id": i, **row} for i, row in zip(ids, rows, strict=True))
    return ids


def _load_comments(db: Database, report: Report, rid: int, sheets: _Sheets) -> None:
    db["comments"].insert_all(
        {
            "report_id": rid,
            "policy_id": sheets.policy.get(c.sheet_no) if c.sheet_no in sheets.boxed else None,
            "sheet_no": c.sheet_no, "policy_title": c.policy_title, "measure_no": c.measure_no,
            "initiative_no": c.initiative_no, "opinion": c.opinion, "response": c.response,
            "page": c.page,
        }
        for c in report.comments
    )  # fmt: skip
