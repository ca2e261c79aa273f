"""Datasette metadata for one hyoka database: titles, descriptions, facets, canned queries.

Generated in-process for the database being served (keyed by its name, whatever its file is
called) from the database's own tables and columns, so a table or view added by a later build
is described without another list to keep up to date.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from extract.database.schema import layout_view_name, remarks_view_name
from extract.site.labels import describe

_ROWS_SELECT = (
    "select id, fiscal_year, sheet_title, group_no, item_no, title, department, "
    "prev_rating, rating, change, page, source_file from evaluation_rows"
)
_ORDER = " order by fiscal_year, sheet_no, group_no, item_no"

QUERIES = {
    # Its rows found by their ids, the year's changes taken from two indexes once, and each
    # row's pair by its index on to_evaluation_id (without, every row read all the pairs:
    # 280 s at 10,000 reports)
    "downgrades": {
        "title": "評価が下がった事業 (downgrades)",
        "description": "Items rated worse than the year before (e.g. A → B), in the latest year with a "
        "downgrade unless year is given: by the printed 前年度 rating or by last year's report; where the two "
        "disagree the row shows both and says so.",
        "sql": (
            "with d(printed, paired) as (select (select max(fiscal_year) from evaluations where change = 'down'), "
            "(select max(to_year) from rating_change_pairs where change = 'down')), "
            "y(year) as (select coalesce(nullif(:year, ''), max(coalesce(printed, paired), coalesce(paired, printed))) "
            "from d) "
            "select v.id, v.fiscal_year, v.issued_by, v.title, v.department, v.prev_rating, "
            "c.from_rating as previous_report_rating, v.rating, "
            "case when c.from_rating is not null and c.from_rating is not v.prev_rating "
            "then '前年度の報告書と不一致' end as mismatch, v.page, v.source_file, v.report_id "
            "from evaluation_rows v left join rating_change_pairs c on c.to_evaluation_id = v.id "
            "where v.id in (select id from evaluations where change = 'down' and fiscal_year = (select year from y) "
            "union select to_evaluation_id from rating_change_pairs where change = 'down' "
            "and to_year = (select year from y)) "
            "and v.fiscal_year = (select year from y) and (v.change = 'down' or c.change = 'down') "
            "order by v.fiscal_year, v.sheet_no, v.group_no, v.item_no"
        ),
    },
    "worst_ratings": {
        "title": "最低評価の行 (rated worst on their scale)",
        "description": "Rows rated the last letter of their own report's scale (D on A–D, C on S–C). What "
        "it means is that report's (the legend and each rating's tooltip): 未実施 in one, 不十分 in another.",
        # the scales' worst letters, by the index that leads with rating (in its order: sorting
        # the rows found instead took 1.6 s at 10,000 reports); then each row's own scale's
        "sql": _ROWS_SELECT
        + " where rating in (select distinct json_extract(rating_letters, '$[#-1]') from reports)"
        " and rating = (select json_extract(r.rating_letters, '$[#-1]') from reports r"
        " where r.id = evaluation_rows.report_id)"
        " order by rating, fiscal_year, sheet_no, group_no, item_no",
    },
    "item_history": {
        "title": "事業の評価履歴 (one item across reports)",
        "description": "Give words of a title (title): the ratings, year by year, of the items whose "
        "title contains them (renamed items included: they keep their stable_id).",
        # The items whose title holds the words, found by the search index (its rows hold their
        # item's title) and then checked by LIKE, so the result is LIKE's: scanning every title
        # was 0.37 s at 1,000 reports and grows with them. Words the index cannot hold (only
        # punctuation: hyoka_match gives "") are looked for in every title.
        "sql": (
            "select stable_id, fiscal_year, title, department, prev_rating, rating, "
            "match_method, page, source_file, evaluation_id from item_history where stable_id in "
            "(select il.stable_id from evaluations e join items i on i.id = e.item_id "
            "join item_links il on il.item_id = i.id where :title <> '' "
            "and e.id in (select rowid from evaluation_rows_fts where evaluation_rows_fts match hyoka_match(:title)) "
            "and i.title like '%' || :title || '%' "
            "union select il.stable_id from items i join item_links il on il.item_id = i.id "
            "where :title <> '' and hyoka_match(:title) = '\"\"' and i.title like '%' || :title || '%') "
            "order by stable_id, department_key, fiscal_year"
        ),
    },
    "rating_changes_between": {
        "title": "年度間の評価の変化 (rating changes between two reports)",
        "description": "One row per item × department present in either year: up / down / same / added / "
        "dropped; the latest two years of each series unless from_year and to_year are given.",
        "sql": (
            "select municipality, plan_title, from_year, to_year, sheet_no, group_no, item_no, title, department, "
            "from_rating, to_rating, change, match_method, match_score, to_evaluation_id, from_evaluation_id "
            "from rating_changes "
            "where (:series = '' or series = :series) "
            "and to_year = coalesce(nullif(:to_year, ''), (select max(to_year) from rating_change_pairs)) "
            "and from_year = coalesce(nullif(:from_year, ''), "
            "(select max(from_year) from rating_change_pairs where to_year = "
            "coalesce(nullif(:to_year, ''), (select max(to_year) from rating_change_pairs))))"
        ),
    },
    "prev_rating_audit": {
        "title": "前年度評価の不一致 (audit of printed previous ratings)",
        "description": "Rows whose printed 前年度事業評価 differs from the rating the previous report printed.",
        "sql": "select * from rating_audit" + _ORDER,
    },
    "ratings_by_department": {
        "title": "担当課別の評価分布 (ratings per department)",
        "description": "How many rows each department has at each rating of its report's scale, per "
        "report year (rating empty: no rating).",
        "sql": (
            "select fiscal_year, department, rating, count(*) as rows "
            "from evaluation_rows group by fiscal_year, department, rating order by fiscal_year, department, rating"
        ),
    },
}

# table or view -> its Datasette settings (columns are described from the database itself)
TABLES: dict[str, dict] = {
    "evaluation_rows": {
        "title": "評価一覧 (evaluation rows)",
        "description": "すべての報告書の評価行。ページ番号から印刷されたページへ。様式ごとの全項目は "
        "rows_<様式>。",
        "fts_table": "evaluation_rows_fts",
        "fts_pk": "id",
        "facets": ["department", "rating", "prev_rating", "change", "fiscal_year", "layout"],
        "facet_size": 4,
        # the columns evaluations holds: titles and texts are worked out per row shown, and
        # sorting 580,000 rows by them would compute every one (search finds words in texts)
        "sortable_columns": [
            "id",
            "fiscal_year",
            "municipality",
            "publisher",
            "group_no",
            "item_no",
            "title",
            "department",
            "prev_rating",
            "rating",
            "change",
            "direction",
            "page",
            "flag",
            "layout",
            "sheet_no",
            "report_id",
            "item_id",
            "ocr",
        ],
    },
    "evaluations": {
        "description": "事業評価: every rated row, stored once: the columns every layout shares, the "
        "layout's other fields as JSON (fields).",
        "facets": ["department", "rating", "prev_rating"],
        "label_column": "title",  # a form's table (costs …) shows each row's project by its name
    },
    "remarks": {
        "description": "所見: remarks on the sheets (a committee's comments and the answers), their texts "
        "as JSON (fields); each layout that has them shows its own columns in remarks_<layout>.",
        "fts_table": "remarks_fts",
        "fts_pk": "id",
    },
    "reports": {"description": "報告書: one row per PDF, known by its SHA-256 (sha256)."},
    "rating_scale": {"description": "評価基準: the rating scale printed in each report."},
    "sheets": {"description": "シート: one row per sheet of a report, its title and fields (JSON)."},
    "items": {
        "description": "項目: what is rated (number, title), under its group (parent_id) where the form has one."
    },
    "issues": {"description": "読み取りの問題: what could not be read cleanly, by report and page."},
    "rating_changes": {
        "description": "年度間の評価の変化: consecutive reports of a series, row by row.",
        "facets": ["change", "match_method", "to_year"],
    },
    "rating_change_pairs": {
        "description": "評価の変化の対: what rating_changes reads, one row per change (the evaluations it pairs)."
    },
    "rating_audit": {
        "description": "前年度評価の監査: printed previous ratings that differ from the previous report."
    },
    "item_history": {"description": "事業の評価履歴: every rating of every item and department, by year."},
    "item_links": {"description": "事業の照合: how each item was matched to the previous report."},
    "evaluation_links": {
        "description": "評価の照合: the department each row is matched to across years (its item's stable id is in item_links)."
    },
    "sources": {
        "description": "公開元: the address each PDF was published at (sources.csv or sources.toml beside the PDFs)."
    },
    "build_info": {"hidden": True, "description": "ビルド情報: values remembered between builds."},
    "layout_fields": {
        "description": "様式の項目: every layout's fields, labels and roles (from its layout file)."
    },
    "layout_queries": {"description": "様式の定型クエリ: canned queries brought by the layout files."},
}


def database_columns(db_path: Path) -> dict[str, list[str]]:
    """Every table and view of the database (search-index internals left out) -> its columns."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "select name from sqlite_master where type in ('table', 'view') and name not like '%_fts%' "
                "and name not like 'sqlite_%' order by name"
            )
        ]
        return {n: [r[1] for r in conn.execute(f"pragma table_info([{n}])")] for n in names}
    finally:
        conn.close()


# the roles a layout's view is faceted by: who, how it was rated, what comes next
FACET_ROLES = ("department", "rating", "axis", "direction")


def layout_documents(db_path: Path) -> dict[str, dict]:
    """Each layout's view (rows_<name>) with its field descriptions, written once, in the
    layout file, and stored by the build."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    views: dict[str, dict] = {}
    try:
        if not conn.execute("select 1 from sqlite_master where name = 'layout_fields'").fetchone():
            return views
        for layout, layout_label, about, field, label, description, scope, role in conn.execute(
            "select layout, layout_label, layout_description, name, label, description, scope, role "
            "from layout_fields order by layout, scope desc, position"
        ):
            if scope in ("table", "table_column"):
                _describe_form_table(views, scope, field, label, description)
                continue
            if scope == "remark":
                view = views.setdefault(
                    remarks_view_name(layout),
                    {"title": f"{layout_label}: 所見 ({layout})", "description": f"{layout_label}: remarks on "
                     "its sheets, each field a column.", "columns": {}},
                )  # fmt: skip
            else:
                view = views.setdefault(
                    layout_view_name(layout),
                    {"title": f"{layout_label} ({layout})", "description": about or layout_label,
                     "columns": {}, "fts_table": "evaluation_rows_fts", "fts_pk": "id", "facets": []},
                )  # fmt: skip
                if scope == "row" and role in FACET_ROLES:
                    view["facets"].append(field)
            view["columns"][field] = (
                description if description.startswith(label) else f"{label}: {description}"
            )
    finally:
        conn.close()
    return views


def layout_queries(db_path: Path) -> tuple[dict[str, dict], list[str]]:
    """The layouts' canned queries to serve, and one line for each left out. Datasette looks a
    canned query up before a table, so a layout query named like a built-in query, a table or
    view, or an earlier layout's query would replace it silently: the one already there wins."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        if not conn.execute("select 1 from sqlite_master where name = 'layout_queries'").fetchone():
            return {}, []
        tables = {
            r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")
        }
        rows = conn.execute(
            "select layout, name, title, description, sql from layout_queries order by layout, name"
        ).fetchall()
    finally:
        conn.close()
    queries: dict[str, dict] = {}
    owners: dict[str, str] = {}  # query name -> the layout it was taken from
    refused = []
    for layout, name, title, description, sql in rows:
        taken = _taken(name, tables, owners)
        if taken:
            refused.append(f"layout {layout}: query {name} not served ({taken} has that name)")
            continue
        owners[name] = layout
        queries[name] = {"title": title, "description": description, "sql": sql}
    return queries, refused


def _taken(name: str, tables: set[str], owners: dict[str, str]) -> str | None:
    """What already answers at /DB/NAME, if anything."""
    if name in QUERIES:
        return "a built-in query"
    if name in tables:
        return "a table or view"
    return f"layout {owners[name]}'s query" if name in owners else None


def _describe_form_table(
    views: dict[str, dict], scope: str, field: str, label: str, description: str
) -> None:
    """A form's embedded table (scope table) and its columns (scope table_column, table.column)."""
    table, _, column = field.partition(".")
    conf = views.setdefault(table, {"columns": {
        "report_id": "報告書ID: the report (its PDF is reports.sha256)", "evaluation_id": "事業: the sheet's evaluations row",
    }})  # fmt: skip
    if scope == "table":
        conf.update(description=f"{label}: {description.rstrip('.')}. One row per sheet, row, fiscal year and kind.",
                    facets=["fiscal_year", "kind"])  # fmt: skip
    else:
        conf["columns"][column] = description if description.startswith(label) else f"{label}: {description}"


def metadata(db_path: Path, name: str, pdfs: Path | None, db_url: str | None = None) -> dict:
    """Datasette metadata for the database file served under ``name`` (at ``db_url``)."""
    columns = database_columns(db_path)
    views, (own_queries, _) = layout_documents(db_path), layout_queries(db_path)
    tables = {}
    for table, cols in columns.items():
        conf = {**TABLES.get(table, {}), **{k: v for k, v in views.get(table, {}).items() if k != "columns"}}
        own = {**TABLES.get(table, {}).get("columns", {}), **views.get(table, {}).get("columns", {})}
        tables[table] = {**conf, "columns": {c: own.get(c) or describe(c) for c in cols}}
    where = f"{pdfs} のPDF" if pdfs else "PDF（このサイトでは配信していません: --pdfs DIR で指定）"
    url = db_url or "/" + name
    graphs = f'<a class="hyoka-graphs" href="/-/{url[1:]}/graphs">グラフ</a>'
    return {
        "title": "hyoka 評価: 行政評価報告書データベース",
        "description_html": (
            "市区町村・学校などが公表する評価報告書（PDF）の評価を、1行ずつ元のPDFのページへたどれる形で"
            f'収録しています。<a href="{url}/evaluation_rows">評価一覧</a> · ' + graphs
        ),
        "databases": {
            name: {
                "description_html": (
                    f"hyoka が {where} から読み取った評価報告書。まずは "
                    f'<a href="{url}/evaluation_rows">評価一覧</a>（検索、絞り込み、印刷されたページへのリンク）、'
                    f"または {graphs}（年度ごとの評価、担当課ごとの上がった・下がった）をご覧ください。"
                ),
                "queries": {**QUERIES, **own_queries},
                "tables": tables,
            }
        },
    }
