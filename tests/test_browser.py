"""A real browser against `hyoka serve`: search, facets, page links, Japanese headings, charts,
histories and the Excel download; it also takes the README's screenshots (docs/*.png).

The test starts the server itself on a free loopback port and drives Debian's Chromium
through Playwright. Without the browser it fails: CI installs it (scripts/system-deps.sh).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

import nextyear as ny
import pytest
from conftest import SAMPLE_PDF, sample_and_next_year
from playwright.sync_api import sync_playwright
from render import Variant, render_report
from test_load import searched_text
from test_serve import serving

from extract.database.build import build_database
from extract.site.metadata import QUERIES

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    raw = tmp_path_factory.mktemp("site")
    shutil.copy(SAMPLE_PDF, raw / SAMPLE_PDF.name)
    assert build_database([raw / SAMPLE_PDF.name], raw / "hyoka.db").loaded
    with serving(raw / "hyoka.db", "--pdfs", str(raw)) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), "Chromium is missing: run scripts/system-deps.sh"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield b
        b.close()


def _rows(page) -> list[dict[str, str]]:
    headers = [h.get_attribute("data-column") for h in page.locator("table.rows-and-columns thead th").all()]
    out = []
    for tr in page.locator("table.rows-and-columns tbody tr").all():
        cells = tr.locator("td").all()
        out.append({h: c.inner_text() for h, c in zip(headers, cells, strict=True)})
    return out


def test_search_facet_and_follow_page_link(server, browser, expected) -> None:
    want = [e for e in expected["evaluations"] if "福祉" in searched_text(e, expected)]
    want_d = [e for e in want if e["rating"] == "D"]
    assert want_d, "the sample has D-rated rows mentioning 福祉"

    page = browser.new_page()
    page.goto(server + "/hyoka/evaluation_rows")
    assert "評価一覧" in page.content()
    page.fill("input[name=_search]", "福祉")
    page.press("input[name=_search]", "Enter")
    page.wait_for_url("**_search=*")
    assert page.inner_text("h3") == f"{len(want)}件（検索: 福祉）"

    page.locator(".facet-info[data-column=rating] a", has_text="D").first.click()
    page.wait_for_url("**rating=D*")
    rows = _rows(page)
    assert sorted(r["title"] for r in rows) == sorted(e["initiative_title"] for e in want_d)
    assert {r["rating"] for r in rows} == {"D"}

    link = page.locator("a.hyoka-page").first
    href = link.get_attribute("href")
    assert href.startswith("/pdfs/koganei-fy2020.pdf#page=")
    assert link.get_attribute("target") == "_blank"  # the PDF opens beside the list, which stays
    with page.context.expect_page() as opened:
        link.click()
    pdf = opened.value
    pdf.wait_for_url("**/pdfs/koganei-fy2020.pdf#page=*")
    assert pdf.url == server + href and page.url.startswith(server + "/hyoka/evaluation_rows")
    with urllib.request.urlopen(server + href.split("#")[0]) as resp:
        assert resp.status == 200 and resp.read(5) == b"%PDF-"
    pdf.close()
    page.close()


SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"


def test_html_in_a_cell_is_shown_as_text_not_run(tmp_path, browser, expected) -> None:
    records = {**expected, "evaluations": [dict(e) for e in expected["evaluations"]]}
    records["evaluations"][0]["results"] = f"実績 {SCRIPT} と {IMAGE} を記載した。"
    render_report(records, tmp_path / "hostile.pdf", Variant())
    assert build_database([tmp_path / "hostile.pdf"], tmp_path / "hyoka.db").loaded
    dialogs: list[str] = []
    with serving(tmp_path / "hyoka.db") as base:
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in ("/hyoka/evaluation_rows", "/hyoka/evaluations/1", "/hyoka/evaluation_rows?_search=実績"):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            text = page.inner_text("body")
            assert SCRIPT in text and IMAGE in text, path
        assert page.locator("img[src=x]").count() == 0
        page.close()
    assert dialogs == []


# -- the same server over plain HTTP: what scripts and other tools see -------------------
def _json(url: str):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)


def test_http_api_rows_queries_and_metadata(server, expected) -> None:
    rows = _json(server + "/hyoka/evaluation_rows.json?_shape=array&_size=max")
    assert len(rows) == len(expected["evaluations"]) == 58
    for name in QUERIES:
        data = _json(
            f"{server}/hyoka/{name}.json?_shape=objects&title=%E6%8E%A8%E9%80%B2&from_year=2020&to_year=2021"
        )
        assert "rows" in data, name
    assert len(_json(server + "/hyoka/downgrades.json?_shape=array")) == 6
    meta = _json(server + "/-/metadata.json")["databases"]["hyoka"]["tables"]
    assert meta["evaluation_rows"]["columns"]["rating"].startswith("事業評価")
    with urllib.request.urlopen(server + "/hyoka/evaluation_rows", timeout=10) as resp:
        html = resp.read().decode("utf-8")
    assert "評価一覧" in html and "担当課: department responsible for this row" in html


# -- what a journalist sees (issue 12) ----------------------------------------------------
DOCS = Path(__file__).resolve().parent.parent / "docs"
# HYOKA_SCREENSHOTS=1 writes the README's screenshots into docs/; otherwise they are taken
# (and checked) in a temporary folder, so that a test run leaves the work tree as it was
SHOTS = DOCS if os.environ.get("HYOKA_SCREENSHOTS") == "1" else Path(tempfile.mkdtemp(prefix="hyoka-shots-"))


def _shot(page, name: str) -> None:
    """A README screenshot, taken from the page the test just checked."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=False)
    assert (SHOTS / name).stat().st_size > 10_000, f"{name}: an empty screenshot"


@pytest.fixture()
def page(browser):
    p = browser.new_page(viewport={"width": 1400, "height": 900}, locale="ja-JP")
    yield p
    p.close()


def test_japanese_headings_folded_descriptions_and_short_ids(server, page) -> None:
    page.goto(server + "/hyoka/evaluation_rows")
    heading = page.locator("table.rows-and-columns th[data-column=department]")
    assert heading.inner_text().strip() == "担当課"
    assert page.locator("th[data-column=title]").inner_text().strip() == "名称"
    assert page.locator("dl.column-descriptions").is_hidden()
    assert not page.locator("details.hyoka-columns").get_attribute("open")
    wide = page.locator("th[data-column=texts]").bounding_box()["width"]
    assert wide > 250, f"本文 is {wide:.0f} px wide"
    report = page.locator("td.col-report_id").first.inner_text()
    assert report.isdigit()  # ids are integers: short without cutting
    assert page.locator("table.rows-and-columns").bounding_box()["y"] < 900, "rows start on the first screen"
    rating = page.locator("td.col-rating .hyoka-rating[data-rating=D]").first
    assert rating.get_attribute("title") == "D: 未実施"
    page.goto(server + "/hyoka/reports")
    sha = page.locator("td.col-sha256").first.inner_text()
    assert sha.endswith("…") and len(sha) <= 9, sha  # a SHA-256 shown short, whole in its tooltip
    page.goto(server + "/hyoka/evaluation_rows?_search=防災")
    assert page.locator("th[data-column=department]").inner_text().strip() == "担当課"
    _shot(page, "evaluation_rows.png")


def test_chart_page_draws_its_charts(server, page, expected) -> None:
    page.goto(server + "/hyoka")
    page.locator("a.hyoka-graphs", has_text="グラフ").first.click()
    page.wait_for_url("**/-/hyoka/graphs")
    ratings = {e["rating"] for e in expected["evaluations"]}
    bars = page.locator("#chart-per-year svg g.mark-rect.role-mark path")
    assert bars.count() == len(ratings)
    moves = {
        (e["department"], e["rating"] < e["prev_rating"])
        for e in expected["evaluations"]
        if e["rating"] and e["prev_rating"] and e["rating"] != e["prev_rating"]
    }
    assert page.locator("#chart-changes svg g.mark-rect.role-mark path").count() == len(moves)
    spread = {(e["department"], e["rating"]) for e in expected["evaluations"]}
    assert page.locator("#chart-per-department svg g.mark-rect.role-mark path").count() == len(spread)
    page.goto(server + "/")
    assert page.locator("a.hyoka-graphs", has_text="グラフ").count() == 1


def test_filtered_excel_link_returns_only_the_filtered_rows(server, page, expected) -> None:
    page.goto(server + "/hyoka/evaluation_rows?rating=D")
    link = page.locator("a.hyoka-excel")
    assert link.is_visible() and "rating=D" in link.get_attribute("href")
    body = page.request.get(server + link.get_attribute("href")).body()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").split("\r\n")
    rows = [ln for ln in lines[1:] if ln.split(",")[0].isdigit()]
    assert (
        lines[0].startswith("ID,年度,")
        and len(rows) == sum(e["rating"] == "D" for e in expected["evaluations"]) == 6
    )


def test_canned_query_rows_link_to_pdf_pages(server, page) -> None:
    page.goto(server + "/hyoka/downgrades")
    links = page.locator("table.rows-and-columns a.hyoka-page")
    assert links.count() == 6
    assert all(
        h.startswith("/pdfs/koganei-fy2020.pdf#page=") for h in (a.get_attribute("href") for a in links.all())
    )
    assert page.locator("a.hyoka-excel").is_visible()
    assert page.locator("table.rows-and-columns th.col-department").inner_text().strip() == "担当課"


def test_history_link_opens_the_history_with_its_chart(server, page) -> None:
    page.goto(server + "/hyoka/evaluation_rows?_search=CoCoバス")
    page.locator("a.hyoka-history").first.click()
    page.wait_for_url("**/-/hyoka/history?evaluation=*")
    assert "CoCoバス" in page.locator("h1").inner_text()
    cells = [
        [td.inner_text().strip() for td in tr.locator("td").all()]
        for tr in page.locator("table.hyoka-history-rows tbody tr").all()
    ]
    reported = {(int(c[0]), c[2]) for c in cells if c[4]}
    printed = {(int(c[0]) - 1, c[2]) for c in cells if c[3]} - reported
    assert reported
    assert page.locator("#chart-history svg g.mark-symbol.role-mark path").count() == len(reported | printed)


@pytest.fixture(scope="module")
def years_server(tmp_path_factory, expected):
    """The sample and a FY2021 report made from it (tests/nextyear.py), served together."""
    raw = tmp_path_factory.mktemp("years")
    assert build_database(sample_and_next_year(raw, expected), raw / "hyoka.db").loaded
    with serving(raw / "hyoka.db") as base:
        yield base


def test_history_over_two_years(years_server, page) -> None:
    old, new = ny.RENAMED
    page.goto(years_server + f"/hyoka/evaluation_rows?title={new}")
    page.locator("a.hyoka-history", has_text=new).click()
    page.wait_for_url("**/-/hyoka/history?evaluation=*")
    years = [td.inner_text() for td in page.locator("table.hyoka-history-rows tbody tr td:first-child").all()]
    assert years == ["2020", "2021"]
    assert page.locator("table.hyoka-history-rows").inner_text().count(old) == 1
    assert page.locator("#chart-history svg g.mark-symbol.role-mark path").count() == 3
    _shot(page, "history.png")
    page.goto(years_server + "/-/hyoka/graphs")
    assert page.locator("#chart-per-year svg g.mark-rect.role-mark path").count() >= 8
    _shot(page, "graphs.png")


KEY_COLUMNS = ["fiscal_year", "issued_by", "title", "department", "rating", "change", "direction", "page"]


def test_the_first_screen_reads(server, browser) -> None:
    """Issue 25: at 1366×900 the flat table's key columns (年度, 市区町村・発行者, 名称, 担当課, 評価,
    変化, 方向性, ページ) are all in view, in that order, and its rows are short: a long text is
    clipped to two lines with a button that shows the whole: ten rows on the first screen."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(server + "/hyoka/evaluation_rows")
    heads = [page.locator(f"table.rows-and-columns th[data-column={c}]").bounding_box() for c in KEY_COLUMNS]
    assert all(h is not None for h in heads)
    assert [h["x"] for h in heads] == sorted(h["x"] for h in heads)
    assert max(h["x"] + h["width"] for h in heads) <= 1366, heads
    page.screenshot(path=str(Path(tempfile.gettempdir()) / "hyoka-first-screen.png"))
    rows = page.locator("table.rows-and-columns tbody tr").all()[:10]
    heights = [r.bounding_box()["height"] for r in rows]
    bottom = rows[-1].bounding_box()["y"] + heights[-1]
    assert len(heights) == 10 and bottom <= 900, (heights, bottom)
    texts = page.locator("table.rows-and-columns td.col-texts").first
    full = texts.inner_text()
    page.screenshot(path=str(Path(tempfile.gettempdir()) / "hyoka-first-screen.png"))
    button = texts.locator("button.hyoka-more")
    clipped = texts.bounding_box()["height"]
    button.click()
    assert texts.bounding_box()["height"] > clipped and button.inner_text() == "閉じる"
    assert len(full) > 60
    print(f"\nfirst screen: row heights {heights}, tenth row ends at {bottom:.0f} px")


def test_query_boxes_are_lists_of_what_exists(years_server, browser) -> None:
    """Issue 25: 年度間の評価の変化 opens with its year and series as lists (最新 / すべて first)."""
    page = browser.new_page()
    page.goto(years_server + "/hyoka/rating_changes_between")
    years = page.locator("form.sql select[name=to_year] option").all_inner_texts()
    assert years == ["最新", "2021"]
    assert page.locator("form.sql select[name=series] option").count() == 2
    page.locator("form.sql select[name=to_year]").select_option("2021")
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_url("**to_year=2021*")
    assert page.locator("table.rows-and-columns tbody tr").count() == 59
    page.close()


# -- issue 25 in a browser: three layouts and two years ----------------------------------------
@pytest.fixture(scope="module")
def mixed_server(tmp_path_factory, expected):
    """Koganei's sample and a FY2021 report, four school sheets and the twelve 池田市 sheets."""
    from conftest import SHARED, need_shared

    real = SHARED / "corpus" / "real"
    need_shared(real)
    raw = tmp_path_factory.mktemp("mixed")
    pdfs = [*sample_and_next_year(raw, expected)]
    for pdf in [
        *sorted(real.glob("wakayama-kogyo-gakkohyoka-*.pdf")),
        *sorted((real / "ikeda").glob("*.pdf")),
    ]:
        shutil.copy(pdf, raw / pdf.name)
        pdfs.append(raw / pdf.name)
    result = build_database(pdfs, raw / "hyoka.db")
    assert len(result.loaded) == 18 and not result.failed
    with serving(raw / "hyoka.db") as base:
        yield base


def _legend(page) -> list[str]:
    return [p.inner_text() for p in page.locator(".hyoka-legend p.hyoka-scale").all()]


def test_each_layout_reads_its_own_scale_and_labels(mixed_server, browser) -> None:
    """Filtered to each layout, the legend shows that layout's scales only; the layout and
    change facets read in Japanese; the export links say they are for scripts."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(mixed_server + "/hyoka/evaluation_rows")
    everything = _legend(page)
    assert len(everything) >= 3 and any("未実施" in line for line in everything)
    layouts = page.locator(".facet-info[data-column=layout] li a").all_inner_texts()
    assert all(
        any(t.startswith(name) for t in layouts) for name in ("地域福祉計画 評価表", "事務事業評価シート")
    )
    changes = page.locator(".facet-info[data-column=change] li a").all_inner_texts()
    assert any(t.startswith("同じ") for t in changes) and not any(t.startswith("same") for t in changes)
    assert page.locator("p.export-links").inner_text().startswith("スクリプト用のデータ")
    for slug in ("koganei-welfare", "school-evaluation-sheet", "jimujigyo-sheet"):
        page.goto(mixed_server + f"/hyoka/evaluation_rows?layout={slug}")
        lines = _legend(page)
        assert lines and all(line in everything for line in lines), slug
        if slug == "koganei-welfare":
            assert len(lines) == 1 and "未実施" in lines[0]
        else:
            assert not any("未実施" in line for line in lines), slug
    page.goto(mixed_server + "/hyoka/rows_jimujigyo_sheet?_sort_desc=latest_costs")
    assert page.locator("input[name=_search]").count() == 1
    assert page.locator(".facet-info[data-column=direction]").count() == 1
    first = page.locator("table.rows-and-columns tbody tr").first
    assert "," in first.locator("td.col-latest_costs").inner_text()
    assert page.locator("th[data-column=latest_costs]").inner_text().startswith("直近の事業費（千円）")
    page.close()


def test_downgrades_charts_and_links_over_years(mixed_server, browser) -> None:
    """Downgrades open on the latest year; the charts have a panel per series; a page link
    opens a new tab."""
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(mixed_server + "/hyoka/downgrades")
    years = page.locator("table.rows-and-columns td.col-fiscal_year").all_inner_texts()
    assert years and set(years) == {"2021"}
    assert page.locator("form.sql select[name=year]").count() == 1
    page.goto(mixed_server + "/-/hyoka/graphs")
    assert page.locator("#chart-per-year").inner_text().count("件数") >= 3
    page.goto(mixed_server + "/hyoka/evaluation_rows?layout=jimujigyo-sheet")
    assert page.locator("a.hyoka-page").first.get_attribute("target") == "_blank"
    page.close()
