"""A form sheet cut by page breaks, printed here as a PDF: a box and a table go on on the next page.

The sheet (a layout written by the test) runs over three pages. Its cost table fills page 1
and goes on at the top of page 2, under its header printed again or under none; its 事業内容
box fills the end of page 2 and goes on at the top of page 3, beside the blank part of its
label cell or beside nothing. A block (細目) cut by a page break keeps the rows of the next
page. Each is read whole, with no problem; a table on the next page that is another table is
not taken for the rest of the first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from form_pdf import Box, Page, draw, lines_height, rows, wrap

from extract.reading.pipeline import extract_pdf
from extract.settings import ExtractSettings

LAYOUT = """
name = "break-test"
kind = "form"
label = "試験評価シート"
description = "a sheet over three pages, cut by page breaks"
marks = ['○']
rating_pattern = '^(?P<letter>[A-D])(?P<label>.*)$'
ignore = ['^試験評価シート$']

[detect]
all = ['試験評価シート', '事業名']

[sheet]
start = ['^事業名$']

[years]
pattern = '(?P<era>R)?(?P<year>[0-9]{1,2})年度'
eras = { R = "令和" }
era = "令和"
kinds = ['決算', '予算']

[[report]]
name = "municipality"
label = "市"
description = "given"
constant = "試験市"

[[fields]]
name = "name"
label = "事業名"
description = "name"
labels = ['^事業名$']
required = true

[[fields]]
name = "purpose"
label = "目的"
description = "purpose"
labels = ['^目的$']

[[fields]]
name = "content"
label = "事業内容"
description = "content"
labels = ['^事業内容$']

[[fields]]
name = "issues"
label = "課題"
description = "issues"
labels = ['^課題$']

[[tables]]
name = "costs"
label = "経費"
description = "costs"
shape = "cells"
corner = '^区分$'
key = "item"
value = "amount"
type = "int"
remarks = "cost_remarks"
"""

LEFT, LABEL, RIGHT = 50.0, 150.0, 545.0
YEARS = [LABEL, 250.0, 350.0]
HEADER = ["区分", "4年度決算", "5年度決算"]
TITLE = (LEFT, 40.0, "試験評価シート")
CONTENT = (
    "市内の公共施設に設置された空調設備と照明設備を定期的に点検し、故障の予防と省エネルギー化を図る。"
    "あわせて利用者の安全を確保するため、非常用設備の作動確認を年二回実施し、結果を公表するものである。"
) * 2
PAGE1_ITEMS = 30  # cost rows on page 1, the rest on page 2
ITEMS = [f"経費{i}" for i in range(1, 36)]


def _costs(names: list[str], top: float, header: bool) -> list[Box]:
    texts = ([HEADER] if header else []) + [[n, f"{100 * ITEMS.index(n) + 1}", "7"] for n in names]
    return rows([LEFT, *YEARS, RIGHT], top, [t + [""] for t in texts])


def _sheet(path: Path, header_again: bool, label_part: bool) -> Path:
    lines = wrap(CONTENT, RIGHT - LABEL)
    cut = len(lines) - 2  # two lines go on on page 3
    page1 = Page(free=[TITLE])
    page1.boxes += rows([LEFT, LABEL, RIGHT], 70.0, [["事業名", "試験事業"]])
    page1.boxes += _costs(ITEMS[:PAGE1_ITEMS], 110.0, header=True)
    page2 = Page(free=[TITLE])
    page2.boxes += _costs(ITEMS[PAGE1_ITEMS:], 70.0, header=header_again)
    top = 70.0 + 20.0 * (len(ITEMS) - PAGE1_ITEMS + 2) + 30.0
    page2.boxes += rows([LEFT, LABEL, RIGHT], top, [["目的", "施設の維持"]])
    bottom = top + 20.0 + lines_height(cut)
    page2.boxes += [
        Box(LEFT, top + 20.0, LABEL, bottom, ["事業内容"]),
        Box(LABEL, top + 20.0, RIGHT, bottom, lines[:cut]),
    ]
    page3 = Page(free=[TITLE])
    rest = 70.0 + lines_height(2)
    if label_part:
        page3.boxes.append(Box(LEFT, 70.0, LABEL, rest))
    page3.boxes.append(Box(LABEL, 70.0, RIGHT, rest, lines[cut:]))
    page3.boxes += rows([LEFT, LABEL, RIGHT], rest, [["課題", "老朽化への対応"]])
    return draw([page1, page2, page3], path)


@pytest.fixture
def layout(tmp_path: Path) -> str:
    path = tmp_path / "break-test.toml"
    path.write_text(LAYOUT, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("header_again", [True, False], ids=["header-again", "no-header"])
@pytest.mark.parametrize("label_part", [True, False], ids=["blank-label-part", "no-label-part"])
def test_box_and_table_cut_by_page_breaks_are_joined(
    tmp_path: Path, layout: str, header_again: bool, label_part: bool
) -> None:
    pdf = _sheet(tmp_path / "sheet.pdf", header_again, label_part)
    report = extract_pdf(pdf, ExtractSettings(layout=layout))
    (project,) = report.projects
    assert project.pages == [1, 2, 3]  # type: ignore[attr-defined]
    assert project.content == CONTENT  # type: ignore[attr-defined]
    assert (project.purpose, project.issues) == ("施設の維持", "老朽化への対応")  # type: ignore[attr-defined]
    costs = {(c["item"], c["fiscal_year"], c["amount"]) for c in project.costs}  # type: ignore[attr-defined]
    want = {(n, 2022, 100 * i + 1) for i, n in enumerate(ITEMS)} | {(n, 2023, 7) for n in ITEMS}
    assert costs == want
    assert report.problems == []


def test_the_next_pages_table_of_other_years_is_not_the_rest(tmp_path: Path, layout: str) -> None:
    """A table on the next page under a header of other years is another table: the cost
    table ends on page 1, and the other table's text is a problem, not costs."""
    page1 = Page(free=[TITLE])
    page1.boxes += rows([LEFT, LABEL, RIGHT], 70.0, [["事業名", "試験事業"]])
    page1.boxes += _costs(ITEMS[:3], 110.0, header=True)
    page2 = Page(free=[TITLE])
    other = [["区分", "1年度決算", "2年度決算"], ["経費9", "5", "6"]]
    page2.boxes += rows([LEFT, *YEARS, RIGHT], 70.0, [t + [""] for t in other])
    report = extract_pdf(draw([page1, page2], tmp_path / "two.pdf"), ExtractSettings(layout=layout))
    (project,) = report.projects
    assert {c["item"] for c in project.costs} == set(ITEMS[:3])  # type: ignore[attr-defined]
    stray = [p for p in report.problems if "経費9" in p.message]
    assert stray and {p.page for p in stray} == {2}


BLOCKS = """
[[blocks]]
name = "parts"
label = "細目"
description = "parts"
start = ['^細目名$']
number = '^(?P<value>[0-9]+)$'

[[blocks.fields]]
name = "name"
label = "細目名"
description = "name"
labels = ['^細目名$']

[[blocks.fields]]
name = "volume"
label = "数量"
description = "volume"
labels = ['^数量$']
"""


def test_a_block_cut_by_a_page_break_keeps_its_rest(tmp_path: Path) -> None:
    """細目 1 ends page 1; its 数量 row is printed at the top of page 2, in a table ruled like
    it, before 細目 2 starts."""
    path = tmp_path / "blocks.toml"
    path.write_text(LAYOUT + BLOCKS, encoding="utf-8")
    x = [LEFT, 70.0, LABEL, RIGHT]
    page1 = Page(free=[TITLE])
    page1.boxes += rows([LEFT, LABEL, RIGHT], 70.0, [["事業名", "試験事業"]])
    page1.boxes += [Box(LEFT, 740.0, x[1], 760.0, ["1"])] + rows(x[1:], 740.0, [["細目名", "点検"]])
    page2 = Page(free=[TITLE])
    page2.boxes += [Box(LEFT, 70.0, x[1], 90.0)] + rows(x[1:], 70.0, [["数量", "12件"]])
    page2.boxes += [Box(LEFT, 110.0, x[1], 150.0, ["2"])]
    page2.boxes += rows(x[1:], 110.0, [["細目名", "清掃"], ["数量", "3件"]])
    report = extract_pdf(draw([page1, page2], tmp_path / "blocks.pdf"), ExtractSettings(layout=str(path)))
    (project,) = report.projects
    got = [(b["no"], b["name"], b["volume"], b["pages"]) for b in project.parts]  # type: ignore[attr-defined]
    assert got == [(1, "点検", "12件", [1, 2]), (2, "清掃", "3件", [2])]
    assert [p.message for p in report.problems if p.page == 2] == []


def test_text_in_an_amount_cell_is_a_remark(tmp_path: Path, layout: str) -> None:
    """A note printed in an amount cell is no amount: with the table's ``remarks`` it is listed
    with its row, year and kind (not a problem); the row's amounts are read as ever."""
    page = Page(free=[TITLE])
    page.boxes += rows([LEFT, LABEL, RIGHT], 70.0, [["事業名", "試験事業"]])
    costs = [HEADER, ["経費1", "100", "（再掲）"], ["経費2", "200", "7"]]
    page.boxes += rows([LEFT, *YEARS, RIGHT], 110.0, [t + [""] for t in costs])
    report = extract_pdf(draw([page], tmp_path / "remark.pdf"), ExtractSettings(layout=layout))
    (project,) = report.projects
    assert [(c["item"], c["fiscal_year"], c["amount"]) for c in project.costs] == [  # type: ignore[attr-defined]
        ("経費1", 2022, 100),
        ("経費2", 2022, 200),
        ("経費2", 2023, 7),
    ]
    remark = {"item": "経費1", "fiscal_year": 2023, "kind": "決算", "text": "（再掲）"}
    assert project.cost_remarks == [remark]  # type: ignore[attr-defined]
    assert not [p for p in report.problems if "amount" in p.message or "再掲" in p.message]


LINES_TABLE = """
[[tables]]
name = "results"
label = "実績"
description = "results: each indicator over two lines, by year"
shape = "lines"
corner = '^項目$'
key = "row"
value = "value"
"""
INDICATORS = [f"指標{i}" for i in range(1, 21)]
PAGE1_INDICATORS = 15


def _indicators(names: list[str], top: float, header: bool) -> list[Box]:
    """A row header over two slot rows per indicator (a line each), values by year."""
    boxes = rows([LEFT, *YEARS, RIGHT], top, [["項目", "4年度実績", "5年度実績", ""]]) if header else []
    top += 20.0 if header else 0.0
    for n in names:
        i = INDICATORS.index(n) + 1
        boxes.append(Box(LEFT, top, LABEL, top + 40.0, [n]))
        boxes += rows([*YEARS, RIGHT], top, [[f"{i}", f"{i}1", ""], [f"{i}2", f"{i}3", ""]])
        top += 40.0
    return boxes


@pytest.mark.parametrize("header_again", [True, False], ids=["header-again", "no-header"])
def test_a_lines_table_cut_by_a_page_break_goes_on(tmp_path: Path, header_again: bool) -> None:
    """A table of row headers over several lines (神戸市's 事業実績等) that fills page 1 goes on
    at the top of page 2, under its header printed again or under none: every line is read,
    in order, and nothing is left over."""
    path = tmp_path / "lines.toml"
    head = LAYOUT.split("[[tables]]")[0].replace("kinds = ['決算', '予算']", "kinds = ['実績']")
    path.write_text(head + LINES_TABLE, encoding="utf-8")
    page1 = Page(free=[TITLE])
    page1.boxes += rows([LEFT, LABEL, RIGHT], 70.0, [["事業名", "試験事業"]])
    page1.boxes += _indicators(INDICATORS[:PAGE1_INDICATORS], 110.0, header=True)
    page2 = Page(free=[TITLE])
    page2.boxes += _indicators(INDICATORS[PAGE1_INDICATORS:], 70.0, header=header_again)
    report = extract_pdf(draw([page1, page2], tmp_path / "lines.pdf"), ExtractSettings(layout=str(path)))
    (project,) = report.projects
    got = [
        (e["row"], e["line"], [(v["fiscal_year"], v["value"]) for v in e["values"]])
        for e in project.results  # type: ignore[attr-defined]
    ]
    want = [
        (n, line, [(2022, f"{i}{'' if line == 1 else 2}"), (2023, f"{i}{1 if line == 1 else 3}")])
        for i, n in enumerate(INDICATORS, 1)
        for line in (1, 2)
    ]
    assert got == want
    missing = [f"{name}: label not found" for name in ("目的", "事業内容", "課題")]  # not printed here
    assert [p.message for p in report.problems] == missing
