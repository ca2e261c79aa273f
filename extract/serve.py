"""Serve the database with Datasette: metadata, canned queries and a small plugin.

The plugin (registered as the `hyoka` Datasette entry point) makes Datasette's own search
box understand Japanese by cutting queries into the bigrams the index holds, turns every
row's page number into a link that opens the PDF at that page, and serves the flat view as
Excel-ready CSV. Datasette is pinned to 0.65: the 1.0 alphas move canned queries and
configuration out of metadata.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from extract.export import EXPORTABLE, excel_csv
from extract.history import CHANGE_COLUMNS, LINK_TABLES
from extract.layout import all_layouts
from extract.load import PDF_MOUNT, TABLES
from extract.search import match_query
from schemas.report import Comment, Evaluation, Measure, Policy, ReportInfo, SourceFile

DB_NAME = "hyoka"
LINKED_TABLES = {"evaluation_rows", "evaluations", "comments"}

_EXTRA_COLUMNS = {
    "id": "ID: row identifier in this database",
    "report_id": "報告書ID: SHA-256 of the report's PDF",
    "policy_id": "基本施策ID: report and sheet number",
    "measure_id": "施策ID: report, sheet and measure number",
    "initiative_id": "個別事業ID: report, sheet, measure, number and title",
    "source_file": "PDFファイル: file the row was read from (in raw/)",
    "pdf_url": "PDFのページ: link that opens the PDF at the row's page",
    "change": "評価の変化: up / down / same / new rating / no rating, from 前年度 to 今年度 (A > B > C > D)",
    "file": "PDFファイル: file name of the report in raw/",
    "pages": "ページ数: pages in the PDF",
    "code": "評価: rating code (A-D)",
    "description": "評価基準: what the rating means, as printed",
    "kind": "種類: kind of problem found while reading",
    "detail": "内容: what could not be read, for a person",
    "stable_id": "事業の同一性ID: the same initiative keeps this id across reports",
    "previous_initiative_id": "前年度の事業: the initiative of the previous report it continues",
    "match_method": "照合方法: exact / fuzzy (title lightly edited) / numbered (same place) / override / new",
    "match_score": "照合スコア: title similarity 0-1 for fuzzy and numbered matches",
    "evaluation_id": "評価ID: the evaluations row",
    "department_key": "担当課の同一性: department name as first seen (renames keep it)",
    "department_match": "担当課の照合: same / renamed / added / new",
    "plan_title": "計画名: title of the report series",
    "from_year": "比較元年度: earlier fiscal year",
    "to_year": "比較先年度: later fiscal year",
    "from_rating": "比較元の事業評価: rating in the earlier report",
    "to_rating": "比較先の事業評価: rating in the later report",
    "printed_prev_rating": "記載された前年度評価: 前年度事業評価 as printed in the later report",
    "previous_report_rating": "前年度報告書の評価: 事業評価 printed in the previous report",
    "previous_fiscal_year": "前年度: fiscal year of the previous report",
    "from_evaluation_id": "比較元の評価ID: evaluations row of the earlier report",
    "to_evaluation_id": "比較先の評価ID: evaluations row of the later report",
    "name": "設定名: build setting",
    "value": "値: its value",
}


def column_docs() -> dict[str, str]:
    """Every column's description, written once in schemas/ (plus the database-only columns)."""
    docs: dict[str, str] = {}
    for model in (SourceFile, ReportInfo, Policy, Measure, Evaluation, Comment):
        for name, info in model.model_fields.items():
            docs.setdefault(name, info.description or name)
    for layout in all_layouts():
        for name, label, description in layout.fields():
            docs.setdefault(name, description if label in description else f"{label}: {description}")
    docs.update(_EXTRA_COLUMNS)
    return docs


def _columns(names: list[str]) -> dict[str, str]:
    docs = column_docs()
    return {n: docs[n] for n in names}


_ROW_COLUMNS = [
    "id", "fiscal_year", "policy_title", "measure_no", "initiative_no", "initiative_title",
    "department", "prev_rating", "rating", "change", "page", "is_new", "results", "outlook",
    "results_covid", "outlook_covid", "municipality", "sheet_no", "goal_no", "goal_title",
    "measure_title", "source_file", "pdf_url", "report_id", "initiative_id",
]  # fmt: skip

_ROWS_SELECT = (
    "select fiscal_year, policy_title, measure_no, initiative_no, initiative_title, department, "
    "prev_rating, rating, change, page, pdf_url from evaluation_rows"
)

QUERIES = {
    "downgrades": {
        "title": "評価が下がった事業 (downgrades)",
        "description": "Initiatives whose rating this year is worse than last year's (e.g. A → B).",
        "sql": _ROWS_SELECT
        + " where change = 'down' order by fiscal_year, sheet_no, measure_no, initiative_no",
    },
    "d_ratings": {
        "title": "D評価 (not carried out)",
        "description": "Rows rated D (未実施: not carried out) this year.",
        "sql": _ROWS_SELECT + " where rating = 'D' order by fiscal_year, sheet_no, measure_no, initiative_no",
    },
    "covid_effects": {
        "title": "感染症の影響 (COVID-19 effects)",
        "description": "Rows whose 【感染症対応】 text says more than 影響なし (no effect).",
        "sql": (
            "select fiscal_year, initiative_title, department, rating, results_covid, outlook_covid, page, pdf_url "
            "from evaluation_rows where "
            "(results_covid is not null and trim(results_covid) not in ('', '影響なし')) or "
            "(outlook_covid is not null and trim(outlook_covid) not in ('', '影響なし')) "
            "order by fiscal_year, sheet_no, measure_no, initiative_no"
        ),
    },
    "initiative_history": {
        "title": "事業の評価履歴 (one initiative across reports)",
        "description": "Ratings, year by year, of the initiatives whose title contains the words given "
        "(renamed initiatives included: they keep their stable_id).",
        "sql": (
            "select stable_id, fiscal_year, initiative_title, department, prev_rating, rating, "
            "match_method, page from initiative_history where stable_id in "
            "(select stable_id from initiative_history where initiative_title like '%' || :title || '%') "
            "order by stable_id, department_key, fiscal_year"
        ),
    },
    "rating_changes_between": {
        "title": "年度間の評価の変化 (rating changes between two reports)",
        "description": "One row per initiative × department present in either year: up / down / same / added / dropped.",
        "sql": (
            "select sheet_no, measure_no, initiative_no, initiative_title, department, from_rating, "
            "to_rating, change, match_method, match_score from rating_changes "
            "where from_year = :from_year and to_year = :to_year"
        ),
    },
    "prev_rating_audit": {
        "title": "前年度評価の不一致 (audit of printed previous ratings)",
        "description": "Rows whose printed 前年度事業評価 differs from the rating the previous report printed.",
        "sql": "select * from rating_audit order by fiscal_year, sheet_no, measure_no, initiative_no",
    },
    "ratings_by_department": {
        "title": "担当課別の評価分布 (ratings per department)",
        "description": "How many rows each department has at each rating, per report year.",
        "sql": (
            "select fiscal_year, department, count(*) as rows, "
            "sum(rating = 'A') as A, sum(rating = 'B') as B, sum(rating = 'C') as C, "
            "sum(rating = 'D') as D, sum(rating is null) as no_rating "
            "from evaluation_rows group by fiscal_year, department order by fiscal_year, rows desc"
        ),
    },
}


_EXCEL_URL = f"/-/{DB_NAME}/evaluation_rows.excel.csv"
_AUDIT_COLUMNS = [
    "fiscal_year", "municipality", "plan_title", "sheet_no", "measure_no", "initiative_no",
    "initiative_title", "department", "printed_prev_rating", "previous_report_rating",
    "previous_fiscal_year", "match_method", "to_evaluation_id", "from_evaluation_id",
]  # fmt: skip
_HISTORY_COLUMNS = [
    "stable_id", "fiscal_year", "initiative_title", "department", "department_key", "prev_rating",
    "rating", "page", "source_file", "match_method", "match_score", "evaluation_id",
]  # fmt: skip

# table or view -> its Datasette settings; "columns" lists the columns to describe
_TABLES: dict[str, dict] = {
    "evaluation_rows": {
        "title": "評価一覧 (evaluation rows)",
        "description_html": (
            "One row per initiative × department, with the report year, the rating change and a "
            "link to the PDF page. Search finds Japanese words such as 防災 or 避難所. "
            f'<a href="{_EXCEL_URL}">Excel用CSV (UTF-8 BOM付き)</a>'
        ),
        "fts_table": "evaluation_rows_fts",
        "fts_pk": "id",
        "facets": ["department", "rating", "prev_rating", "change", "fiscal_year"],
        "columns": _ROW_COLUMNS,
    },
    "evaluations": {
        "description": "事業評価: one row per initiative × department as printed.",
        "facets": ["department", "rating", "prev_rating"],
    },
    "comments": {
        "description": "委員会の意見と市の回答: the committee's comments and the city's answers.",
        "fts_table": "comments_fts",
        "fts_pk": "id",
    },
    "reports": {"description": "報告書: one row per PDF, keyed by its SHA-256."},
    "rating_scale": {"description": "評価基準: the rating scale printed in each report."},
    "policies": {"description": "基本施策: one row per evaluation sheet."},
    "measures": {"description": "施策: the measures listed in each sheet's 【基本施策】 box."},
    "initiatives": {"description": "個別事業: the initiatives of each measure."},
    "issues": {"description": "読み取りの問題: what could not be read cleanly, by report and page."},
    "rating_changes": {
        "description": "年度間の評価の変化: consecutive reports of a series, row by row.",
        "facets": ["change", "match_method", "to_year"],
        "columns": CHANGE_COLUMNS,
    },
    "rating_audit": {
        "description": "前年度評価の監査: printed previous ratings that differ from the previous report.",
        "columns": _AUDIT_COLUMNS,
    },
    "initiative_history": {
        "description": "事業の評価履歴: every rating of every initiative and department, by year.",
        "columns": _HISTORY_COLUMNS,
    },
    "initiative_links": {
        "description": "事業の照合: how each initiative was matched to the previous report."
    },
    "evaluation_links": {"description": "評価の照合: the stable initiative and department of each row."},
    "build_info": {"hidden": True, "description": "ビルド情報: values remembered between builds."},
}


def _table_columns(name: str) -> list[str]:
    """A table's columns as created by load.py / history.py; a view's as listed above."""
    defined = {**TABLES, **LINK_TABLES, "build_info": ({"name": str, "value": str}, "name", [])}
    return list(_TABLES[name].get("columns") or defined[name][0])


def metadata() -> dict:
    """Datasette metadata: descriptions of every table, view and column, facets, queries."""
    tables = {name: {**conf, "columns": _columns(_table_columns(name))} for name, conf in _TABLES.items()}
    return {
        "title": "hyoka 評価: 施策評価報告書データベース",
        "description": "Japanese municipal policy-evaluation reports (PDF tables), one row per "
        "initiative and department, each traceable to its PDF page.",
        "databases": {
            DB_NAME: {
                "description_html": (
                    "Evaluation reports extracted by hyoka from the PDFs in raw/. Start with "
                    f'<a href="/{DB_NAME}/evaluation_rows">評価一覧 (evaluation rows)</a>: search, '
                    "facets and a link to every printed page."
                ),
                "queries": QUERIES,
                "tables": tables,
            }
        },
    }


def datasette_args(db: Path, metadata_path: Path, raw: Path, host: str, port: int) -> list[str]:
    """The `datasette serve` command line for a read-only (immutable) database."""
    return [
        sys.executable, "-m", "datasette", "serve", "-i", str(db), "--metadata", str(metadata_path),
        "--static", f"{PDF_MOUNT}:{raw}", "--host", host, "--port", str(port),
        "--setting", "default_page_size", "100", "--setting", "sql_time_limit_ms", "3000",
    ]  # fmt: skip


def write_metadata(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(metadata(), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


# -- the Datasette plugin ---------------------------------------------------------------
@hookimpl(trylast=True)
def prepare_connection(conn) -> None:
    """Run after Datasette's own, so the search box's escape_fts cuts queries into bigrams."""
    conn.create_function("escape_fts", 1, match_query)
    conn.create_function("hyoka_match", 1, match_query)


@hookimpl
def render_cell(value, column, table, row):
    if table not in LINKED_TABLES or column != "page" or value is None:
        return None
    try:
        source = row["source_file"]
    except (KeyError, IndexError):
        return None
    href = f"/{PDF_MOUNT}/{quote(str(source))}#page={int(value)}"
    return Markup(f'<a class="hyoka-page" href="{escape(href)}">p.{int(value)}</a>')


@hookimpl
def register_routes():
    return [(rf"^/-/{DB_NAME}/(?P<table>{'|'.join(EXPORTABLE)})\.excel\.csv$", _excel_csv)]


async def _excel_csv(datasette, request):
    table = request.url_vars["table"]
    db = datasette.get_database(DB_NAME)
    result = await db.execute(f"select * from [{table}]", custom_time_limit=10_000)
    body = excel_csv(list(result.columns), [tuple(r) for r in result.rows])
    return Response(
        body,
        content_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{table}.csv"'},
    )
