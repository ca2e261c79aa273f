"""A real browser against `hyoka serve`: search 福祉, facet by rating, follow a page link.

The test starts the server itself on a free loopback port and drives Debian's Chromium
through Playwright. Without the browser it fails: CI installs it (scripts/system-deps.sh).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import SAMPLE_PDF, free_port
from playwright.sync_api import sync_playwright
from render import Variant, render_report
from test_load import searched_text

from extract.build import build_database
from extract.site.metadata import QUERIES

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@contextmanager
def serving(db: Path):
    """`hyoka serve` on a free loopback port, until the block ends."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "extract",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--raw",
            str(db.parent),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"hyoka serve did not start: {proc.stderr.read().decode()[-500:]}")
            time.sleep(0.2)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    raw = tmp_path_factory.mktemp("site")
    shutil.copy(SAMPLE_PDF, raw / SAMPLE_PDF.name)
    assert build_database([raw / SAMPLE_PDF.name], raw / "hyoka.db").loaded
    with serving(raw / "hyoka.db") as base:
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
    assert f"{len(want)} rows" in page.inner_text("h3")

    page.locator(".facet-info[data-column=rating] a", has_text="D").first.click()
    page.wait_for_url("**rating=D*")
    rows = _rows(page)
    assert sorted(r["initiative_title"] for r in rows) == sorted(e["initiative_title"] for e in want_d)
    assert {r["rating"] for r in rows} == {"D"}

    link = page.locator("a.hyoka-page").first
    href = link.get_attribute("href")
    assert href.startswith("/pdfs/koganei-fy2020.pdf#page=")
    with page.expect_response("**/pdfs/koganei-fy2020.pdf") as response:
        link.click()
    assert response.value.status == 200
    assert response.value.url.endswith("/pdfs/koganei-fy2020.pdf")
    page.wait_for_url("**/pdfs/koganei-fy2020.pdf#page=*")
    assert page.url == server + href
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
