"""The grid stage on hand-made pages: rules and glyphs in, cells and free text out."""

from __future__ import annotations

from extract.reading.grid import build_grid
from extract.reading.read import RawPage
from schemas.grid import Char


def _h(x0: float, x1: float, y: float) -> dict:
    return {"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0, "orientation": "h"}


def _v(x: float, top: float, bottom: float) -> dict:
    return {"x0": x, "x1": x, "top": top, "bottom": bottom, "width": 0.0, "height": bottom - top,
            "orientation": "v"}  # fmt: skip


def _word(text: str, x: float, top: float) -> list[Char]:
    return [Char(ch, x + 8 * i, top, x + 8 * (i + 1), top + 8, 8.0) for i, ch in enumerate(text)]


def _page(edges: list[dict], chars: list[Char]) -> RawPage:
    return RawPage(1, 600, 400, chars, edges)


def _broken_table(extra: list[dict]) -> list[dict]:
    """Columns at x 10 | 60 | 110 | 300; rows at y 20 | 40 | 120 | 200. The first two columns'
    merged cells run on past the page's end (y 200): no rule under them, their vertical rules
    stop at the height of the rule under the last row of the third column, as Calc prints it."""
    return [
        _h(10, 300, 20), _h(10, 300, 40), _h(110, 300, 120), _h(60, 300, 120), _h(110, 300, 200),
        _v(10, 20, 200), _v(60, 20, 200), _v(110, 20, 200.2), _v(300, 20, 200.2), *extra,
    ]  # fmt: skip


def test_cells_left_open_at_the_page_end_close_at_the_table_bottom() -> None:
    chars = _word("施策", 15, 130) + _word("事業名", 65, 130) + _word("担当", 115, 130)
    grid = build_grid(_page(_broken_table([]), chars))
    assert grid.free_lines == []
    (table,) = grid.tables
    texts = {c.text: (c.row, c.col, c.row_span, c.bbox.bottom, c.cut) for c in table.cells if c.text}
    # the cells the drawn rule closed go on on the next page (the row readers join them)
    assert texts == {
        "施策": (1, 0, 2, 200, True),
        "事業名": (2, 1, 1, 200, True),
        "担当": (2, 2, 1, 200, False),
    }


def test_an_open_cell_is_not_closed_across_a_rule_that_goes_on() -> None:
    """A vertical rule between the open cell and the table crossing the bottom's height (here
    the first column's, drawn on below the page's table) keeps the open cells open."""
    edges = [e for e in _broken_table([_v(60, 200, 260)]) if e["x0"] != 60 or e["orientation"] != "v"]
    edges.append(_v(60, 20, 260))
    chars = _word("施策", 15, 130)
    grid = build_grid(_page(edges, chars))
    assert [ln.text for ln in grid.free_lines] == ["施策"]


def test_a_rule_that_ends_elsewhere_closes_nothing() -> None:
    """Dangling vertical rules that stop short of the bottom rule's height are left alone."""
    edges = [e for e in _broken_table([]) if not (e["orientation"] == "v" and e["x0"] in (10, 60))]
    edges += [_v(10, 20, 180), _v(60, 20, 180)]
    grid = build_grid(_page(edges, _word("施策", 15, 130)))
    assert [ln.text for ln in grid.free_lines] == ["施策"]


def test_a_stroke_beside_the_table_is_not_joined_to_it() -> None:
    """A vertical stroke that ends level with the table's bottom, outside the table (no rule
    above crosses both it and the table), is not a cell left open: nothing is drawn to it."""
    edges = _broken_table([_v(350, 150, 200)])
    grid = build_grid(_page(edges, _word("施策", 15, 130) + _word("図", 320, 160)))
    (table,) = grid.tables
    assert (table.bbox.x0, table.bbox.x1) == (10, 300)
    assert [ln.text for ln in grid.free_lines] == ["図"]
