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

PDF_MOUNT = "pdfs"  # where Datasette serves raw/: the views link each row to its page there

# table -> (columns, primary key, foreign keys as (column, other table, other column))
TABLES: dict[str, tuple[dict[str, type], str, list[tuple[str, str, str]]]] = {
    "reports": (
        {
            "id": int, "sha256": str, "file": str, "layout": str, "layout_sha256": str, "series": str,
            "municipality": str,
            "publisher": str, "title": str, "fiscal_year": int, "fiscal_year_label": str, "published": str,
            "issuer": str, "pages": int, "text_fields": str, "folder": str,
        },
        "id",
        [],
    ),
    "rating_scale": (
        {"id": int, "report_id": int, "code": str, "description": str},
        "id",
        [("report_id", "reports", "id")],
    ),
    "policies": (
        {
            "id": int, "report_id": int, "sheet_no": int, "goal_no": int, "goal_title": str,
            "policy_title": str, "page": int, "fields": str,
        },
        "id",
        [("report_id", "reports", "id")],
    ),
    "measures": (
        {"id": int, "report_id": int, "policy_id": int, "measure_no": int, "measure_title": str},
        "id",
        [("report_id", "reports", "id"), ("policy_id", "policies", "id")],
    ),
    "initiatives": (
        {
            "id": int, "report_id": int, "policy_id": int, "measure_id": int, "initiative_no": int,
            "initiative_title": str, "is_new": int,
        },
        "id",
        [("report_id", "reports", "id"), ("policy_id", "policies", "id"), ("measure_id", "measures", "id")],
    ),
    "evaluations": (
        {
            "id": int, "report_id": int, "policy_id": int, "initiative_id": int, "layout": str,
            "fiscal_year": int, "municipality": str, "publisher": str, "sheet_no": int, "measure_no": int,
            "initiative_no": int, "initiative_title": str, "is_new": int, "department": str,
            "prev_rating": str, "rating": str, "change": str, "direction": str, "page": int, "fields": str,
            "ocr": float,
        },
        "id",
        [("report_id", "reports", "id"), ("policy_id", "policies", "id"), ("initiative_id", "initiatives", "id")],
    ),
    "comments": (
        {
            "id": int, "report_id": int, "policy_id": int, "sheet_no": int, "policy_title": str,
            "measure_no": int, "initiative_no": int, "opinion": str, "response": str, "page": int,
            "ocr": float,
        },
        "id",
        [("report_id", "reports", "id"), ("policy_id", "policies", "id")],
    ),
    "layout_fields": (
        {"id": str, "layout": str, "layout_label": str, "position": int, "scope": str, "name": str,
         "label": str, "description": str, "role": str},
        "id",
        [],
    ),
    "layout_queries": (
        {"id": str, "layout": str, "name": str, "title": str, "description": str, "sql": str},
        "id",
        [],
    ),
    "issues": (
        {"id": int, "report_id": int, "page": int, "kind": str, "detail": str},
        "id",
        [("report_id", "reports", "id")],
    ),
}  # fmt: skip

# Indexes beyond one per foreign key: the flat page's facets, and the layouts' views in their
# order (a report's rows as printed: the rowid ends every index), so a query in that order
# stops after the rows it returns instead of sorting them all. A facet whose column does not
# lead an index counts by scanning the smallest index holding it (prev_rating, change,
# fiscal_year): a few tens of ms at 10,000 reports, for less than half the bytes of an index each.
INDEXES: dict[str, list[list[str]]] = {
    "evaluations": [
        ["department"], ["rating", "prev_rating", "change"], ["municipality"], ["layout", "fiscal_year", "report_id"],
    ],
    "reports": [["municipality", "publisher", "fiscal_year", "title"], ["series"], ["sha256"]],
}  # fmt: skip

# Columns of evaluations that hold a layout field of this role (its first field of the role);
# the other fields of a row are in its JSON ``fields``.
ROLE_COLUMNS = {
    "number": "initiative_no", "title": "initiative_title", "group": "measure_no",
    "department": "department", "rating": "rating", "prev_rating": "prev_rating", "direction": "direction",
    "flag": "is_new",
}  # fmt: skip


def change_of(prev_rating: str | None, rating: str | None) -> str:
    """A row's rating change as its report prints it (A is best)."""
    if rating is None:
        return "no rating"
    if prev_rating is None:
        return "new rating"
    return "up" if rating < prev_rating else "down" if rating > prev_rating else "same"


_SOURCE = "(SELECT file FROM reports WHERE id = e.report_id)"

# A row's texts: the text fields of the layout its report was read with (reports.text_fields,
# so a later edit of the layout file changes no loaded row, nor what the search index holds
# for it), in the layout's order, one per line.
_TEXTS = """(SELECT group_concat(j.value, char(10)) FROM json_each(e.fields) j
    WHERE j.type = 'text' AND j.value <> '' AND j.key IN
        (SELECT value FROM json_each((SELECT text_fields FROM reports WHERE id = e.report_id))))"""

# Titles by scalar subqueries, not joins: SQLite computes them only for the rows it shows, so a
# count or a facet of the flat view reads the indexes of evaluations alone (it keeps a LEFT JOIN).
EVALUATION_ROWS_SQL = f"""
SELECT e.id, e.fiscal_year, e.municipality, e.publisher,
    (SELECT policy_title FROM policies WHERE id = e.policy_id) AS policy_title,
    e.measure_no, e.initiative_no, e.initiative_title, e.department, e.prev_rating, e.rating, e.change,
    e.direction, e.page, e.is_new, {_TEXTS} AS texts, e.layout,
    (SELECT title FROM reports WHERE id = e.report_id) AS report_title, e.sheet_no,
    (SELECT goal_no FROM policies WHERE id = e.policy_id) AS goal_no,
    (SELECT goal_title FROM policies WHERE id = e.policy_id) AS goal_title,
    (SELECT measure_title FROM measures WHERE policy_id = e.policy_id AND measure_no = e.measure_no)
        AS measure_title,
    {_SOURCE} AS source_file, '/{PDF_MOUNT}/' || {_SOURCE} || '#page=' || e.page AS pdf_url,
    e.report_id, e.initiative_id, e.ocr
FROM evaluations e"""

VIEWS: dict[str, str] = {"evaluation_rows": EVALUATION_ROWS_SQL}

# FTS table -> (SQL giving (rowid, texts...) to index letter by letter, its report column).
# Contentless: the index keeps no copy of the text (a row is found by rowid, shown from its own table).
# Not columnsize=0 (12 bytes a row): Datasette counts every table, and SQLite cannot count a
# contentless index without its table of sizes ("does not support scanning").
FTS = {
    "evaluation_rows_fts": (
        """SELECT id, initiative_title, department, texts, measure_title, policy_title, goal_title
        FROM evaluation_rows""",
        "report_id",
    ),
    "comments_fts": ("SELECT id, policy_title, opinion, response FROM comments", "report_id"),
}
FTS_OPTIONS = "content='', tokenize='unicode61 remove_diacritics 0'"


def layout_view_name(layout: str) -> str:
    """The view of one layout's rows with its own columns: rows_<layout name>."""
    return "rows_" + "".join(ch if ch.isalnum() else "_" for ch in layout)


def layout_view_sql(layout: str, fields: list[tuple[str, str, str]]) -> str:
    """One layout's rows, each of its fields a column: (scope, name, role) in the layout's order."""
    columns, taken = [], set()
    for scope, name, role in fields:
        if scope == "sheet":
            columns.append(f"json_extract(p.fields, '$.{name}') AS [{name}]")
        elif role in ROLE_COLUMNS and role not in taken:
            taken.add(role)
            columns.append(f"e.{ROLE_COLUMNS[role]} AS [{name}]")
        else:
            columns.append(f"json_extract(e.fields, '$.{name}') AS [{name}]")
    escaped = layout.replace("'", "''")
    return f"""
SELECT e.id, e.fiscal_year, e.municipality, e.publisher, e.sheet_no, {", ".join(columns)},
    e.change, e.page, '/{PDF_MOUNT}/' || {_SOURCE} || '#page=' || e.page AS pdf_url,
    {_SOURCE} AS source_file, e.report_id, e.initiative_id, e.ocr
FROM evaluations e LEFT JOIN policies p ON p.id = e.policy_id
WHERE e.layout = '{escaped}'
ORDER BY e.fiscal_year, e.report_id, e.id"""
