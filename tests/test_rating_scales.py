"""Issue 23: a rating scale is the layout's — its letters, best first — not A–D in Python.

What a rating cell may print, and which way is up, come from `scale.letters`: a layout
without them is refused, a cell or a form rating off the scale is a problem with its page,
and the order the layout gives decides `change` in the database and in `hyoka changes`.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_PDF, SHARED, need_shared
from sqlite_utils import Database

from extract.database.identity import ranked_change
from extract.database.load import ensure_views, load_report
from extract.reading.pipeline import extract_pdf
from extract.settings import ExtractSettings
from extract.site import charts
from extract.site.metadata import QUERIES
from extract.site.pages import merged_scales
from schemas.form import FormLayout
from schemas.layout import RowLayout
from schemas.report import Report

LAYOUTS = ROOT / "extract" / "layouts"
IKEDA_127 = SHARED / "corpus" / "real" / "ikeda" / "ikeda-r7-127.pdf"


def _layout(name: str) -> dict:
    return tomllib.loads((LAYOUTS / f"{name}.toml").read_text(encoding="utf-8"))


def _with_letters(tmp_path: Path, name: str, letters: list[str]) -> Path:
    """The shipped layout file with its scale's letters replaced (nothing else changed)."""
    text = (LAYOUTS / f"{name}.toml").read_text(encoding="utf-8")
    new, n = re.subn(r"^letters = \[.*\]$", f"letters = {letters!r}".replace("'", '"'), text, flags=re.M)
    assert n == 1
    path = tmp_path / f"{name}.toml"
    path.write_text(new, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("letters", "says"),
    [
        ([], "scale.letters: the ratings a row's rating cell may print"),
        (["A", "B", "A"], "a rating is given twice"),
        (["ａ", "B"], "write 'ａ' as 'A'"),
        (["A ", "B"], "is not a rating"),
        (["ABCD", "B"], "is not a rating"),
        (["A B", "C"], "is not a rating"),
        (["A", "-"], "is read as no rating"),
        (["A", "なし"], "is read as no rating"),
    ],
)
def test_a_row_layout_names_its_scale(letters: list[str], says: str) -> None:
    data = _layout("koganei-welfare")
    data["scale"]["letters"] = letters
    with pytest.raises(ValueError, match=re.escape(says)):
        RowLayout.model_validate(data)


def test_a_form_that_rates_names_its_scale_and_only_that() -> None:
    data = _layout("jimujigyo-sheet")
    del data["scale"]
    with pytest.raises(ValueError, match=r"\[\[ratings\]\] need scale.letters"):
        FormLayout.model_validate(data)
    data["scale"] = {"letters": ["A", "B"], "line": "^(A)(.+)$"}
    with pytest.raises(ValueError, match="scale takes letters only"):
        FormLayout.model_validate(data)
    assert FormLayout.model_validate({**data, "scale": {"letters": ["A", "B"]}}).scale.letters == ["A", "B"]


@pytest.mark.parametrize(
    ("before", "after", "letters", "change"),
    [
        ("B", "A", ["A", "B", "C", "D"], "up"),
        ("A", "B", ["A", "B", "C", "D"], "down"),
        ("B", "A", ["D", "C", "B", "A"], "down"),  # a scale whose best is D
        ("A", "S", ["S", "A", "B", "C"], "up"),  # S above A, though A < S as text
        ("○", "◎", ["◎", "○", "△"], "up"),
        ("B", "B", [], "same"),
        ("B", "E", ["A", "B", "C", "D"], "off scale"),
    ],
)
def test_up_and_down_follow_the_scale(before: str, after: str, letters: list[str], change: str) -> None:
    assert ranked_change(before, after, letters) == change


def _loaded(report: Report) -> Database:
    db = Database(memory=True)
    load_report(db, report)
    ensure_views(db)
    return db


def _changes(report: Report) -> dict[str, int]:
    rows = _loaded(report).query("select change, count(*) n from evaluations group by change")
    return {r["change"]: r["n"] for r in rows}


def _reversed(report: Report) -> Report:
    layout = report.layout.model_copy(update={"rating_letters": ["D", "C", "B", "A"]})
    return report.model_copy(update={"layout": layout})


def test_the_database_orders_changes_by_the_layout_scale(extracted: dict) -> None:
    """The sample's 前年度 → 今年度 changes, loaded as read and with the scale reversed: every up
    is a down and every down an up (nothing else moves), so the order is the layout's."""
    report = Report.model_validate(extracted)
    assert report.layout.rating_letters == ["A", "B", "C", "D"]
    as_read = _changes(report)
    flipped = _changes(_reversed(report))
    assert as_read["up"] > 0 and as_read["down"] > 0
    assert flipped == {**as_read, "up": as_read["down"], "down": as_read["up"]}


def test_a_rating_cell_off_the_layout_scale_is_a_problem(tmp_path: Path, extracted: dict) -> None:
    """Koganei's sample with a scale of B–D only: each A cell (this year's or the printed
    previous one) is a problem on its page, naming the scale; its row stays, without it."""
    layout = _with_letters(tmp_path, "koganei-welfare", ["B", "C", "D"])
    report = extract_pdf(SAMPLE_PDF, ExtractSettings(layout=str(layout)))
    a_cells = [e for e in extracted["evaluations"] for k in ("rating", "prev_rating") if e[k] == "A"]
    off = [p for p in report.problems if p.code == "unreadable_rating" and "'A'" in p.message]
    assert a_cells and len(off) == len(a_cells)
    assert all("B/C/D" in p.message and p.page for p in off)
    assert len(report.evaluations) == len(extracted["evaluations"])
    assert not [e for e in report.evaluations for k in ("rating", "prev_rating") if e.model_dump()[k] == "A"]


def test_a_form_rating_off_its_scale_is_a_problem(tmp_path: Path) -> None:
    """池田市 127 rates its 有効性 and 効率性 C: on a scale of A and B alone each is a problem
    and no value, and the 達成状況 (A) is read as before."""
    layout = _with_letters(tmp_path, "jimujigyo-sheet", ["A", "B"])
    report = extract_pdf(need_shared(IKEDA_127), ExtractSettings(layout=str(layout)))
    project = report.projects[0].model_dump()
    assert (project["achievement"], project["effectiveness"], project["efficiency"]) == ("A", None, None)
    off = [p.message for p in report.problems if "none of the scale's A/B" in p.message]
    assert len(off) == 2 and all("rates 'C'" in m for m in off)


def test_charts_colour_the_scale_they_are_given() -> None:
    """A chart's rating colours are the database's scale, best first, not a fixed A–D."""
    words = charts.Words(letters=["S", "A", "B"], rating="達成度", department="所管課")
    svg = charts.ratings_per_department(
        [{"department": "企画課", "rating": "S", "n": 2}, {"department": "企画課", "rating": None, "n": 1}],
        words,
    )
    assert ">S<" in svg and ">所管課<" in svg and ">達成度<" in svg and ">評価なし<" in svg
    # the best green, the worst red, one step between, and grey for no rating
    assert set(re.findall(r'fill="(#[0-9a-f]{6})"', svg)) == {"#1a9850", "#c7be60", "#d73027", "#bdbdbd"}


def test_the_worst_ratings_query_takes_the_last_letter_of_each_scale(extracted: dict) -> None:
    """The site's 最低評価の行: D rows of the sample as read; its A rows when its scale is D–A."""
    report = Report.model_validate(extracted)
    sql = QUERIES["worst_ratings"]["sql"]
    as_read = {r["rating"] for r in _loaded(report).query(sql)}
    reversed_rows = list(_loaded(_reversed(report)).query(sql))
    assert as_read == {"D"}
    assert {r["rating"] for r in reversed_rows} == {"A"}
    assert len(reversed_rows) == sum(e["rating"] == "A" for e in extracted["evaluations"])


@pytest.mark.parametrize(
    ("scales", "merged"),
    [
        ([["A", "B", "C", "D"]], ["A", "B", "C", "D"]),
        ([["A", "B", "C", "D"], ["S", "A", "B", "C"]], ["S", "A", "B", "C", "D"]),
        ([["A", "B", "C", "D", "E"], ["A", "B", "C", "D"]], ["A", "B", "C", "D", "E"]),
        ([["◎", "○", "△"], ["A", "B", "C"]], ["◎", "A", "○", "B", "△", "C"]),
    ],
)
def test_a_chart_of_several_scales_ranks_their_letters_together(scales: list, merged: list) -> None:
    """Reports of several layouts in one chart: a letter stands where its scales put it."""
    assert merged_scales(scales) == merged


def test_a_rating_on_no_scale_is_grey_in_a_chart() -> None:
    """A rating no scale lists (a JSON's) is drawn apart in grey, not as the worst."""
    scale = charts.rating_colour("評価", charts.Words(letters=["A", "B"], others=["X"]))["scale"]
    colour = dict(zip(scale["domain"], scale["range"], strict=True))
    assert colour == {"A": "#1a9850", "B": "#d73027", "X": "#bdbdbd", charts.NO_RATING: "#bdbdbd"}


def test_a_json_written_before_scales_keeps_the_order_it_had(extracted: dict) -> None:
    """A report JSON from before layouts named their letters (no rating_letters) loads with its
    ratings in text order, A before B, as hyoka ordered them then: the same changes."""
    report = Report.model_validate(extracted)
    older = report.model_copy(update={"layout": report.layout.model_copy(update={"rating_letters": []})})
    assert _changes(older) == _changes(report)
    assert json.loads(_loaded(older)["reports"].get(1)["rating_letters"]) == ["A", "B", "C", "D"]
