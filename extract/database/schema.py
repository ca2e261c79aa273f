"""The database's shape as data: tables, the flat view and search indexes the build keeps,
and the SQL they are made from. Applied by ``load.ensure_db_shape``; the rest of hyoka reads
them through ``extract.database.load``.

Each rated row is stored once, in ``evaluations``: the columns every layout shares (facets,
ratings, where it was printed) and the layout's other fields as JSON, its texts among them.
``evaluation_rows`` and the views ``rows_<layout>`` read that one row and copy nothing (the
texts were held three times before: 6.4 KB per row at 10,000 reports, now 2.6). Ids are
integers; a report is known by the SHA-256 of its PDF (``reports.sha256``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from extract.database.identity import ranked_change
from schemas.layout import INDEXED_BASE

PDF_MOUNT = "pdfs"  # where Datasette serves raw/: the views link each row to its page there

# table -> (columns, primary key, foreign keys as (column, other table, other column))
TABLES: dict[str, tuple[dict[str, type], str, list[tuple[str, str, str]]]] = {
    "reports": (
        {
            "id": int, "sha256": str, "file": str, "layout": str, "layout_sha256": str, "series": str,
            "municipality": str,
            "publisher": str, "title": str, "fiscal_year": int, "fiscal_year_label": str, "published": str,
            "issuer": str, "pages": int, "text_fields": str, "folder": str, "rating_letters": str,
        },
        "id",
        [],
    ),
    "rating_scale": (
        {"id": int, "report_id": int, "axis": str, "code": str, "description": str},
        "id",
        [("report_id", "reports", "id")],
    ),
    "sheets": (
        {"id": int, "report_id": int, "sheet_no": int, "title": str, "page": int, "fields": str},
        "id",
        [("report_id", "reports", "id")],
    ),
    "items": (
        {
            "id": int, "report_id": int, "sheet_id": int, "parent_id": int, "item_no": int, "title": str,
            "flag": int,
        },
        "id",
        [("report_id", "reports", "id"), ("sheet_id", "sheets", "id"), ("parent_id", "items", "id")],
    ),
    "evaluations": (
        {
            "id": int, "report_id": int, "sheet_id": int, "item_id": int, "layout": str,
            "fiscal_year": int, "municipality": str, "publisher": str, "sheet_no": int, "group_no": int,
            "item_no": int, "title": str, "flag": int, "department": str,
            "prev_rating": str, "rating": str, "change": str, "direction": str, "page": int, "fields": str,
            "ocr": float,
        },
        "id",
        [("report_id", "reports", "id"), ("sheet_id", "sheets", "id"), ("item_id", "items", "id")],
    ),
    "remarks": (
        {
            "id": int, "report_id": int, "sheet_id": int, "sheet_no": int, "group_no": int, "item_no": int,
            "page": int, "fields": str, "ocr": float,
        },
        "id",
        [("report_id", "reports", "id"), ("sheet_id", "sheets", "id")],
    ),
    "layout_fields": (
        {"id": str, "layout": str, "layout_label": str, "layout_description": str, "position": int, "scope": str,
         "name": str, "label": str, "description": str, "role": str, "of": str},
        "id",
        [],
    ),
    "layout_queries": (
        {"id": str, "layout": str, "name": str, "title": str, "description": str, "sql": str, "columns": str},
        "id",
        [],
    ),
    "sources": ({"file": str, "url": str}, "file", []),
    "issues": (
        {"id": int, "report_id": int, "page": int, "kind": str, "detail": str},
        "id",
        [("report_id", "reports", "id")],
    ),
}  # fmt: skip

# Indexes beyond one per foreign key: the flat page's facets, and the layouts' views in their
# order (a report's rows as printed: the rowid ends every index), so a query in that order
# stops after the rows it returns instead of sorting them all. A facet whose column does not
# lead an index counts by scanning the smallest index holding it (prev_rating, fiscal_year):
# a few tens of ms at 10,000 reports, for less than half the bytes of an index each. The
# canned queries' (metadata.QUERIES) lead with a facet's column: ratings_by_department reads
# (department, fiscal_year, rating) alone, worst_ratings its rows by rating, downgrades
# finds its year's rows by (change, fiscal_year) (each sorted or read every row at 10,000
# reports: 1-4 s).
INDEXES: dict[str, list[list[str]]] = {
    "evaluations": [
        ["department", "fiscal_year", "rating"], ["rating", "fiscal_year", "sheet_no", "group_no", "item_no"],
        ["change", "fiscal_year", "prev_rating"], ["municipality"], ["layout", "fiscal_year", "report_id"],
    ],
    "reports": [["municipality", "publisher", "fiscal_year", "title"], ["series"], ["sha256"]],
}  # fmt: skip

# Indexes of an earlier INDEXES, dropped from a database that has them (their bytes are on every row)
RETIRED_INDEXES = ("idx_evaluations_department", "idx_evaluations_rating_prev_rating_change")

# Columns of evaluations that hold a layout field of this role (its first field of the role);
# the other fields of a row are in its JSON ``fields``.
ROLE_COLUMNS = {
    "number": "item_no", "title": "title", "group": "group_no", "department": "department",
    "rating": "rating", "prev_rating": "prev_rating", "direction": "direction", "flag": "flag",
}  # fmt: skip


def change_of(prev_rating: str | None, rating: str | None, letters: Sequence[str]) -> str:
    """A row's rating change as its report prints it (``letters``: the scale, best first)."""
    if rating is None:
        return "no rating"
    if prev_rating is None:
        return "new rating"
    return ranked_change(prev_rating, rating, letters)


_SOURCE = "(SELECT file FROM reports WHERE id = e.report_id)"

# A row's texts: the text fields of the layout its report was read with (reports.text_fields,
# so a later edit of the layout file changes no loaded row, nor what the search index holds
# for it), in the layout's order, one per line; what the search index holds of them.
_TEXT_PARTS = """FROM json_each(e.fields) j WHERE j.type = 'text' AND j.value <> '' AND j.key IN
        (SELECT value FROM json_each((SELECT text_fields FROM reports WHERE id = e.report_id)))"""
_TEXTS = f"(SELECT group_concat(j.value, char(10)) {_TEXT_PARTS})"
# What a reader sees of them: each under its field's label (事業実績：…), in the flat view
_LABELLED_TEXTS = f"""(SELECT group_concat(coalesce((SELECT label FROM layout_fields
    WHERE id = e.layout || ':row:' || j.key), j.key) || '：' || j.value, char(10)) {_TEXT_PARTS})"""

# Titles by scalar subqueries, not joins: SQLite computes them only for the rows it shows, so a
# count or a facet of the flat view reads the indexes of evaluations alone (it keeps a LEFT JOIN).
EVALUATION_ROWS_SQL = f"""
SELECT e.id, e.fiscal_year, coalesce(e.municipality, e.publisher) AS issued_by, e.title, e.department,
    e.rating, e.change, e.direction, e.page, e.prev_rating, {_LABELLED_TEXTS} AS texts, e.municipality,
    e.publisher,
    (SELECT title FROM sheets WHERE id = e.sheet_id) AS sheet_title,
    e.group_no, e.item_no, e.flag, e.layout,
    (SELECT title FROM reports WHERE id = e.report_id) AS report_title, e.sheet_no,
    (SELECT p.title FROM items i JOIN items p ON p.id = i.parent_id WHERE i.id = e.item_id) AS group_title,
    {_SOURCE} AS source_file, '/{PDF_MOUNT}/' || {_SOURCE} || '#page=' || e.page AS pdf_url,
    (SELECT url FROM sources WHERE file = {_SOURCE}) || '#page=' || e.page AS source_url,
    e.report_id, e.item_id, e.ocr, e.sheet_id
FROM evaluations e"""

VIEWS: dict[str, str] = {"evaluation_rows": EVALUATION_ROWS_SQL}

# A remark's texts (a committee's comment and the answer …): its text fields, one per line.
_REMARK_TEXTS = """(SELECT group_concat(j.value, char(10)) FROM json_each(fields) j
    WHERE j.type = 'text' AND j.value <> '')"""

# The texts of a row's sheet (its heading box's titles, its labelled fields): found with the row.
_SHEET_TEXTS = """(SELECT group_concat(j.value, char(10)) FROM sheets s, json_each(s.fields) j
    WHERE s.id = v.sheet_id AND j.type = 'text' AND j.value <> '')"""

# FTS table -> (SQL giving (rowid, texts...) to index letter by letter, its report column).
# Contentless: the index keeps no copy of the text (a row is found by rowid, shown from its own table).
# Not columnsize=0 (12 bytes a row): Datasette counts every table, and SQLite cannot count a
# contentless index without its table of sizes ("does not support scanning").
FTS = {
    "evaluation_rows_fts": (
        f"""SELECT v.id, v.title, v.department, (SELECT {_TEXTS} FROM evaluations e WHERE e.id = v.id),
        v.group_title, v.sheet_title, {_SHEET_TEXTS} FROM evaluation_rows v""",
        "report_id",
    ),
    "remarks_fts": (f"SELECT id, {_REMARK_TEXTS} FROM remarks", "report_id"),
}
FTS_OPTIONS = "content='', tokenize='unicode61 remove_diacritics 0'"


def _slug(layout: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in layout)


def layout_view_name(layout: str) -> str:
    """The view of one layout's rows with its own columns: rows_<layout name>."""
    return "rows_" + _slug(layout)


def remarks_view_name(layout: str) -> str:
    """The view of one layout's remarks (comments on its sheets) with its own columns."""
    return "remarks_" + _slug(layout)


def _quoted(layout: str) -> str:
    return "'" + layout.replace("'", "''") + "'"


def _latest(name: str, spec: dict) -> str:
    """A form's latest money figure: the latest year's amount of the table's total row, of the
    first kind the layout lists that it has (決算 before 予算). Names and texts come from the
    layout: identifiers must be plain, texts are quoted."""
    table, key, value = spec["table"], spec["key"], spec["value"]
    if not all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in (table, key, value)):
        raise ValueError(f"{name}: not a table and columns of a form")
    order = " ".join(f"WHEN {_quoted(k)} THEN {i}" for i, k in enumerate(spec["kinds"]))
    return f"""(SELECT t.[{value}] FROM [{table}] t WHERE t.evaluation_id = e.id AND t.[{key}] = {_quoted(spec["total"])}
        ORDER BY t.fiscal_year DESC, CASE t.kind {order} ELSE {len(spec["kinds"])} END LIMIT 1) AS [{name}]"""


def row_expressions(fields: list[tuple[str, str]], table: str = "") -> dict[str, str]:
    """Each row field's expression over ``evaluations`` as the layout's view reads it, by
    (name, role) in the layout's order: the column of its role (the first field of the role),
    else its value in the row's JSON. An index on a view's column is an index on this."""
    out, taken = {}, set()
    for name, role in fields:
        if role == "latest":
            continue
        if role in ROLE_COLUMNS and role not in taken:
            taken.add(role)
            out[name] = f"{table}{ROLE_COLUMNS[role]}"
        else:
            out[name] = f"json_extract({table}fields, '$.{name}')"
    return out


LAYOUT_INDEX = "idx_layout:"  # a layout's query indexes are named idx_layout:<layout>:<columns>


def layout_index_sql(layout: str, columns: list[str], fields: list[tuple[str, str]]) -> tuple[str, str]:
    """(name, CREATE INDEX) of an index a layout's query asks for on its view's columns: on the
    expressions the view reads them by, over that layout's rows only (a partial index, which
    the view's own WHERE layout = … lets SQLite use). Names were checked by the layout's schema."""
    expressions = row_expressions(fields) | {c: c for c in INDEXED_BASE}  # columns of evaluations
    name = f"{LAYOUT_INDEX}{layout}:{','.join(columns)}"
    sql = (
        f"CREATE INDEX [{name}] ON evaluations ({', '.join(expressions[c] for c in columns)}) "
        f"WHERE layout = {_quoted(layout)}"
    )
    return name, sql


# The layouts' views have no ORDER BY: SQLite cannot drop a view's ORDER BY under a count or a
# facet, so Datasette's count of rows_<layout> sorted every row with every column (5.0 s at
# 10,000 reports; 0.23 s without). Their rows come in the order of the index their WHERE
# layout = … reads, (layout, fiscal_year, report_id) then the row id: the order printed; a
# query that needs an order says it (a layout's canned queries do).


def layout_view_sql(layout: str, fields: list[tuple[str, str, str, str | None]], tables: set[str]) -> str:
    """One layout's rows, each of its fields a column: (scope, name, role, of) in the layout's
    order; ``tables``, those the database has (a latest figure needs its table)."""
    columns = []
    rows = row_expressions([(name, role) for scope, name, role, _ in fields if scope == "row"], "e.")
    for scope, name, role, of in fields:
        if role == "latest":
            spec = json.loads(of or "{}")
            if spec.get("table") in tables:
                columns.append(_latest(name, spec))
            continue
        if scope == "sheet":
            source = "s.title" if role == "title" else f"json_extract(s.fields, '$.{name}')"
            columns.append(f"{source} AS [{name}]")
        else:
            columns.append(f"{rows[name]} AS [{name}]")
    return f"""
SELECT e.id, e.fiscal_year, e.municipality, e.publisher, e.sheet_no, {", ".join(columns)},
    e.change, e.page, '/{PDF_MOUNT}/' || {_SOURCE} || '#page=' || e.page AS pdf_url,
    {_SOURCE} AS source_file, e.report_id, e.item_id, e.ocr
FROM evaluations e LEFT JOIN sheets s ON s.id = e.sheet_id
WHERE e.layout = {_quoted(layout)}"""  # no ORDER BY: see above layout_view_sql


# A remark's columns that are not in its JSON fields, by the role of the record's field
REMARK_ROLE_COLUMNS = {"sheet": "sheet_no", "group": "group_no", "number": "item_no"}


def remarks_view_sql(layout: str, fields: list[tuple[str, str]]) -> str:
    """One layout's remarks, each of its fields a column: (name, role) in the layout's order."""
    columns = [
        f"r.{REMARK_ROLE_COLUMNS[role]} AS [{name}]"
        if role in REMARK_ROLE_COLUMNS
        else f"json_extract(r.fields, '$.{name}') AS [{name}]"
        for name, role in fields
    ]
    return f"""
SELECT r.id, rp.fiscal_year, rp.municipality, {", ".join(columns)}, r.page,
    '/{PDF_MOUNT}/' || rp.file || '#page=' || r.page AS pdf_url, rp.file AS source_file, r.report_id, r.ocr
FROM remarks r JOIN reports rp ON rp.id = r.report_id
WHERE rp.layout = {_quoted(layout)}"""  # no ORDER BY: see above layout_view_sql
