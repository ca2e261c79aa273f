"""Datasette over the built database, in-process (no port): API, search, queries, metadata."""

from __future__ import annotations

import asyncio
import csv
import io
from urllib.parse import quote

import pytest
from conftest import ROOT
from datasette.app import Datasette

from extract.serve import QUERIES, column_docs, metadata


@pytest.fixture(scope="module")
def ds(built_db):
    return Datasette(
        immutables=[str(built_db)],
        metadata=metadata(),
        static_mounts=[("pdfs", str(ROOT / "raw"))],
    )


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
            for k in ("initiative_title", "results", "outlook", "outlook_covid", "results_covid")
        ).lower()
        for r in rows
    )


def test_every_canned_query_runs(ds, expected) -> None:
    for name, query in QUERIES.items():
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
    docs = column_docs()
    for table, conf in tables.items():
        for column in conf.get("columns", {}):
            assert docs[column], (table, column)


def test_every_view_column_is_described(ds) -> None:
    cols = get(ds, "/hyoka/evaluation_rows.json", _size=1).json()["columns"]
    described = metadata()["databases"]["hyoka"]["tables"]["evaluation_rows"]["columns"]
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


def test_every_column_of_every_table_and_view_is_described(ds) -> None:
    tables = metadata()["databases"]["hyoka"]["tables"]
    names = get(ds, "/hyoka.json").json()
    listed = [t["name"] for t in names["tables"] if not t["hidden"]] + [v["name"] for v in names["views"]]
    assert listed
    for name in listed:
        columns = get(ds, f"/hyoka/{name}.json", _size=0).json()["columns"]
        described = tables.get(name, {}).get("columns", {})
        missing = [c for c in columns if c not in described and c != "rowid"]
        assert not missing, (name, missing)
