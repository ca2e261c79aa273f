"""The database's shape as data: tables, the flat table and search indexes the build keeps,
and the SQL they are made from. Applied by ``load.ensure_db_shape``; the rest of hyoka reads
them through ``extract.load``.
"""

from __future__ import annotations

PDF_MOUNT = "pdfs"  # where Datasette serves raw/: the views link each row to its page there

# table -> (columns, primary key, foreign keys as (column, other table, other column))
TABLES: dict[str, tuple[dict[str, type], str, list[tuple[str, str, str]]]] = {
    "reports": (
        {
            "id": str, "file": str, "layout": str, "series": str, "municipality": str, "publisher": str,
            "title": str, "fiscal_year": int, "fiscal_year_label": str, "published": str, "issuer": str,
            "pages": int,
        },
        "id",
        [],
    ),
    "rating_scale": (
        {"id": str, "report_id": str, "code": str, "description": str},
        "id",
        [("report_id", "reports", "id")],
    ),
    "policies": (
        {
            "id": str, "report_id": str, "sheet_no": int, "goal_no": int, "goal_title": str,
            "policy_title": str, "page": int, "fields": str,
        },
        "id",
        [("report_id", "reports", "id")],
    ),
    "measures": (
        {"id": str, "report_id": str, "policy_id": str, "measure_no": int, "measure_title": str},
        "id",
        [("report_id", "reports", "id"), ("policy_id", "policies", "id")],
    ),
    "initiatives": (
        {
            "id": str, "report_id": str, "policy_id": str, "measure_id": str, "initiative_no": int,
            "initiative_title": str, "is_new": int,
        },
        "id",
        [("report_id", "reports", "id"), ("policy_id", "policies", "id"), ("measure_id", "measures", "id")],
    ),
    "evaluations": (
        {
            "id": int, "report_id": str, "initiative_id": str, "layout": str, "department": str,
            "prev_rating": str, "rating": str, "direction": str, "texts": str, "fields": str, "page": int,
            "source_file": str,
        },
        "id",
        [("report_id", "reports", "id"), ("initiative_id", "initiatives", "id")],
    ),
    "comments": (
        {
            "id": int, "report_id": str, "policy_id": str, "sheet_no": int, "policy_title": str,
            "measure_no": int, "initiative_no": int, "opinion": str, "response": str, "page": int,
            "source_file": str,
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
        {"id": int, "report_id": str, "page": int, "kind": str, "detail": str},
        "id",
        [("report_id", "reports", "id")],
    ),
}  # fmt: skip

CHANGE_SQL = """CASE
    WHEN e.rating IS NULL THEN 'no rating'
    WHEN e.prev_rating IS NULL THEN 'new rating'
    WHEN e.rating < e.prev_rating THEN 'up'
    WHEN e.rating > e.prev_rating THEN 'down'
    ELSE 'same' END"""

_ROW_JOINS = """FROM evaluations e
JOIN reports r ON r.id = e.report_id
JOIN initiatives i ON i.id = e.initiative_id
JOIN policies p ON p.id = i.policy_id
LEFT JOIN measures m ON m.id = i.measure_id"""

_ROWS_SQL = f"""
SELECT e.id, r.fiscal_year, r.municipality, r.publisher, p.policy_title, m.measure_no, i.initiative_no,
    i.initiative_title, e.department, e.prev_rating, e.rating, {CHANGE_SQL} AS change, e.direction, e.page, i.is_new,
    e.texts, e.layout, r.title AS report_title, p.sheet_no, p.goal_no, p.goal_title, m.measure_title,
    e.source_file, '/{PDF_MOUNT}/' || e.source_file || '#page=' || e.page AS pdf_url, e.report_id,
    e.initiative_id
{_ROW_JOINS}"""

VIEWS: dict[str, str] = {}

# Derived table -> (SQL of its rows from the loaded tables, its report column, indexed columns).
# A real table, not a view: the site's pages, facets and counts read it without a join. The build
# adds and removes one report's rows with that report (add_derived / remove_derived).
DERIVED = {
    "evaluation_rows": (
        _ROWS_SQL,
        "e.report_id",
        ["report_id", "department", "rating", "prev_rating", "change", "fiscal_year", "municipality"],
    ),
}

# FTS table -> (SQL giving (rowid, texts...) to index as bigrams, its report column). Contentless:
# the index keeps no copy of the bigrams (a row is found by rowid, shown from its own table).
FTS = {
    "evaluation_rows_fts": (
        f"""SELECT e.id, i.initiative_title, e.department, e.texts, m.measure_title,
        p.policy_title, p.goal_title {_ROW_JOINS}""",
        "e.report_id",
    ),
    "comments_fts": ("SELECT id, policy_title, opinion, response FROM comments", "report_id"),
}
FTS_OPTIONS = "content='', tokenize='unicode61 remove_diacritics 0'"


def layout_view_name(layout: str) -> str:
    """The view of one layout's rows with its own columns: rows_<layout name>."""
    return "rows_" + "".join(ch if ch.isalnum() else "_" for ch in layout)
