"""Datasette over the built database: in-process for the API, search, queries and metadata;
`hyoka serve` as a process for what a user meets (any folder, busy port, missing PDFs)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlite_utils
from conftest import ROOT, SAMPLE_PDF, free_port, run_hyoka
from datasette.app import Datasette

from extract.build import build_database
from extract.serve import make_datasette
from extract.site.metadata import QUERIES, metadata


@pytest.fixture(scope="module")
def ds(built_db):
    return make_datasette(built_db, ROOT / "raw")


def get(ds, path: str, **params):
    return asyncio.run(ds.client.get(quote(path, safe="/.%?=&"), params=params or None))


def test_json_api_returns_the_58_rows(ds) -> None:
    rows = get(ds, "/hyoka/evaluation_rows.json", _shape="array", _size="max").json()
    assert len(rows) == 58
    assert {"fiscal_year", "change", "pdf_url", "initiative_title", "department"} <= rows[0].keys()


@pytest.mark.parametrize("term", ["防災", "避難所", "CoCoバス"])
def test_search_box_parameter_works_on_the_view(ds, term) -> None:
    rows = get(ds, "/hyoka/evaluation_rows.json", _search=term, _shape="array").json()
    assert rows and all(
        term.lower()
        in " ".join(
            str(r[k] or "")
            for k in (
                "initiative_title",
                "texts",
                "measure_title",
                "policy_title",
                "goal_title",
            )  # fmt: skip
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
    ds_rows = get(ds, "/hyoka/d_ratings.json", _shape="array").json()
    assert {r["rating"] for r in ds_rows} == {"D"}
    assert len(ds_rows) == sum(e["rating"] == "D" for e in expected["evaluations"])
    covid = get(ds, "/hyoka/covid_effects.json", _shape="array").json()
    assert covid and all(r["outlook_covid"] != "影響なし" or r["results_covid"] for r in covid)
    history = get(ds, "/hyoka/initiative_history.json", _shape="array", title="CoCoバス").json()
    assert [r["rating"] for r in history] == ["B"]
    spread = get(ds, "/hyoka/ratings_by_department.json", _shape="array").json()
    assert sum(r["rows"] for r in spread) == 58


def test_metadata_describes_tables_and_columns(ds) -> None:
    html = get(ds, "/hyoka/evaluation_rows").text
    assert "評価一覧" in html and "担当課" in html
    data = get(ds, "/-/metadata.json").json()
    tables = data["databases"]["hyoka"]["tables"]
    assert {
        "evaluation_rows",
        "evaluations",
        "comments",
        "reports",
        "policies",
        "measures",
        "initiatives",
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


def test_excel_csv_from_the_site(ds) -> None:
    resp = get(ds, "/-/hyoka/evaluation_rows.excel.csv")
    assert resp.status_code == 200
    body = resp.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 59 and rows[0][0] == "id"
    assert "防災" in text


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
    excel = get(renamed, "/-/anything/evaluation_rows.excel.csv")
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
    assert get(plain, "/-/plain/docs.excel.csv").status_code == 404


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
        "policies",
        "comments",
        "downgrades",
        "d_ratings",
        "initiative_history",
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
    before = sorted(p.name for p in db.parent.iterdir())
    with serving(db, cwd=elsewhere) as base:
        assert _status(base + "/pdfs/koganei-fy2020.pdf") == 200
        with urllib.request.urlopen(base + "/my~20reports/downgrades.json?_shape=array", timeout=10) as resp:
            assert len(json.load(resp)) == 6
    assert sorted(p.name for p in db.parent.iterdir()) == before
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
