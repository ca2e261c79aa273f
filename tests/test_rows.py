"""The row reader on small hand-built pages: what it reads, and what it leaves as a problem.

Each page is a grid of ruled cells as grid.py would build it, read with the school layout:
text printed beside no rating, or above the header without being a declared heading, must
end up in a problem, never vanish; a layout whose patterns or roles do not fit is refused.
"""

from __future__ import annotations

import tomllib

import pytest
from pydantic import ValidationError

from extract.reading.layout import BUILTIN_DIR, detects, load_layout
from extract.reading.leftovers import Leftovers
from extract.reading.rows import RowReader
from schemas.grid import BBox, Cell, Char, PageGrid, Table, TextLine
from schemas.layout import RowLayout

COLUMNS = [(40, 80), (80, 300), (300, 340)]  # 番号 | 現状と課題 | 達成度


def _cell(row: int, col: int, text: str, rows: int = 1, cols: int = 1) -> Cell:
    x0, x1 = COLUMNS[col][0], COLUMNS[col + cols - 1][1]
    return Cell(row, col, rows, cols, BBox(x0, 100 + 20 * row, x1, 100 + 20 * (row + rows)), text)


def _page(cells: list[Cell]) -> PageGrid:
    rows = max(c.last_row for c in cells) + 1
    xs = sorted({x for span in COLUMNS for x in span})
    table = Table(BBox(40, 100, 340, 100 + 20 * rows), xs, [100 + 20 * r for r in range(rows + 1)], cells)
    return PageGrid(1, 842, 595, [table], [])


def _read(grid: PageGrid) -> tuple[list[dict], list[str]]:
    layout = load_layout("school-evaluation-sheet")
    reader, leftovers = RowReader(layout), Leftovers(layout.running_head, layout.boilerplate)
    leftovers.collect(grid, reader.read_page(grid))
    problems = [p.message for p in reader.problems + leftovers.problems()]
    return [e.model_dump() for e in reader.evaluations()], problems


HEADER = [_cell(1, 0, "番号"), _cell(1, 1, "現状と課題"), _cell(1, 2, "達成度")]
BODY = [_cell(2, 0, "１"), _cell(2, 1, "授業の充実"), _cell(2, 2, "Ａ")]


def test_a_plain_sheet_reads_without_problem() -> None:
    rows, problems = _read(_page([_cell(0, 0, "自己評価", cols=3), *HEADER, *BODY]))
    assert [(r["no"], r["goal"], r["rating"]) for r in rows] == [(1, "授業の充実", "A")]
    assert problems == []


def test_a_row_beside_no_rating_is_a_problem() -> None:
    rows, problems = _read(_page([*HEADER, *BODY, _cell(3, 0, "総合所見 全体として良好", cols=3)]))
    assert len(rows) == 1
    assert problems == ["cell outside every column: '総合所見 全体として良好'"]


def test_text_above_the_header_that_is_no_heading_is_a_problem() -> None:
    above = [_cell(0, 0, "記入者 山田"), _cell(0, 1, "提出日 4月1日")]
    rows, problems = _read(_page([*above, *HEADER, *BODY]))
    assert len(rows) == 1
    assert sorted(problems) == [
        "cell outside every column: '提出日 4月1日'",
        "cell outside every column: '記入者 山田'",
    ]


@pytest.mark.parametrize("head", ["評定", "判定結果"])
def test_a_rating_column_under_an_unlisted_header_is_taken_by_its_content(head: str) -> None:
    """達成度 printed as a header the layout does not list: its column of one rating letter
    per row is the rating column all the same, with a problem naming the header."""
    body = [*BODY, _cell(3, 0, "２"), _cell(3, 1, "進路指導"), _cell(3, 2, "Ｃ")]
    rows, problems = _read(_page([HEADER[0], HEADER[1], _cell(1, 2, head), *body]))
    assert [(r["no"], r["rating"]) for r in rows] == [(1, "A"), (2, "C")]
    assert problems == [
        f"達成度: the header {head!r} is none the layout lists; its column was taken by its "
        "content (one rating letter per row)"
    ]


@pytest.mark.parametrize("text", ["良好", "A 良好"])
def test_a_column_of_other_text_under_an_unlisted_header_is_no_rating(text: str) -> None:
    """Letters are the test: a column of words under an unknown header is no rating column,
    and then the table is not this layout's."""
    body = [*BODY[:2], _cell(2, 2, text)]
    rows, _ = _read(_page([HEADER[0], HEADER[1], _cell(1, 2, "評定"), *body]))
    assert rows == []


def _school(**change) -> dict:
    data = tomllib.loads((BUILTIN_DIR / "school-evaluation-sheet.toml").read_text(encoding="utf-8"))
    for key, value in change.items():
        data[key] = value
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"report": {"publisher": "学校名"}}, "report.publisher: '学校名' needs 1 group"),
        ({"boilerplate": ["(unclosed"]}, "boilerplate: '(unclosed' is not a regular expression"),
        (
            {
                "columns": [
                    {
                        "name": "Bad Name",
                        "label": "x",
                        "description": "x",
                        "header": ["x"],
                        "role": "rating",
                        "required": True,
                    }
                ]
            },
            "String should match pattern",
        ),  # fmt: skip
        (
            {
                "columns": [
                    {"name": "rating", "label": "x", "description": "x", "header": ["x"], "role": "rating"}
                ]
            },
            "needs a required column",
        ),  # fmt: skip
    ],
)
def test_a_layout_that_does_not_fit_is_refused(change: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RowLayout.model_validate(_school(**change))


def _free_line(text: str, top: float) -> TextLine:
    return TextLine(tuple(Char(ch, 40 + 10 * i, top, 50 + 10 * i, top + 10, 10) for i, ch in enumerate(text)))


@pytest.mark.parametrize(
    ("text", "top", "stray"),
    [
        ("評価表の報告(令和2年度実績報告)", 30, False),  # the report's title, once, above a table
        ("評価表の報告(令和2年度実績報告)", 300, True),  # the same words mid-page are text
        ("令和2年度 評価表の報告", 30, True),  # not opening with the title
        ("評価表の報告 注:数値は速報値", 30, True),  # opening with it, but a note
        ("評価表の報告 3頁", 30, False),  # the title and a page number
    ],
)
def test_the_reports_title_above_a_table_is_its_running_title(text: str, top: float, stray: bool) -> None:
    """Calc prints a sheet's title row once when the table fits on one page: no repeat to see."""
    leftovers = Leftovers()
    leftovers.collect(PageGrid(3, 842, 595, [], [_free_line(text, top)]), frozenset())
    assert bool(leftovers.problems("評価表の報告")) == stray
    assert len(leftovers.problems(None)) == 1


def test_a_table_run_onto_the_next_page_without_its_heads_is_read_on() -> None:
    """A word processor repeats a table's heading rows on the next page only if asked: a page
    right after the table's, whose table has its column rules and no header, continues it."""
    layout = load_layout("school-evaluation-sheet")
    reader = RowReader(layout)
    reader.read_page(_page([*HEADER, *BODY]))
    more = _page([_cell(0, 0, ""), _cell(0, 1, "を図る"), _cell(0, 2, ""), *_shift(BODY, "２", "Ｂ")])
    more.page_no = 2
    assert reader.read_continued(more) is not None
    rows = [(e.model_dump()["no"], e.model_dump()["rating"]) for e in reader.evaluations()]
    assert rows == [(1, "A"), (2, "B")] and reader.problems == []
    other = _page([*HEADER, *BODY])
    other.tables[0].xs = [40, 120, 340]  # other rules: another table, not this one run on
    other.page_no = 3
    assert reader.read_continued(other) is None
    later = _page([_cell(0, 1, "を図る")])
    later.page_no = 5  # not the next page
    assert reader.read_continued(later) is None


def _shift(cells: list[Cell], no: str, rating: str) -> list[Cell]:
    """BODY one row down, with another number and rating."""
    texts = {0: no, 2: rating}
    return [_cell(c.row - 1, c.col, texts.get(c.col, c.text)) for c in cells]


@pytest.mark.parametrize("head", ["番号", "No.", "Ｎｏ", "NO"])
def test_the_sheet_is_recognised_by_any_number_head_its_column_allows(head: str) -> None:
    """Detection asks for the number column's head in the words its header patterns accept."""
    layout = load_layout("school-evaluation-sheet")
    assert detects(layout, f"平成２７年度学校評価シート\n{head}\n現状と課題\n達成度")
    assert not detects(layout, "平成２７年度学校評価シート\n現状と課題\n達成度")
    for word in ("Note", "November", "NOTE"):  # a word that opens with the letters is no number head
        assert not detects(layout, f"平成２７年度学校評価シート\n{word}\n現状と課題\n達成度")


def test_headings_over_the_columns_stop_at_no_cell_beside_them() -> None:
    """A comment column whose head stands above the heading band and whose long text runs up
    beside it (two tables side by side, ruled as one grid): the headings over the named
    columns are still headings, not stray text."""

    def cell(row: int, x0: float, x1: float, text: str, rows: int = 1) -> Cell:
        col = [40, 80, 300, 340].index(x0)
        cols = [80, 300, 340, 440].index(x1) + 1 - col
        return Cell(row, col, rows, cols, BBox(x0, 100 + 20 * row, x1, 100 + 20 * (row + rows)), text)

    comment = "＜生徒評価＞肯定的評価は昨年度より向上した。工場見学や現場見学に行く機会が増えた。"
    cells = [
        cell(0, 40, 340, "自己評価"),
        cell(0, 340, 440, "学校関係者評価（２月８日実施）"),
        cell(1, 40, 340, "計画・取組"),
        cell(1, 340, 440, comment, rows=3),
        *(cell(2, x0, x1, t) for (x0, x1), t in zip(COLUMNS, ["番号", "現状と課題", "達成度"], strict=True)),
        *(cell(3, x0, x1, t) for (x0, x1), t in zip(COLUMNS, ["１", "授業の充実", "Ａ"], strict=True)),
    ]
    table = Table(BBox(40, 100, 440, 180), [40, 80, 300, 340, 440], [100, 120, 140, 160, 180], cells)
    rows, problems = _read(PageGrid(1, 842, 595, [table], []))
    assert [(r["no"], r["rating"]) for r in rows] == [(1, "A")]
    assert not any("自己評価" in p or "計画・取組" in p for p in problems), problems


def test_a_sheet_wide_comment_cut_by_a_page_break_goes_on_on_the_next_page() -> None:
    """The stakeholders' comment (one cell over every row) runs onto the next pages, with the
    heads repeated or not: each part is joined to the one before, not dropped or left stray."""
    xs = [40, 80, 300, 340, 440]
    heads = ["番号", "現状と課題", "達成度", "学校関係者からの意見・要望・評価等"]

    def page(no: int, texts: list[list[str]]) -> PageGrid:
        cells = [
            Cell(r, c, 1, 1, BBox(xs[c], 100 + 20 * r, xs[c + 1], 120 + 20 * r), t)
            for r, row in enumerate(texts)
            for c, t in enumerate(row)
        ]
        ys = [100 + 20 * r for r in range(len(texts) + 1)]
        return PageGrid(no, 842, 595, [Table(BBox(40, 100, 440, ys[-1]), xs, ys, cells)], [])

    reader = RowReader(load_layout("school-evaluation-sheet"))
    reader.read_page(page(1, [heads, ["１", "授業", "Ａ", "○一つ目の意見"]]))
    reader.read_page(page(2, [heads, ["２", "部活動", "Ｂ", "○二つ目の意見"]]))
    assert (
        reader.read_continued(page(3, [["", "を図る", "", "○三つ目の意見"]])) is not None
    )  # run on, no heads
    want = "○一つ目の意見\n○二つ目の意見\n○三つ目の意見"
    assert reader.sheets()[0].model_dump()["stakeholder_comment"] == want
    assert [e.model_dump()["no"] for e in reader.evaluations()] == [1, 2]


# Koganei's sheet: a 個別事業 title cut by a page break goes on at the top of the next page.
KOGANEI = [(20, 60), (60, 200), (200, 260), (260, 400), (400, 440), (440, 480), (480, 620)]
HEADS = (
    "施策",
    "【個別事業・取り組み】",
    "担当課",
    "事業実績",
    "前年度事業評価",
    "事業評価",
    "今後の事業計画・展望",
)


def _koganei_page(page_no: int, body: list[tuple[str, ...]], cut: bool) -> PageGrid:
    """The heads, then one rated row per tuple; ``cut``: the last row's title cell is cut."""
    cells = [_k(0, i, h) for i, h in enumerate(HEADS)]
    for r, texts in enumerate(body, 1):
        cells += [_k(r, i, t, cut and r == len(body) and i == 1) for i, t in enumerate(texts)]
    xs = sorted({x for span in KOGANEI for x in span})
    ys = [100 + 20 * r for r in range(len(body) + 2)]
    return PageGrid(page_no, 842, 595, [Table(BBox(20, 100, 620, ys[-1]), xs, ys, cells)], [])


def _k(row: int, col: int, text: str, cut: bool = False) -> Cell:
    x0, x1 = KOGANEI[col]
    return Cell(row, col, 1, 1, BBox(x0, 100 + 20 * row, x1, 120 + 20 * row), text, cut=cut)


@pytest.mark.parametrize("second_page", [2, 3])
def test_an_item_title_cut_by_a_page_break_goes_on_only_on_the_next_page(second_page: int) -> None:
    """The part on the next page joins the title, its 【新規】 mark included; a page later,
    the same text is no continuation (a page without the table may have come between)."""
    reader = RowReader(load_layout("koganei-welfare"))
    reader.read_page(
        _koganei_page(1, [("(1)", "①地域の見守り", "福祉課", "実績", "B", "A", "展望")], cut=True)
    )
    reader.read_page(
        _koganei_page(second_page, [("", "体制づくり【新規】", "介護課", "実績", "A", "A", "展望")], False)
    )
    rows = [e.model_dump() for e in reader.evaluations()]
    titles = [(r["initiative_no"], r["initiative_title"], r["is_new"]) for r in rows]
    if second_page == 2:
        assert titles == [(1, "地域の見守り体制づくり", True)] * 2
    else:
        assert titles[0] == (1, "地域の見守り", False)
