"""One database holding all three layouts: Koganei's table, four school years, 池田市's sheets.

The flat view spans them, each layout has its own view described from its file, the forms'
costs and indicators sit in their own tables, the layouts' canned queries answer what a
journalist asks, and every page of the site serves. The real PDFs are read from ../shared.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import SAMPLE_PDF, SHARED, need_shared

from extract.database.build import build_database
from extract.site.serve import make_datasette

REAL = SHARED / "corpus" / "real"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    need_shared(REAL)
    pdfs = [
        SAMPLE_PDF,
        *sorted(REAL.glob("wakayama-kogyo-gakkohyoka-*.pdf")),
        *sorted((REAL / "ikeda").glob("*.pdf")),
    ]
    path = tmp_path_factory.mktemp("three") / "three.db"
    result = build_database(pdfs, path)
    assert len(result.loaded) == 17 and not result.failed and not result.partial
    return path


def _rows(db: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _query(db: Path, name: str) -> list[sqlite3.Row]:
    (sql,) = _rows(db, f"select sql from layout_queries where name = '{name}'")[0]
    return _rows(db, sql)


def test_the_flat_view_spans_every_layout(db: Path) -> None:
    counts = {r[0]: r[1] for r in _rows(db, "select layout, count(*) from evaluation_rows group by layout")}
    assert counts == {"koganei-welfare": 58, "school-evaluation-sheet": 23, "jimujigyo-sheet": 12}
    project = _rows(db, "select * from evaluation_rows where layout = 'jimujigyo-sheet' and item_no = 127")[0]
    assert (project["title"], project["department"], project["rating"], project["direction"]) == (
        "幼稚園児童エンゼル補助金交付事業", "学務課", "A", "廃止",
    )  # fmt: skip
    assert project["municipality"] == "池田市" and project["pdf_url"] == "/pdfs/ikeda-r7-127.pdf#page=1"


def test_each_layout_has_its_own_view(db: Path) -> None:
    school = _rows(db, "select * from rows_school_evaluation_sheet where fiscal_year = 2022 order by id")
    assert len(school) == 12 and school[0]["no"] == 1 and school[0]["rating"] == "B"
    assert school[0]["stakeholder_comment"].startswith("＜生徒評価＞")
    sheet = _rows(db, "select * from rows_jimujigyo_sheet where no = 127")[0]
    assert (sheet["achievement"], sheet["effectiveness"], sheet["efficiency"]) == ("A", "C", "C")
    assert _rows(db, "select count(*) from rows_koganei_welfare where results_covid is not null")[0][0] > 0


def test_each_row_is_stored_once_and_read_back_whole(db: Path) -> None:
    """evaluations holds a row once (shared columns + the other fields as JSON); the layout's
    view gives back every field of every record as extracted, and evaluation_rows its texts
    (the layout's text fields in its order, one per line)."""
    from extract.reading.pipeline import extract_pdf

    for (file,) in _rows(db, "select file from reports order by file"):
        report = extract_pdf((REAL / "ikeda" if file.startswith("ikeda") else REAL).joinpath(file)
                             if file != SAMPLE_PDF.name else SAMPLE_PDF)  # fmt: skip
        tables = {t.name for t in report.layout.tables}
        records = [e.model_dump() for e in report.evaluations] + [
            p.model_dump(exclude=tables) for p in report.projects
        ]
        view = "rows_" + report.layout.name.replace("-", "_")
        rows = _rows(db, f"select * from {view} where source_file = '{file}' order by id")
        flat = _rows(db, f"select texts from evaluation_rows where source_file = '{file}' order by id")
        assert len(rows) == len(records) == len(flat), file
        texts = [f.name for f in report.layout.fields if f.role == "text"]
        for record, row, (joined,) in zip(records, rows, flat, strict=True):
            for f in (f for f in report.layout.fields if f.role != "latest"):  # latest: the view's own
                value = record.get(f.name)
                stored = json.loads(row[f.name]) if isinstance(value, list) else row[f.name]
                assert stored == (int(value) if isinstance(value, bool) else value), (file, f.name)
            labels = {f.name: f.label for f in report.layout.fields}
            expected = "\n".join(
                f"{labels[k]}：{record[k]}" for k in texts if isinstance(record.get(k), str) and record[k]
            )
            assert joined == (expected or None), file


def test_costs_and_indicators_by_year(db: Path) -> None:
    costs = _rows(
        db,
        """select c.fiscal_year, c.kind, c.amount from costs c join rows_jimujigyo_sheet v
        on v.id = c.evaluation_id where v.no = 127 and c.item = '事業費' order by c.fiscal_year, c.kind""",
    )
    assert [tuple(r) for r in costs] == [(2024, "予算", 297), (2024, "決算", 168)]
    values = _rows(
        db,
        """select i.fiscal_year, i.kind, i.value from indicators i join rows_jimujigyo_sheet v
        on v.id = i.evaluation_id where v.no = 127 order by i.fiscal_year, i.kind""",
    )
    assert [tuple(r) for r in values] == [
        (2023, "実績", "0"),
        (2024, "実績", "4"),
        (2024, "見込", "6"),
        (2027, "見込", "-"),
    ]


def test_the_layouts_canned_queries(db: Path) -> None:
    cut = _query(db, "projects_to_cut")
    assert {(r["no"], r["direction"]) for r in cut} == {
        (127, "廃止"),
        (280, "縮小"),
        (315, "廃止"),
        (369, "縮小"),
    }
    assert (
        cut[0]["no"] == 369 and cut[0]["latest_cost"] == 63744 and cut[0]["latest_cost_year"] == "2024 決算"
    )
    assert {r["no"] for r in _query(db, "projects_rated_c")} == {127, 154, 280}
    by_department = _query(db, "cost_by_department")
    assert sum(
        r["total_cost"] for r in by_department if (r["fiscal_year"], r["kind"]) == (2024, "決算")
    ) == sum(
        r[0]
        for r in _rows(
            db, "select amount from costs where item = '事業費' and fiscal_year = 2024 and kind = '決算'"
        )
    )
    assert _query(db, "covid_effects")


def test_every_page_of_the_site_serves(db: Path) -> None:
    ds = make_datasette(db, None)

    def status(path: str) -> int:
        return asyncio.run(ds.client.get(quote(path, safe="/.%?=&"))).status_code

    name = db.stem
    tables = [
        r[0]
        for r in _rows(
            db, "select name from sqlite_master where type in ('table', 'view') and name not like '%fts%'"
        )
    ]
    queries = [r[0] for r in _rows(db, "select name from layout_queries")]
    paths = [
        "/",
        f"/{name}",
        f"/-/{name}/graphs",
        *(f"/{name}/{t}" for t in tables),
        *(f"/{name}/{q}" for q in queries),
    ]
    paths.append(f"/-/{name}/history?evaluation=1")
    assert {p: status(p) for p in paths} == {p: 200 for p in paths}


def test_pdfs_read_from_several_folders_are_served(db: Path) -> None:
    """The build read the sample from raw/ and the others from ../shared: each report's PDF is
    served from where it was read, and each row links its page; nothing else of those folders."""
    ds = make_datasette(db, None)

    def get(path: str):
        return asyncio.run(ds.client.get(quote(path, safe="/.%?=&")))

    files = [r[0] for r in _rows(db, "select file from reports order by file")]
    assert len({r[0] for r in _rows(db, "select folder from reports")}) == 3  # raw/, real/, real/ikeda/
    for name in files:
        pdf = get(f"/pdfs/{name}")
        assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-", name
    html = get(f"/{db.stem}/evaluation_rows?_size=max").text
    rows = _rows(db, "select count(*) from evaluations")[0][0]
    assert html.count('class="hyoka-page" href="/pdfs/') == rows
    for other in ("/pdfs/identity.toml", "/pdfs/pyproject.toml", "/pdfs/MANIFEST.md"):
        assert get(other).status_code == 404


def test_each_rating_means_what_its_own_report_says(db: Path) -> None:
    """Issue 25: a rating's tooltip and the legend come from the row's own report (and, on a
    form with several axes, from that axis's printed meanings), never from the latest report."""
    ds = make_datasette(db, None)

    def page(path: str, **params: str) -> str:
        resp = asyncio.run(ds.client.get(path, params=params or None))
        assert resp.status_code == 200, path
        return resp.text

    scale = {
        (r["layout"], r["axis"], r["code"]): r["description"]
        for r in _rows(db, "select r.layout, s.axis, s.code, s.description from rating_scale s "
                           "join reports r on r.id = s.report_id")
    }  # fmt: skip
    koganei_d = scale[("koganei-welfare", None, "D")]
    school_d = {
        v for (layout, _, code), v in scale.items() if layout == "school-evaluation-sheet" and code == "D"
    }
    assert koganei_d == "未実施" and school_d and koganei_d not in school_d
    html = page("/three/evaluation_rows", layout="koganei-welfare", rating="D")
    assert f'title="D: {koganei_d}"' in html
    legend = html.split('class="hyoka-legend"')[1].split("</div>")[0]
    assert legend.count('class="hyoka-scale"') == 1 and koganei_d in legend
    assert not any(d in legend for d in school_d)
    koganei_b = scale[("koganei-welfare", None, "B")]
    school_b = {
        v for (layout, _, code), v in scale.items() if layout == "school-evaluation-sheet" and code == "B"
    }
    school = page("/three/evaluation_rows", layout="school-evaluation-sheet", rating="B")
    assert any(f'title="B: {b}"' in school for b in school_b) and f'title="B: {koganei_b}"' not in school
    # 池田市: each axis's letter means what its sheets print beside it (C: 判断できない on one axis)
    projects = json.loads(page("/three/rows_jimujigyo_sheet.json", _shape="array", _size="max"))
    form = page("/three/rows_jimujigyo_sheet", _size="max")
    for p in projects:
        assert f'title="{p["achievement"]}: {p["achievement_label"]}"' in form
    everything = page("/three/evaluation_rows").split('class="hyoka-legend"')[1].split("</div>")[0]
    assert everything.count('class="hyoka-scale"') >= 3 and "小金井市" in everything


def test_a_forms_view_is_searched_and_faceted_by_its_roles(db: Path) -> None:
    """Issue 25: every layout's view has the search box, facets on its roles (department, each
    rating axis, direction) and the description its layout file gives; a form's table names
    each row's project, not an id."""
    ds = make_datasette(db, None)

    def get(path: str, **params: str):
        resp = asyncio.run(ds.client.get(path, params=params or None))
        assert resp.status_code == 200, path
        return resp

    tables = get("/-/metadata.json").json()["databases"]["three"]["tables"]
    view = tables["rows_jimujigyo_sheet"]
    assert view["fts_table"] == "evaluation_rows_fts"
    assert {"department", "achievement", "effectiveness", "efficiency", "direction"} <= set(view["facets"])
    assert view["description"].startswith("事務事業評価シート")
    every = get("/three/rows_jimujigyo_sheet.json", _shape="array", _size="max").json()
    (word,) = {p["name"][:2] for p in every if p["no"] == 127}
    found = get("/three/rows_jimujigyo_sheet.json", _shape="array", _search=word).json()
    assert found and all(word in p["name"] or word in json.dumps(p, ensure_ascii=False) for p in found)
    assert len(found) < len(every)
    html = get("/three/rows_jimujigyo_sheet").text
    assert 'name="_search"' in html and 'data-column="direction"' in html
    (cost,) = get("/three/costs.json", _shape="array", _size="1", _labels="on").json()
    names = {p["id"]: p["name"] for p in every}
    assert cost["evaluation_id"] == {
        "value": cost["evaluation_id"]["value"],
        "label": names[cost["evaluation_id"]["value"]],
    }


def test_money_reads_with_separators_and_its_unit(db: Path) -> None:
    """Issue 25: a layout's money column (unit = "千円") shows 13,834 and says 千円 in its
    heading, on the page and in the Excel download; the stored value stays a number."""
    ds = make_datasette(db, None)

    def get(path: str, **params: str):
        resp = asyncio.run(ds.client.get(path, params=params or None))
        assert resp.status_code == 200, path
        return resp

    (big,) = get("/three/costs.json", _shape="array", _sort_desc="amount", _size="1").json()
    assert isinstance(big["amount"], int) and big["amount"] >= 1000
    html = get("/three/costs", _sort_desc="amount").text
    assert f'<span class="hyoka-money">{big["amount"]:,}</span>' in html
    labels = json.loads(html.split('id="hyoka-labels">')[1].split("</script>")[0])
    assert labels["amount"] == "事業費等（千円）"
    excel = get("/-/excel/three/costs.csv", _sort_desc="amount").content.decode("utf-8-sig")
    heading, first = excel.splitlines()[:2]
    assert "事業費等（千円）" in heading.split(",") and str(big["amount"]) in first.split(",")


def test_charts_give_each_publisher_its_own_panel(db: Path) -> None:
    """Issue 25: a panel per series with its own count axis and its rating's own name (達成度 for
    the school), no 担当課なし bar for forms that name no department."""
    ds = make_datasette(db, None)
    html = asyncio.run(ds.client.get("/-/three/graphs")).text
    per_year = html.split('id="chart-per-year"')[1].split('class="hyoka-chart"')[0]
    school_axis = _rows(
        db, "select label from layout_fields where layout = 'school-evaluation-sheet' and role = 'rating'"
    )
    assert "（事業評価）" in per_year and f"（{school_axis[0][0]}）" in per_year
    series = _rows(db, "select count(distinct series) from reports")[0][0]
    assert series >= 3 and per_year.count(">件数<") == series  # one count axis per panel
    assert "担当課なし" not in html


def test_a_forms_view_sorts_by_its_latest_cost(db: Path) -> None:
    """Issue 25: the form's view has the latest 事業費 (settled, else budget, of the latest
    year) beside each project's name, to sort by; it equals the costs table's own figure."""
    rows = _rows(db, "select id, name, latest_costs from rows_jimujigyo_sheet order by latest_costs desc")
    assert rows[0]["latest_costs"] >= rows[-1]["latest_costs"] and all(r["latest_costs"] for r in rows)
    for r in rows:
        (want,) = _rows(
            db,
            f"select amount from costs where evaluation_id = {r['id']} and item = '事業費' "
            "order by fiscal_year desc, kind = '決算' desc limit 1",
        )
        assert r["latest_costs"] == want[0], r["name"]
    labels = {
        r[0]: r[1]
        for r in _rows(db, "select name, label from layout_fields where layout = 'jimujigyo-sheet'")
    }
    assert labels["latest_costs"] == "直近の事業費（千円）"
    ds = make_datasette(db, None)
    html = asyncio.run(
        ds.client.get("/three/rows_jimujigyo_sheet", params={"_sort_desc": "latest_costs"})
    ).text
    assert f'<span class="hyoka-money">{rows[0]["latest_costs"]:,}</span>' in html
