"""The front reader's rating scale on hand-made lines: a letter and its meaning in two cells."""

from __future__ import annotations

from extract.reading.front import FrontReader
from extract.reading.layout import load_layout
from schemas.grid import Char, PageGrid, TextLine


def _line(text: str, x0: float, top: float, size: float = 12.0) -> TextLine:
    return TextLine(
        tuple(
            Char(ch, x0 + size * i, top, x0 + size * (i + 1), top + size, size) for i, ch in enumerate(text)
        )
    )


def _scale(lines: list[TextLine]) -> dict[str, str]:
    reader = FrontReader(load_layout("koganei-welfare"))
    grid = PageGrid(2, 842, 595, [], lines)
    taken = reader.read_scale_page(grid)
    assert taken == {id(line) for line in lines}  # every line taken, as scale or note
    return reader.scale


def test_meaning_in_the_next_cell_of_the_row() -> None:
    """Calc prints A・・・ and its meaning in two cells; a wide gap splits the line in two."""
    lines = [
        _line("A・・・", 40, 50),
        _line("ほぼ達成した。", 120, 50),
        _line("B・・・ある程度達成した。", 40, 70),
    ]
    assert _scale(lines) == {"A": "ほぼ達成した。", "B": "ある程度達成した。"}


def test_two_scale_columns_are_not_joined() -> None:
    """Never another letter's meaning; a letter whose meaning is not found is no scale entry
    (its leaders are no meaning) but a note of the page, as printed."""
    lines = [_line("A・・・", 40, 50), _line("C・・・課題がある。", 300, 50)]
    reader = FrontReader(load_layout("koganei-welfare"))
    reader.read_scale_page(PageGrid(2, 842, 595, [], lines))
    assert reader.scale == {"C": "課題がある。"}
    assert reader.notes == ["A・・・"]
