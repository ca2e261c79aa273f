"""Datasette over the built database: in-process for the API, search, queries and metadata;
`hyoka serve` as a process for what a user meets (any folder, busy port, missing PDFs)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import nextyear as ny
import pytest
import sqlite_utils
from conftest import ROOT, SAMPLE_PDF, free_port, run_hyoka, sample_and_next_year
from datasette.app import Datasette

from extract.database.build import build_database
from extract.site.metadata import QUERIES, metadata
from extract.site.serve import make_datasette


@pytest.fixture(scope="module")
def ds(built_db):
    return make_datasette(built_db, ROOT / "raw")


def get(ds, path: str, **params):
    return asyncio.run(ds.client.get(quote(path, safe="/.%?=&"), params=params or None))


def test_json_api_returns_the_58_rows(ds) -> None:
    rows = get(ds, "/hyoka/evaluation_rows.json", _shape="array", _size="max").json()
    assert len(rows) == 58
    assert {"fiscal_year", "change", "pdf_url", "title", "department"} <= rows[0].keys()


@pytest.mark.parametrize("term", ["防災", "避難所", "CoCoバス"])
def test_search_box_parameter_works_on_the_view(ds, term) -> None:
    rows = get(ds, "/hyoka/evaluation_rows.json", _search=term, _shape="array").json()
    sheets = {
        r["id"]: r for r in get(ds, "/hyoka/rows_koganei_welfare.json", _shape="array", _size="max").json()
    }
    assert rows and all(
        term.lower()
        in " ".join(
            [
                *(str(r[k] or "") for k in ("title", "texts", "group_title", "sheet_title")),
                sheets[r["id"]]["goal_title"],
            ]
        ).lower()
        for r in rows
    )


def test_every_canned_query_runs(ds, expected) -> None:
    queries = get(ds, "/-/metadata.json").json()["databases"]["hyoka"]["queries"]
    assert {*QUERIES, "covid_effects"} <= queries.keys()
    for name, query in queries.items():
        resp = get(ds, f"/hyoka/{name}.json", _shape="array", title="推進")
        assert resp.status_code == 200, (name, resp.text[:300])
        assert get(ds, f"/hyoka/{name}").text.count(query["title"].split(" ")[0]) >= 1
    downs = get(ds, "/hyoka/downgrades.json", _shape="array").json()
    assert len(downs) == 6
    worst = get(ds, "/hyoka/worst_ratings.json", _shape="array").json()  # D: the last of Koganei's A–D
    assert {r["rating"] for r in worst} == {"D"}
    assert len(worst) == sum(e["rating"] == "D" for e in expected["evaluations"])
    covid = get(ds, "/hyoka/covid_effects.json", _shape="array").json()
    assert covid and all(r["outlook_covid"] != "影響なし" or r["results_covid"] for r in covid)
    history = get(ds, "/hyoka/item_history.json", _shape="array", title="CoCoバス").json()
    assert [r["rating"] for r in history] == ["B"]
    spread = get(ds, "/hyoka/ratings_by_department.json", _shape="array").json()
    assert sum(r["rows"] for r in spread) == 58
    assert {r["rating"] for r in spread} == {e["rating"] for e in expected["evaluations"]}


@pytest.mark.parametrize(
    "title", ["CoCoバス", "cocoバス", "防災", "支援", "の", "・", "_", "%", "（", "ＣｏＣｏ"]
)
def test_item_history_finds_what_a_scan_of_every_title_finds(ds, built_db, title) -> None:
    """The query finds its items by the search index, then by LIKE: the rows a LIKE over every
    title finds (words of punctuation alone included, which the index does not hold)."""
    scan = (
        "select stable_id, fiscal_year, title, department, prev_rating, rating, match_method, page, source_file, "
        "evaluation_id from item_history where stable_id in (select stable_id from item_history "
        "where :title <> '' and title like '%' || :title || '%') order by stable_id, department_key, fiscal_year"
    )
    conn = sqlite3.connect(built_db)
    try:
        conn.row_factory = sqlite3.Row
        expected = [dict(r) for r in conn.execute(scan, {"title": title})]
    finally:
        conn.close()
    assert get(ds, "/hyoka/item_history.json", _shape="array", title=title).json() == expected


def test_metadata_describes_tables_and_columns(ds) -> None:
    html = get(ds, "/hyoka/evaluation_rows").text
    assert "評価一覧" in html and "担当課" in html
    data = get(ds, "/-/metadata.json").json()
    tables = data["databases"]["hyoka"]["tables"]
    assert {
        "evaluation_rows",
        "evaluations",
        "remarks",
        "remarks_koganei_welfare",
        "reports",
        "sheets",
        "items",
    } <= tables.keys()
    assert tables["evaluation_rows"]["columns"]["department"].startswith("担当課")
    for table, conf in tables.items():
        for column, description in conf.get("columns", {}).items():
            assert description and description != column, (table, column)


def test_every_view_column_is_described(ds, built_db) -> None:
    cols = get(ds, "/hyoka/evaluation_rows.json", _size=1).json()["columns"]
    described = metadata(built_db, "hyoka", None)["databases"]["hyoka"]["tables"]["evaluation_rows"][
        "columns"
    ]
    assert cols == list(described)  # same columns, in the order shown


def test_default_facets(ds) -> None:
    data = get(ds, "/hyoka/evaluation_rows.json", _extra="facet_results").json()
    facets = data["facet_results"]
    names = set(facets.get("results", facets))
    assert {"department", "rating", "prev_rating", "change", "fiscal_year"} <= names


def test_page_numbers_link_to_the_pdf_page(ds) -> None:
    html = get(ds, "/hyoka/evaluation_rows", _search="防災").text
    assert 'href="/pdfs/koganei-fy2020.pdf#page=7"' in html
    pdf = get(ds, "/pdfs/koganei-fy2020.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"


def test_static_mount_does_not_leave_raw(ds) -> None:
    for path in ("/pdfs/../pyproject.toml", "/pdfs/%2e%2e/pyproject.toml", "/pdfs/..%2fpyproject.toml"):
        assert get(ds, path).status_code == 404


def test_writes_are_refused(ds) -> None:
    resp = get(ds, "/hyoka.json", sql="delete from evaluations")
    assert resp.status_code in (400, 403)
    assert len(get(ds, "/hyoka/evaluations.json", _shape="array", _size="max").json()) == 58


def _excel(ds, path: str, **params) -> list[list[str]]:
    resp = get(ds, path, **params)
    assert resp.status_code == 200, resp.text[:300]
    assert resp.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in resp.content
    return list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"), newline="")))


def test_excel_download_follows_filters_search_and_queries(ds) -> None:
    rows = _excel(ds, "/-/excel/hyoka/evaluation_rows.csv")
    assert len(rows) == 59 and rows[0][:4] == ["ID", "年度", "市区町村・発行者", "名称"]
    assert "担当課" in rows[0] and "department" not in rows[0]
    assert any("\n" in cell for row in rows for cell in row)  # paragraphs survive inside quoted cells
    url = rows[0].index("PDFのページ")
    assert all(
        r[url].startswith("http://localhost/pdfs/koganei-fy2020.pdf#page=") for r in rows[1:]
    )  # whole URLs
    d_rows = _excel(ds, "/-/excel/hyoka/evaluation_rows.csv", rating="D")

    col = d_rows[0].index("事業評価")
    assert len(d_rows) == 7 and {r[col] for r in d_rows[1:]} == {"D"}
    assert len(_excel(ds, "/-/excel/hyoka/evaluation_rows.csv", _search="避難所", _size="10")) == 2
    assert len(_excel(ds, "/-/excel/hyoka/downgrades.csv")) == 7
    history = _excel(ds, "/-/excel/hyoka/item_history.csv", title="CoCoバス")
    assert len(history) == 2 and history[0][0] == "同一性ID"


def test_excel_download_holds_every_page_of_a_table(built_db) -> None:
    small = Datasette(
        immutables=[str(built_db)],
        metadata=metadata(built_db, "hyoka", None),
        settings={"default_page_size": 5, "max_returned_rows": 10},
    )
    assert len(get(small, "/hyoka/evaluation_rows.json", _shape="array").json()) == 5
    assert len(_excel(small, "/-/excel/hyoka/evaluation_rows.csv")) == 59
    assert len(_excel(small, "/-/excel/hyoka/evaluation_rows.csv", rating="B")) == 31


def test_every_table_view_and_query_page_offers_the_excel_download(ds) -> None:
    html = get(ds, "/hyoka/evaluation_rows", rating="D", _search="福祉").text
    assert 'class="hyoka-excel" href="/-/excel/hyoka/evaluation_rows.csv?rating=D&amp;_search=' in html
    listing = get(ds, "/hyoka.json").json()
    names = [t["name"] for t in listing["tables"] if not t["hidden"]] + [v["name"] for v in listing["views"]]
    for name in [*names, *QUERIES]:
        page = get(ds, f"/hyoka/{name}", title="推進", from_year="2020", to_year="2021").text
        assert f'class="hyoka-excel" href="/-/excel/hyoka/{name}.csv' in page, name
        assert 'class="hyoka-graphs"' in page, name


def test_graph_links_on_the_home_and_database_pages(ds) -> None:
    for path in ("/", "/hyoka"):
        assert '<a class="hyoka-graphs" href="/-/hyoka/graphs">グラフ</a>' in get(ds, path).text, path


def test_graph_page_draws_the_sample(ds, expected) -> None:
    html = get(ds, "/-/hyoka/graphs").text
    ratings = {e["rating"] for e in expected["evaluations"]}
    per_year = html.split('id="chart-per-year"')[1].split('id="chart-changes"')[0]
    assert per_year.count('<g class="mark-rect role-mark') == 1
    bars = per_year.split('<g class="mark-rect role-mark')[1].split("</g>")[0]
    assert bars.count("<path") == len(ratings)
    fetched = re.findall(r'src="[^"]*"|<link [^>]*href="[^"]*"', html)
    assert fetched and not [f for f in fetched if "//" in f], "nothing may be fetched from another site"


def test_history_page_of_a_row(ds) -> None:
    html = get(ds, "/hyoka/evaluation_rows", _search="CoCoバス").text
    href = html.split('class="hyoka-history" href="')[1].split('"')[0]
    assert href.startswith("/-/hyoka/history?evaluation=")
    page = get(ds, href.replace("&amp;", "&")).text
    assert "CoCoバスの利便性向上" in page and 'id="chart-history"' in page
    assert 'class="hyoka-page" href="/pdfs/koganei-fy2020.pdf#page=' in page
    assert get(ds, "/-/hyoka/history", evaluation="99999").status_code == 404
    for table in ("evaluation_rows", "evaluations"):  # every evaluation row, in the view and the table
        assert get(ds, f"/hyoka/{table}", _size="max").text.count('class="hyoka-history"') == 58, table
    # an item's id is not an evaluation's: its page links no history under a wrong id
    assert 'class="hyoka-history"' not in get(ds, "/hyoka/items", _size="max").text
    item = get(ds, "/hyoka/evaluations", _size="1").text.split('<td class="col-item_id')[1]
    assert get(ds, item.split('href="')[1].split('"')[0]).status_code == 200


def test_ratings_carry_their_meaning_from_the_reports_scale(ds) -> None:
    html = get(ds, "/hyoka/evaluation_rows", rating="D").text
    assert 'class="hyoka-rating" data-rating="D" title="D: 未実施"' in html
    assert 'class="hyoka-legend"' in html and "未実施" in html.split('class="hyoka-legend"')[1][:2000]


def test_column_descriptions_are_folded_away(ds) -> None:
    html = get(ds, "/hyoka/evaluation_rows").text
    assert '<details class="hyoka-columns">' in html
    assert "<dt>担当課 <code>department</code></dt>" in html


def test_every_column_of_every_table_and_view_is_described(ds, built_db) -> None:
    tables = metadata(built_db, "hyoka", None)["databases"]["hyoka"]["tables"]
    names = get(ds, "/hyoka.json").json()
    listed = [t["name"] for t in names["tables"] if not t["hidden"]] + [v["name"] for v in names["views"]]
    assert listed
    for name in listed:
        columns = get(ds, f"/hyoka/{name}.json", _size=0).json()["columns"]
        described = tables.get(name, {}).get("columns", {})
        missing = [c for c in columns if c not in described and c != "rowid"]
        assert not missing, (name, missing)


# -- any database, and only ours (issue 9, item 5) ---------------------------------------
@pytest.fixture(scope="module")
def renamed(built_db, tmp_path_factory) -> Datasette:
    """The same database under another name: everything must follow the name."""
    db = tmp_path_factory.mktemp("renamed") / "anything.db"
    shutil.copy(built_db, db)
    return make_datasette(db, ROOT / "raw")


def test_any_database_name_gets_queries_search_facets_and_excel(renamed) -> None:
    assert len(get(renamed, "/anything/downgrades.json", _shape="array").json()) == 6
    found = get(renamed, "/anything/evaluation_rows.json", _search="避難所", _shape="array").json()
    assert 0 < len(found) < 58
    facets = get(renamed, "/anything/evaluation_rows.json", _extra="facet_results").json()["facet_results"]
    assert {"department", "rating", "change"} <= set(facets.get("results", facets))
    excel = get(renamed, "/-/excel/anything/evaluation_rows.csv")
    assert excel.status_code == 200 and excel.content.startswith(b"\xef\xbb\xbf")
    assert 'href="/anything/evaluation_rows"' in get(renamed, "/anything").text


def test_a_plain_database_keeps_datasettes_own_search(tmp_path) -> None:
    """The plugin is installed for every Datasette: it must not touch a database that is not hyoka's."""
    db = sqlite_utils.Database(tmp_path / "plain.db")
    db["docs"].insert_all(
        [{"id": 1, "text": "hello world", "page": 3}, {"id": 2, "text": "goodbye"}], pk="id"
    )
    db["docs"].enable_fts(["text"])
    db.close()
    plain = Datasette([str(tmp_path / "plain.db")])
    rows = get(plain, "/plain/docs.json", _search="hello", _shape="array").json()
    assert [r["id"] for r in rows] == [1]
    assert "hyoka-page" not in get(plain, "/plain/docs").text
    assert get(plain, "/-/excel/plain/docs.csv").status_code == 404
    assert get(plain, "/-/plain/graphs").status_code == 404
    assert "hyoka-excel" not in get(plain, "/plain/docs").text


# -- page links everywhere (issue 9, item 6) -----------------------------------------------
def _pages(ds, path: str, **params) -> tuple[int, int]:
    """(rows with a page, page links) on one HTML page of a table, view or canned query."""
    rows = get(ds, f"{path}.json", _shape="array", _size="max", **params).json()
    html = get(ds, path, _size="max", **params).text
    return sum(r.get("page") is not None for r in rows), html.count('class="hyoka-page" href="/pdfs/')


def test_page_is_a_link_in_every_table_view_and_query_that_has_one(ds) -> None:
    listing = get(ds, "/hyoka.json").json()
    names = [t["name"] for t in listing["tables"] if not t["hidden"]] + [v["name"] for v in listing["views"]]
    checked = []
    for name in names:
        if "page" in get(ds, f"/hyoka/{name}.json", _size=0).json()["columns"]:
            with_page, links = _pages(ds, f"/hyoka/{name}")
            assert links == with_page, name
            checked += [name] if with_page else []
    for name in QUERIES:
        rows = get(ds, f"/hyoka/{name}.json", _shape="array", title="推進").json()
        if rows and "page" in rows[0]:
            with_page, links = _pages(ds, f"/hyoka/{name}", title="推進")
            assert links == with_page, name
            checked += [name] if with_page else []
    assert {
        "evaluation_rows",
        "sheets",
        "remarks_koganei_welfare",
        "downgrades",
        "worst_ratings",
        "item_history",
    } <= set(checked)


# -- `hyoka serve` as a user runs it -------------------------------------------------------
def start_serve(db: Path, *args: str, cwd: Path) -> tuple[subprocess.Popen, str]:
    """`hyoka serve` on a free loopback port, started from ``cwd``; returns once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "extract", "serve", "--db", str(db), "--port", str(port), *args],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"hyoka serve did not start: {proc.communicate()[1][-500:]}")
            time.sleep(0.2)


@contextmanager
def serving(db: Path, *args: str, cwd: Path | None = None) -> Iterator[str]:
    proc, base = start_serve(db, *args, cwd=cwd or db.parent)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_serve_outside_the_project_finds_the_pdfs_and_writes_nothing(tmp_path) -> None:
    folder, elsewhere = tmp_path / "reports", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    shutil.copy(SAMPLE_PDF, folder / SAMPLE_PDF.name)
    db = tmp_path / "data" / "my reports.db"
    assert build_database([folder / SAMPLE_PDF.name], db).loaded
    before, content = sorted(p.name for p in db.parent.iterdir()), db.read_bytes()
    with serving(db, cwd=elsewhere) as base:
        assert _status(base + "/pdfs/koganei-fy2020.pdf") == 200
        with urllib.request.urlopen(base + "/my~20reports/downgrades.json?_shape=array", timeout=10) as resp:
            assert len(json.load(resp)) == 6
    # a reader of a database in WAL mode shares SQLite's index of the WAL with the build (-shm),
    # beside the database: SQLite's own files; the database is as it was
    wal = {f"{db.name}-wal", f"{db.name}-shm"}
    assert sorted(p.name for p in db.parent.iterdir() if p.name not in wal) == before
    assert db.read_bytes() == content
    assert list(elsewhere.iterdir()) == []


def test_serve_without_the_pdfs_still_serves_and_says_so(tmp_path) -> None:
    shutil.copy(SAMPLE_PDF, tmp_path / SAMPLE_PDF.name)
    db = tmp_path / "hyoka.db"
    assert build_database([tmp_path / SAMPLE_PDF.name], db).loaded
    (tmp_path / SAMPLE_PDF.name).unlink()
    proc, base = start_serve(db, cwd=tmp_path)
    try:
        assert _status(base + "/hyoka/evaluation_rows.json") == 200
        assert _status(base + "/pdfs/koganei-fy2020.pdf") == 404
    finally:
        proc.terminate()
        err = proc.communicate(timeout=10)[1]
    assert "no PDFs" in err and "--pdfs DIR" in err


def test_a_busy_port_is_one_line_before_serving(built_db) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = run_hyoka("serve", "--db", str(built_db), "--port", str(port), timeout=60)
    assert done.returncode == 1
    assert "serving" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "cannot listen" in lines[0], done.stderr


def test_serve_refuses_a_database_that_is_not_hyokas(tmp_path) -> None:
    sqlite_utils.Database(tmp_path / "plain.db")["docs"].insert({"id": 1})
    done = run_hyoka("serve", "--db", str(tmp_path / "plain.db"))
    assert done.returncode == 1 and done.stderr.strip().endswith(
        "not a hyoka database (make one with `hyoka build`)"
    )


# -- several years: the charts and histories follow ------------------------------------------
@pytest.fixture(scope="module")
def two_years(tmp_path_factory, expected) -> Datasette:
    raw = tmp_path_factory.mktemp("years")
    db = raw / "years.db"
    assert build_database(sample_and_next_year(raw, expected), db).loaded
    return make_datasette(db, raw)


def _marks(html: str, chart: str, mark: str = "rect") -> int:
    part = html.split(f'id="{chart}"')[1].split('class="hyoka-chart"')[0]
    return sum(g.split("</g>")[0].count("<path") for g in part.split(f'<g class="mark-{mark} role-mark')[1:])


def test_graphs_over_several_years(two_years) -> None:
    rows = get(two_years, "/years/evaluation_rows.json", _shape="array", _size="max").json()
    assert {r["fiscal_year"] for r in rows} == {2020, 2021}
    html = get(two_years, "/-/years/graphs").text
    assert _marks(html, "chart-per-year") == len({(r["fiscal_year"], r["rating"]) for r in rows})
    for year in (2020, 2021):
        page = get(two_years, "/-/years/graphs", year=str(year)).text
        moves = {
            (r["department"], r["change"])
            for r in rows
            if r["fiscal_year"] == year and r["change"] in ("up", "down")
        }
        assert _marks(page, "chart-changes") == len(moves), year
        spread = {(r["department"], r["rating"]) for r in rows if r["fiscal_year"] == year}
        assert _marks(page, "chart-per-department") == len(spread), year


def test_history_of_a_renamed_initiative_spans_both_years(two_years) -> None:
    old, new = ny.RENAMED
    (row,) = get(two_years, "/years/evaluation_rows.json", _shape="array", title=new).json()
    html = get(two_years, "/years/evaluation_rows", title=new).text
    assert f'href="/-/years/history?evaluation={row["id"]}"' in html
    page = get(two_years, "/-/years/history", evaluation=str(row["id"])).text
    assert old in page and new in page
    assert page.count('class="hyoka-page"') == 2
    assert _marks(page, "chart-history", "symbol") == 3  # FY2020, FY2021 and FY2019 as printed


def test_stored_values_read_in_japanese(ds) -> None:
    """Issue 25: a reader sees 下がった, not `down`, and the layout's 様式名, not its slug; the
    API (and SQL) keeps the stored values, and the page names them in a tooltip."""
    rows = get(ds, "/hyoka/evaluation_rows.json", _shape="array", change="down").json()
    assert (
        rows
        and {r["change"] for r in rows} == {"down"}
        and {r["layout"] for r in rows} == {"koganei-welfare"}
    )
    html = get(ds, "/hyoka/evaluation_rows", change="down", _facet="change").text
    assert '<span class="hyoka-value" title="down">下がった</span>' in html
    assert '<span class="hyoka-value" title="koganei-welfare">地域福祉計画 評価表</span>' in html
    values = json.loads(html.split('id="hyoka-values">')[1].split("</script>")[0])
    assert values["change"]["new rating"] == "前年度評価なし" and values["layout"]["koganei-welfare"]
    assert ">down</td>" not in html


def test_one_answer_to_downgraded(two_years) -> None:
    """Issue 25: downgrades are the latest year's unless a year is given, by the printed 前年度
    rating or by last year's report, and a row where the two disagree shows both, flagged.
    The changes between two years open on the latest pair; the history asks for a title."""
    latest = get(two_years, "/years/downgrades.json", _shape="array").json()
    assert latest and {r["fiscal_year"] for r in latest} == {2021}
    assert {
        r["fiscal_year"] for r in get(two_years, "/years/downgrades.json", _shape="array", year="2020").json()
    } == {2020}
    title, department, printed = ny.MISPRINTED
    (misprinted,) = [r for r in latest if (r["title"], r["department"]) == (title, department)]
    assert misprinted["prev_rating"] == printed != misprinted["previous_report_rating"]
    assert misprinted["mismatch"] == "前年度の報告書と不一致"
    (down,) = [r for r in latest if (r["title"], r["department"]) == ny.DOWN]
    assert down["mismatch"] is None and down["previous_report_rating"] == down["prev_rating"]
    changes = get(two_years, "/years/rating_changes_between.json", _shape="array", _size="max").json()
    assert changes and {(r["from_year"], r["to_year"]) for r in changes} == {(2020, 2021)}
    assert {r["municipality"] for r in changes} == {"小金井市"}
    assert get(two_years, "/years/item_history.json", _shape="array").json() == []


def test_tab_titles_name_the_page_not_its_sql(ds) -> None:
    """Issue 25: a canned query's tab title is its Japanese title, not its SQL; a table's says
    its title and its rows in Japanese."""
    html = get(ds, "/hyoka/downgrades").text
    title = html.split("<title>")[1].split("</title>")[0]
    assert title.startswith("評価が下がった事業") and "select" not in title
    table = get(ds, "/hyoka/evaluation_rows").text.split("<title>")[1].split("</title>")[0]
    assert table.startswith("評価一覧") and "（58件）" in table and "rows" not in table.split("(")[0]


def test_a_queries_year_and_series_are_chosen_from_what_exists(two_years) -> None:
    """Issue 25: 年度間の評価の変化 offers the years and series the database holds (the page's
    script turns each box into a list); left empty, the latest years of every series."""
    html = get(two_years, "/years/rating_changes_between").text
    choices = json.loads(html.split('id="hyoka-choices">')[1].split("</script>")[0])
    assert choices["from_year"] == [["2020", "2020"]] and choices["to_year"] == [["2021", "2021"]]
    ((series, name),) = choices["series"]
    assert name.startswith("小金井市 ")
    picked = get(two_years, "/years/rating_changes_between.json", _shape="array", series=series).json()
    assert picked and picked == get(two_years, "/years/rating_changes_between.json", _shape="array").json()
    none = get(
        two_years, "/years/rating_changes_between.json", _shape="array", series="no such series"
    ).json()
    assert none == []


def test_a_row_page_is_headed_in_japanese(ds) -> None:
    """Issue 25: /hyoka/evaluations/1 heads its columns in Japanese like every table page."""
    html = get(ds, "/hyoka/evaluations/1").text
    labels = json.loads(html.split('id="hyoka-labels">')[1].split("</script>")[0])
    assert (
        labels["title"] == "名称"
        and labels["department"] == "担当課"
        and labels["item_id"].startswith("項目")
    )
    assert (
        'class="hyoka-tools"' in html and "<title>" in html and "select" not in html.split("<title>")[1][:80]
    )
    excel = get(ds, "/-/excel/hyoka/evaluations/1.csv")
    assert excel.status_code == 200 and "名称" in excel.content.decode("utf-8-sig").splitlines()[0]


def test_texts_read_as_labelled_parts(ds, expected) -> None:
    """Issue 25: 本文 shows each text under its field's label (事業実績：…, 今後の事業計画・展望：…);
    the search index holds the texts alone (a label's words find nothing)."""
    first = expected["evaluations"][0]
    (row,) = get(ds, "/hyoka/evaluation_rows.json", _shape="array", id="1").json()
    assert row["texts"].startswith("事業実績：" + first["results"].split("\n")[0])
    assert "\n今後の事業計画・展望：" in row["texts"]
    labelled = get(ds, "/hyoka/evaluation_rows.json", _shape="array", _search="事業実績").json()
    assert [
        r for r in labelled if "事業実績" in r["title"] + r["texts"].replace("事業実績：", "")
    ] == labelled
