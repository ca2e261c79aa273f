"""What one report inserts below its ``reports`` row: its sheets and their groups, its items and
rated rows (each stored once: shared columns, the other fields as JSON), its remarks.
Called by ``load.load_report`` inside its transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from extract.database.schema import ROLE_COLUMNS, change_of
from schemas.report import FieldInfo, LayoutInfo, Report


def _roles(fields: list[FieldInfo]) -> dict[str, str]:
    """Which field of a heading box, of a group it lists or of a remark plays which part."""
    out: dict[str, str] = {}
    for f in fields:
        out.setdefault(f.role, f.name)
    return out


def _json(value: dict[str, Any]) -> str:
    """A row's other fields as JSON without the space json.dumps puts after each , and : (in a
    UTF-16 database every ASCII character of the keys and punctuation costs two bytes)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _next_id(db: Database, table: str) -> int:
    """The first free id: rows get theirs before insertion, so that others can point at them."""
    return db.execute(f"select coalesce(max(id), 0) + 1 from [{table}]").fetchone()[0]


@dataclass
class Sheets:
    """The ids the report's sheets and their listed groups were given: rows are linked to them."""

    sheet: dict[int, int]  # sheet_no -> sheets.id
    boxed: set[int]  # sheets with a heading box
    group: dict[tuple[int, Any], int]  # (sheet_no, group number) -> items.id


def insert_sheets(db: Database, report: Report, rid: int) -> Sheets:
    """One row per sheet: its title and fields (its heading box's, its own labelled ones), and
    the groups its box lists, each an item without a parent."""
    boxes = {b.sheet_no: b for b in report.boxes}
    box_roles, group_roles = _roles(report.layout.sheet_fields), _roles(report.layout.group_fields)
    listed = report.layout.box_groups.name if report.layout.box_groups else ""
    sheets = {s.sheet_no: s for s in report.sheets}
    pages = {e.sheet_no: e.page for e in reversed(report.evaluations)}
    pages |= {i + 1: p.page for i, p in enumerate(report.projects)}
    out = Sheets({}, set(boxes), {})
    sid, iid = _next_id(db, "sheets"), _next_id(db, "items")
    rows, groups = [], []
    for no in sorted(set(boxes) | set(sheets) | set(pages)):
        box, sheet = boxes.get(no), sheets.get(no)
        boxed = box.model_dump(exclude={"sheet_no", "page", listed}) if box else {}
        title = boxed.pop(box_roles.get("title", ""), None)
        own = boxed | (sheet.model_dump(exclude={"sheet_no", "page"}) if sheet else {})
        own = {k: v for k, v in own.items() if v is not None}
        rows.append(
            {
                "id": sid, "report_id": rid, "sheet_no": no, "title": title,
                "page": box.page if box else (sheet.page if sheet else pages[no]),
                "fields": _json(own) if own else None,
            }
        )  # fmt: skip
        out.sheet[no] = sid
        for group in box.model_dump().get(listed, []) if box else []:
            number, title = group.get(group_roles.get("number", "")), group.get(group_roles.get("title", ""))
            groups.append({"id": iid, "report_id": rid, "sheet_id": sid, "item_no": number, "title": title})
            out.group[(no, number)] = iid
            iid += 1
        sid += 1
    db["sheets"].insert_all(rows)
    db["items"].insert_all(groups)
    return out


def item_keys(source: Database | Report, sha256: str | None = None) -> set[tuple[Any, str]]:
    """(number, title) of every item of a loaded report, or of a report about to be loaded."""
    if isinstance(source, Database):
        sql = """select item_no, title from items where id in (select item_id from evaluations
            where report_id = (select id from reports where sha256 = ?))"""
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


def insert_rows(db: Database, report: Report, rid: int, sheets: Sheets) -> None:
    """The report's rated rows: a row table's records, or a form's sheets (below)."""
    _load_rows(db, report, rid, sheets, [e.model_dump() for e in report.evaluations])
    _load_projects(db, report, rid, sheets)


def _load_projects(db: Database, report: Report, rid: int, sheets: Sheets) -> None:
    """A form's sheets: each one evaluations row; each embedded table into a table of its name,
    one row per value (project × row × fiscal year × kind), so that amounts can be summed."""
    if not report.projects:
        return
    tables = [t.name for t in report.layout.tables]
    records = [
        {"sheet_no": i + 1, **_own(p.model_dump(exclude=set(tables)))} for i, p in enumerate(report.projects)
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


def _own(record: dict[str, Any]) -> dict[str, Any]:
    """A form's fields; one named as the sheet's place in the PDF (横浜市's printed 評価書番号,
    ``sheet_no``) is kept as ``printed_sheet_no`` (in the row's JSON fields)."""
    if "sheet_no" in record:
        record["printed_sheet_no"] = record.pop("sheet_no")
    return record


def _flatten(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """An entry whose values are a list (an indicator's years) becomes one row per value."""
    scalars = {k: int(v) if isinstance(v, bool) else v for k, v in entry.items() if not isinstance(v, list)}
    lists = [v for v in entry.values() if isinstance(v, list)]
    return [{**scalars, **item} for item in lists[0]] if lists else [scalars]


def _load_rows(
    db: Database, report: Report, rid: int, sheets: Sheets, records: list[dict[str, Any]]
) -> list[int]:
    """Rated rows of any layout, each one evaluations row; items by number and title, under
    their group (an item without a parent: the one the sheet's box listed, else made here)."""
    roles = _role_fields(report.layout)
    order = {f.name: i for i, f in enumerate(report.layout.fields)}
    in_columns = {roles[r] for r in ROLE_COLUMNS if r in roles} | {"sheet_no", "page", "ocr"}
    groups: list[dict[str, Any]] = []
    items: dict[tuple, dict[str, Any]] = {}
    rows, iid = [], _next_id(db, "items")
    for record in records:
        values = {role: record.get(name) for role, name in roles.items()}
        no, group = record["sheet_no"], values.get("group")
        sid = sheets.sheet[no]
        if group is not None and (no, group) not in sheets.group:
            sheets.group[(no, group)] = iid
            groups.append({"id": iid, "report_id": rid, "sheet_id": sid, "item_no": group})
            iid += 1
        parent = sheets.group.get((no, group)) if group is not None else None
        key = (no, parent, values.get("number"), values.get("title") or "")
        if key not in items:
            items[key] = {
                "id": iid, "report_id": rid, "sheet_id": sid, "parent_id": parent, "item_no": key[2],
                "title": key[3], "flag": int(bool(values.get("flag"))),
            }  # fmt: skip
            iid += 1
        own = sorted((k for k in record if k not in in_columns), key=lambda k: order.get(k, len(order)))
        fields = {k: record[k] for k in own if record[k] is not None}
        rows.append(_evaluation(report, items[key], record, values, fields))
    db["items"].insert_all([*groups, *items.values()])
    first = _next_id(db, "evaluations")
    ids = list(range(first, first + len(rows)))
    db["evaluations"].insert_all({"id": i, **row} for i, row in zip(ids, rows, strict=True))
    return ids


def _evaluation(
    report: Report,
    item: dict[str, Any],
    record: dict[str, Any],
    values: dict[str, Any],
    fields: dict[str, Any],
) -> dict[str, Any]:
    """One evaluations row: the fields that have a column of their own (ROLE_COLUMNS, read into
    ``values`` by role) there, the others (``fields``: in the layout's order, a field without a
    value left out, as it reads NULL all the same) as JSON."""
    info = report.report
    return {
        "report_id": item["report_id"], "sheet_id": item["sheet_id"], "item_id": item["id"],
        "layout": report.layout.name, "fiscal_year": info.fiscal_year,
        "municipality": info.municipality, "publisher": info.publisher, "sheet_no": record["sheet_no"],
        "group_no": values.get("group"), "item_no": item["item_no"], "title": item["title"],
        "flag": item["flag"], "department": values.get("department"), "prev_rating": values.get("prev_rating"),
        "rating": values.get("rating"),
        "change": change_of(values.get("prev_rating"), values.get("rating"), scale_letters(report)),
        "direction": values.get("direction"), "page": record["page"], "ocr": record.get("ocr"),
        "fields": _json(fields),
    }  # fmt: skip


def insert_remarks(db: Database, report: Report, rid: int, sheets: Sheets) -> None:
    """Remarks on the report's sheets (a committee's comments and the answers), each linked to
    its sheet when the sheet has a heading box; numbers in columns, texts as JSON."""
    roles = {
        r: n for r, n in _roles(report.layout.remark_fields).items() if r in ("sheet", "group", "number")
    }
    kept = {"page", "ocr", *roles.values()}
    rows = []
    for remark in report.remarks:
        record = remark.model_dump()
        no = record.get(roles.get("sheet", ""))
        own = {k: v for k, v in record.items() if k not in kept and v is not None}
        rows.append(
            {
                "report_id": rid, "sheet_id": sheets.sheet.get(no) if no in sheets.boxed else None,
                "sheet_no": no, "group_no": record.get(roles.get("group", "")),
                "item_no": record.get(roles.get("number", "")), "page": remark.page,
                "fields": _json(own), "ocr": remark.ocr,
            }
        )  # fmt: skip
    db["remarks"].insert_all(rows)


def scale_letters(report: Report) -> list[str]:
    """The report's ratings, best first: its layout's scale; for a JSON written before layouts
    named their letters, every rating it holds in text order (A before B: how hyoka ordered
    them then)."""
    if report.layout.rating_letters:
        return list(report.layout.rating_letters)
    rated = [f.name for f in report.layout.fields if f.role in ("rating", "prev_rating", "axis")]
    records = [r.model_dump() for r in (*report.evaluations, *report.projects)]
    held = {r.get(name) for r in records for name in rated} | set(report.rating_scale)
    return sorted(x for x in held if isinstance(x, str))
