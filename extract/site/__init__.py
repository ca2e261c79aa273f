"""The Datasette plugin (the `hyoka` entry point): it acts on hyoka's databases only.

A database is hyoka's when it holds the hidden ``build_info`` table and the bigram index
``evaluation_rows_fts`` (``is_hyoka``), whatever its file is called; any other database served
by the same Datasette is left exactly as Datasette shows it. On hyoka's databases the plugin
makes the search box understand Japanese (queries are cut into the bigrams the index holds),
turns every page number into a link that opens the PDF at that page, and serves tables,
views and canned queries as Excel-ready CSV.
"""

from __future__ import annotations

import sqlite3
import weakref
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from extract.export import EXPORTABLE, excel_csv
from extract.load import PDF_MOUNT
from extract.search import match_query

MARKER_TABLES = ("build_info", "evaluation_rows_fts")

# Datasette instance -> name of each hyoka database it serves -> {report id: PDF file name}
_HYOKA: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def is_hyoka(conn: sqlite3.Connection) -> bool:
    """Whether this connection's database was built by hyoka (its marker tables are there)."""
    marks = ",".join("?" * len(MARKER_TABLES))
    sql = f"select count(*) from sqlite_master where name in ({marks})"
    return conn.execute(sql, MARKER_TABLES).fetchone()[0] == len(MARKER_TABLES)


def _report_files(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("select id, file from reports").fetchall())


def hyoka_databases(datasette) -> dict[str, dict[str, str]]:
    """The hyoka databases seen so far by this Datasette (known once a connection opened)."""
    return _HYOKA.setdefault(datasette, {})


async def is_hyoka_database(datasette, name: str) -> bool:
    """Whether ``name`` is a hyoka database; opens a connection if none was opened yet."""
    if name not in datasette.databases:
        return False
    if name not in hyoka_databases(datasette):
        await datasette.get_database(name).execute("select 1")
    return name in hyoka_databases(datasette)


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette) -> None:
    """On hyoka's databases only, after Datasette's own: escape_fts cuts queries into bigrams."""
    if not is_hyoka(conn):
        return
    hyoka_databases(datasette)[database] = _report_files(conn)
    conn.create_function("escape_fts", 1, match_query)
    conn.create_function("hyoka_match", 1, match_query)


def _pdf_href(row, reports: dict[str, str], page: int) -> str | None:
    keys = row.keys()
    report = row["report_id"] if "report_id" in keys else None
    report = report.get("value") if isinstance(report, dict) else report  # an expanded foreign key
    if "source_file" in keys and row["source_file"]:
        source = row["source_file"]
    elif report in reports:
        source = reports[report]
    else:
        return None
    return f"/{PDF_MOUNT}/{quote(str(source))}#page={page}"


def pdfs_served(datasette) -> bool:
    return any(mount == PDF_MOUNT for mount, _ in datasette.static_mounts)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """A page number links to that page of the PDF (tables, views and canned queries alike)."""
    reports = hyoka_databases(datasette).get(database)
    if reports is None or column != "page" or not isinstance(value, int):
        return None
    href = _pdf_href(row, reports, value)
    if href is None or not pdfs_served(datasette):
        return None
    return Markup(f'<a class="hyoka-page" href="{escape(datasette.urls.path(href))}">p.{value}</a>')


@hookimpl
def register_routes():
    return [(rf"^/-/(?P<database>[^/]+)/(?P<table>{'|'.join(EXPORTABLE)})\.excel\.csv$", _excel_csv)]


async def _excel_csv(datasette, request):
    name, table = request.url_vars["database"], request.url_vars["table"]
    if not await is_hyoka_database(datasette, name):
        return Response.text(f"{name} is not a hyoka database", status=404)
    result = await datasette.get_database(name).execute(f"select * from [{table}]", custom_time_limit=10_000)
    body = excel_csv(list(result.columns), [tuple(r) for r in result.rows])
    return Response(
        body,
        content_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{table}.csv"'},
    )
