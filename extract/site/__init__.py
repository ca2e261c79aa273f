"""The Datasette plugin (the `hyoka` entry point): it acts on hyoka's databases only.

Which databases are hyoka's is told by their content (``registry.is_hyoka``), never by name;
any other database served by the same Datasette is shown exactly as Datasette shows it. On
hyoka's databases the plugin makes the search box understand Japanese (each query word becomes
a phrase of the letters the index holds), links every page number to that page of the PDF and every
item's title to its history, shows what each rating means, gives columns their Japanese
headings (``labels.label``; SQL names stay ASCII) and offers, on every table, view and
query page, an Excel download that keeps the page's filters and a link to the charts.
"""

from __future__ import annotations

import json

from datasette import hookimpl
from datasette.utils import tilde_encode
from markupsafe import Markup, escape

from extract.database.schema import PDF_MOUNT, layout_view_name
from extract.database.search import match_query
from extract.site import pages
from extract.site.guard import read_only
from extract.site.labels import describe
from extract.site.registry import is_hyoka, known, pdf_href, refresh, remember

_EVALUATION_KEYS = ("evaluation_id", "to_evaluation_id", "from_evaluation_id")


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette) -> None:
    """On hyoka's databases only, after Datasette's own: escape_fts makes words phrases of
    letters, and the connection may only read (whatever SQL a canned query brings)."""
    if not is_hyoka(conn):
        return
    remember(datasette, database, conn)
    # deterministic: SQLite works a constant call out once per statement, not once per row
    conn.create_function("escape_fts", 1, match_query, deterministic=True)
    conn.create_function("hyoka_match", 1, match_query, deterministic=True)
    read_only(conn)


@hookimpl
def asgi_wrapper(datasette):
    """Before each request, what the plugin read of a database read again if a build changed it
    since (a build commits in place while the site serves)."""

    def wrap(app):
        async def fresh(scope, receive, send):
            if scope.get("type") == "http":
                refresh(datasette)
            await app(scope, receive, send)

        return fresh

    return wrap


def _evaluation_id(row, table: str | None) -> int | None:
    """The evaluations row a result row stands for, if it says (for the history link)."""
    keys = row.keys()
    for key in _EVALUATION_KEYS:
        if key in keys and isinstance(row[key], int):
            return row[key]
    if "id" in keys and isinstance(row["id"], int) and _rows_of_evaluations(table):
        return row["id"]  # a row of evaluations (the table, the flat views, canned queries)
    return None


def _report_of(row) -> int | None:
    """The report a result row was read from, when it says (its rating's meaning is that report's)."""
    keys = row.keys()  # a sqlite3.Row: `in row` would look among its values
    report = row["report_id"] if "report_id" in keys else None
    report = report.get("value") if isinstance(report, dict) else report  # an expanded foreign key
    return report if isinstance(report, int) else None


def _rows_of_evaluations(table: str | None) -> bool:
    """Whether a page's ``id`` is an evaluation's: not on other tables (items has titles too)."""
    return table is None or table in ("evaluations", "evaluation_rows") or table.startswith("rows_")


def _history_link(datasette, database: str, row, table: str | None, title: str) -> Markup | None:
    evaluation = _evaluation_id(row, table)
    if evaluation is None:
        return None
    href = datasette.urls.path(f"/-/{tilde_encode(database)}/history?evaluation={evaluation}")
    return Markup(
        f'<a class="hyoka-history" href="{escape(href)}" title="事業の評価履歴">{escape(title)}</a>'
    )


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Page -> PDF link, an item's title -> its history, rating -> its meaning as a tooltip."""
    found = known(datasette, database)
    if found is None or value is None:
        return None
    if column == "source_url" and isinstance(value, str) and value.startswith(("http://", "https://")):
        link = f'<a class="hyoka-source" href="{escape(value)}" target="_blank" rel="noopener">公開元</a>'
        return Markup(link)
    if column == "page" and isinstance(value, int):
        href = pdf_href(datasette, found, row, value)
        link = f'<a class="hyoka-page" href="{escape(href)}" target="_blank" rel="noopener">p.{value}</a>'
        return Markup(link) if href else None
    if (table, column) in found.money and isinstance(value, int):
        return Markup(f'<span class="hyoka-money">{value:,}</span>')
    if isinstance(value, str) and value in found.values.get(column, {}):
        shown = found.values[column][value]
        return Markup(f'<span class="hyoka-value" title="{escape(value)}">{escape(shown)}</span>')
    if column in found.titles and isinstance(value, str):
        return _history_link(datasette, database, row, table, value)
    if column in found.scales.columns and isinstance(value, str):
        meaning = found.scales.meaning(_report_of(row), column, value)
        if meaning is None:
            return None
        meaning = f"{value}: {meaning}"
        return Markup(
            f'<span class="hyoka-rating" data-rating="{escape(value)}" title="{escape(meaning)}">{escape(value)}</span>'
        )
    return None


@hookimpl
def register_routes():
    return [
        (r"^/-/excel/(?P<path>.+)\.csv$", pages.excel),
        (r"^/-/(?P<database>[^/]+)/graphs$", pages.graphs),
        (r"^/-/(?P<database>[^/]+)/history$", pages.history),
        (rf"^/{PDF_MOUNT}/(?P<name>.*)$", pages.pdf),
    ]


def _json_for_script(data: object) -> Markup:
    """JSON safe inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


# a canned query's parameter offered as a list of what the database holds (year, series …)
_CHOICES = {
    "year": "select distinct fiscal_year, fiscal_year from reports where fiscal_year is not null order by 1 desc",
    "from_year": "select distinct from_year, from_year from rating_change_pairs order by 1 desc",
    "to_year": "select distinct to_year, to_year from rating_change_pairs order by 1 desc",
    "series": "select series, coalesce(municipality, publisher, '') || ' ' || title from reports "
    "group by series order by 2",
}


@hookimpl
def extra_template_vars(template, database, table, columns, view_name, request, datasette):
    """On a hyoka database's pages: headings, descriptions, legend, Excel and chart links;
    on a query page, the choices its parameters take."""
    found = known(datasette, database)
    if found is None or request is None:
        return {"hyoka": False}
    names = list(columns or [])

    async def choices() -> Markup:
        out = {}
        if table is None:  # a query page (or the database page, which has no use for them)
            db = datasette.get_database(database)
            for name, sql in _CHOICES.items():
                try:
                    out[name] = [[str(v), str(label)] for v, label in (await db.execute(sql)).rows]
                except Exception:  # noqa: BLE001 - a table of another shape: no list, the box stays
                    continue
        return _json_for_script(out)

    return {
        "hyoka_choices": choices,
        "hyoka": True,
        "hyoka_excel": datasette.urls.path(pages.excel_path(request.path, request.query_string)),
        "hyoka_graphs": datasette.urls.path(f"/-/{tilde_encode(database)}/graphs"),
        "hyoka_columns": [(c, found.heading(table, c), describe(c)) for c in names],
        "hyoka_labels": _json_for_script({c: found.heading(table, c) for c in names}),
        "hyoka_values": _json_for_script({c: v for c, v in found.values.items() if c in names}),
        "hyoka_legend": _legend(found, table, request)
        if any(c in found.scales.columns for c in names)
        else [],
        "hyoka_page": view_name in ("table", "query"),
    }


def _legend(found, table: str | None, request) -> list[tuple[str, dict[str, str]]]:
    """The scales of the reports a page can show: a layout's view or a page filtered to one
    layout or report shows theirs; any other page every scale, one line each, with who prints it."""
    scales = found.scales
    layouts = {layout for rid, layout in scales.layout_of.items()}
    layout = next((name for name in layouts if table and table == layout_view_name(name)), None)
    layout = layout or request.args.get("layout") or request.args.get("layout__exact")
    report = request.args.get("report_id") or request.args.get("report_id__exact")
    if report and report.isdigit():
        return scales.legend([int(report)])
    return scales.legend(scales.reports_of_layout(layout) if layout in layouts else None)


@hookimpl
def extra_css_urls(database, datasette):
    return ["/-/static-plugins/hyoka/hyoka.css"] if known(datasette, database) else []


@hookimpl
def extra_js_urls(database, datasette):
    url = "/-/static-plugins/hyoka/hyoka.js"
    return [{"url": url, "module": True}] if known(datasette, database) else []  # modules run deferred
