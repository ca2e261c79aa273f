"""The plugin's own pages for a hyoka database: charts (グラフ), one item's history, Excel.

Every route checks that the database is hyoka's (``is_hyoka_database``) and answers 404
otherwise. The Excel download asks Datasette for the page's own CSV (same path, same query
string: filters, search, sort, canned-query parameters) and rewrites it for Excel: a BOM,
CRLF line ends, the Japanese headings, and a ' before text Excel would run as a formula.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from urllib.parse import parse_qsl, unquote, urlencode

from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import AsgiFileDownload, Response
from markupsafe import Markup

from extract.database.export import excel_csv
from extract.site import charts
from extract.site.labels import label
from extract.site.registry import is_hyoka_database, known, pdf_href, pdf_path, rating_scales

_DROP = {"_next", "_size", "_stream", "_labels", "_facet", "_facet_array", "_facet_date"}


def excel_path(path: str, query_string: str) -> str:
    """The Excel download of the page at ``path`` with this query string (paging dropped)."""
    kept = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=True) if k not in _DROP]
    return f"/-/excel{path}.csv" + (f"?{urlencode(kept)}" if kept else "")


async def excel(datasette, request):
    """/-/excel/DB[/TABLE].csv?...: every row the page shows (all pages), ready for Excel."""
    path = request.url_vars["path"]
    if not await is_hyoka_database(datasette, tilde_decode(path.split("/")[0])):
        return Response.text("not a hyoka database", status=404)
    args = [(k, v) for k, v in parse_qsl(request.query_string, keep_blank_values=True) if k not in _DROP]
    args += [("_size", "max")] + ([("_stream", "on")] if "/" in path and "sql" not in dict(args) else [])
    inner = await datasette.client.get(f"/{path}.csv?{urlencode(args)}")
    if inner.status_code != 200:
        return Response.text(inner.text, status=inner.status_code)
    rows = list(csv.reader(io.StringIO(inner.text, newline="")))
    header, body = (rows[0], rows[1:]) if rows else ([], [])
    table = tilde_decode(path.split("/")[1]) if "/" in path else None
    found = known(datasette, tilde_decode(path.split("/")[0]))
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", tilde_decode(path.rsplit("/", 1)[-1]))  # header-safe
    if "pdf_url" in header:  # a download is read away from the site: its page links are whole URLs
        at, site = header.index("pdf_url"), f"{request.scheme}://{request.host}"
        body = [[*r[:at], site + r[at] if r[at].startswith("/") else r[at], *r[at + 1 :]] for r in body]
    return Response(
        excel_csv([found.heading(table, c) for c in header], body, escape_formulas=True),
        content_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}.csv"'},
    )


async def _rows(db, sql: str, params: dict | None = None) -> list[dict]:
    result = await db.execute(sql, params or {})
    return [dict(r) for r in result.rows]


_PER_YEAR = """select {series} as series, r.fiscal_year, e.rating, count(*) as n
from evaluations e join reports r on r.id = e.report_id
group by series, r.fiscal_year, e.rating order by series, r.fiscal_year, e.rating"""
_NAMES = """select {series} as series, {who} || ' ' || r.title || coalesce('（' || (select f.label
    from layout_fields f where f.layout = r.layout and f.scope = 'row' and f.role = 'rating'
    order by f.position limit 1) || '）', '') as plan from reports r order by r.fiscal_year"""


async def _per_year(db) -> list[dict]:
    """Ratings per series and year; a series is named by its latest report's publisher (or
    municipality) and title, so a school whose name is printed two ways stays one panel."""
    columns = {r["name"] for r in await _rows(db, "select name from pragma_table_info('reports')")}
    who = f"coalesce({', '.join(f'r.{c}' for c in ('municipality', 'publisher') if c in columns)}, '')"
    series = "r.series" if "series" in columns else f"{who} || ' ' || r.title"
    names = {r["series"]: r["plan"] for r in await _rows(db, _NAMES.format(series=series, who=who))}
    rows = await _rows(db, _PER_YEAR.format(series=series))
    return [{"plan": names[r.pop("series")], **r} for r in rows]


_PER_DEPARTMENT = """select department, rating, count(*) as n from evaluation_rows
where fiscal_year = :year group by department, rating"""
_CHANGES = """select department, change, count(*) as n from evaluation_rows
where fiscal_year = :year and change in ('up', 'down') group by department, change"""


async def graphs(datasette, request):
    """/-/DB/graphs: ratings per year and plan; ups and downs per department in one year."""
    name = tilde_decode(request.url_vars["database"])
    if not await is_hyoka_database(datasette, name):
        return Response.text("not a hyoka database", status=404)
    db = datasette.get_database(name)
    years = [r["fiscal_year"] for r in await _rows(db, "select distinct fiscal_year from reports order by 1")]
    moved = await _rows(db, "select max(fiscal_year) as y from evaluations where change in ('up', 'down')")
    year = int(request.args.get("year") or moved[0]["y"] or (years[-1] if years else 0))
    per_year, changes = await _per_year(db), await _rows(db, _CHANGES, {"year": year})
    per_department = await _rows(db, _PER_DEPARTMENT, {"year": year})
    words = await _words(db, None, [r["rating"] for r in per_year])
    svgs = await asyncio.gather(
        asyncio.to_thread(charts.ratings_per_year, per_year, words),
        asyncio.to_thread(charts.changes_per_department, changes, words),
        asyncio.to_thread(charts.ratings_per_department, per_department, words),
    )
    context = {
        "database": name, "db_url": "/" + tilde_encode(name), "years": years, "year": year,
        "per_year": Markup(svgs[0]), "changes": Markup(svgs[1]) if changes else None,
        "per_department": Markup(svgs[2]),
        "legend": (await rating_scales(datasette, name)).legend(),
    }  # fmt: skip
    return Response.html(await datasette.render_template("hyoka_graphs.html", context, request=request))


_HISTORY = """select h.fiscal_year, h.title, h.department, h.prev_rating, h.rating, h.page,
    h.source_file, h.match_method, h.match_score, h.evaluation_id, h.report_id
from item_history h where h.stable_id = (
    select l.stable_id from evaluations e join item_links l on l.item_id = e.item_id
    where e.id = :evaluation)
order by h.department_key, h.fiscal_year"""
# what the layouts of the reports shown (all: report null) call their rating, printed previous
# rating and department (事業評価, 達成度 …), the most used first; and their scales, best first
_ROLE_LABELS = """select f.role, f.label from layout_fields f join reports r on r.layout = f.layout
where f.scope = 'row' and f.role in ('rating', 'prev_rating', 'department')
    and (:report is null or r.id in (select value from json_each(:report)))
group by f.role, f.label order by count(*) desc, min(f.position)"""
_LETTERS = """select distinct rating_letters from reports
where :report is null or id in (select value from json_each(:report)) order by id"""


async def _words(db, reports: list[int] | None, ratings: list[str | None]) -> charts.Words:
    """What the charts call ratings and departments here: the layouts' labels (several joined
    by ・), their scales' letters in order, and apart any rating no scale lists (a JSON's)."""
    params = {"report": json.dumps(reports) if reports is not None else None}
    labels: dict[str, list[str]] = {}
    for r in await _rows(db, _ROLE_LABELS, params):
        labels.setdefault(r["role"], []).append(r["label"])
    letters = merged_scales(
        [json.loads(r["rating_letters"] or "[]") for r in await _rows(db, _LETTERS, params)]
    )
    others = sorted({x for x in ratings if x and x not in letters})
    named = {role: "・".join(found[:3]) for role, found in labels.items()}
    return charts.Words(letters=letters, others=others, **named)


def merged_scales(scales: list[list[str]]) -> list[str]:
    """Several scales' letters as one, best first: each letter placed by its mean position on
    the scales that have it (0 best, 1 worst), so S of S–C stands before A of A–D."""
    places: dict[str, list[float]] = {}
    for scale in scales:
        for i, letter in enumerate(scale):
            places.setdefault(letter, []).append(i / (len(scale) - 1) if len(scale) > 1 else 0.0)
    order = list(places)  # first seen: ties keep it
    return sorted(order, key=lambda x: (sum(places[x]) / len(places[x]), order.index(x)))


async def history(datasette, request):
    """/-/DB/history?evaluation=ID: the item of that row across every report, with a chart."""
    name = tilde_decode(request.url_vars["database"])
    if not await is_hyoka_database(datasette, name):
        return Response.text("not a hyoka database", status=404)
    try:
        evaluation = int(request.args.get("evaluation", ""))
    except ValueError:
        return Response.text("give ?evaluation=ID (an evaluations row)", status=400)
    rows = await _rows(datasette.get_database(name), _HISTORY, {"evaluation": evaluation})
    if not rows:
        return Response.text(f"no evaluation {evaluation}", status=404)
    found = known(datasette, name)
    scales = found.scales
    rows = [
        {**r, "pdf_href": pdf_href(datasette, found, r, r["page"]) if r["page"] else None,
         "meaning": r["rating"] and scales.meaning(r["report_id"], "rating", r["rating"]),
         "prev_meaning": r["prev_rating"] and scales.meaning(r["report_id"], "prev_rating", r["prev_rating"])}
        for r in rows
    ]  # fmt: skip
    ratings = [x for r in rows for x in (r["rating"], r["prev_rating"])]
    words = await _words(datasette.get_database(name), sorted({r["report_id"] for r in rows}), ratings)
    svg = await asyncio.to_thread(charts.rating_history, rows, words)
    context = {
        "database": name, "db_url": "/" + tilde_encode(name), "rows": rows, "chart": Markup(svg),
        "title": rows[-1]["title"], "evaluation": evaluation,
        "legend": scales.legend(sorted({r["report_id"] for r in rows})), "label": label,
    }  # fmt: skip
    return Response.html(await datasette.render_template("hyoka_history.html", context, request=request))


async def pdf(request, datasette):
    """/pdfs/NAME: the PDF a report was read from, found where ``pdf_path`` says (a build may
    have read its PDFs from several folders); any other name is not found."""
    name = unquote(request.url_vars["name"])
    for database in list(datasette.databases) if "/" not in name else []:
        if await is_hyoka_database(datasette, database):
            found = pdf_path(datasette, known(datasette, database), name)
            if found is not None:
                return AsgiFileDownload(found, content_type="application/pdf")
    return Response.text("404: no report was read from a PDF of that name", status=404)
