"""Printed lines -> cell text for forms typed in a word processor: breaks only where a paragraph starts.

A spreadsheet wraps greedily, so a line that ends early was broken by hand (``text.cell_text``).
A word processor's form is different: authors break lines by hand in mid-sentence to shape a
narrow cell, so a short line says nothing. What marks a new paragraph is visible: a line that
opens with a bullet (○ ・ → ① …), a heading in brackets (＜生徒評価＞) and the line after it, a
first line indented (字下げ) against the line before, a line back at the bullets' margin after
a bullet's hanging lines, a blank line, or a line ending a sentence (。 ）) that stops clearly
before the cell's right edge (its padding mirrored). Every other break is joined, with
nothing inserted, and a printed line's own leading and trailing spaces are dropped. In a cell
whose lines are centred, only bullets and headings start paragraphs (indent and length are
the centring's). A layout chooses this rule with ``text = "paragraphs"``.
"""

from __future__ import annotations

from extract.reading.text import line_text
from schemas.grid import BBox, Cell, PageGrid, TextLine

BULLETS = frozenset("○〇●◎・※→◆◇■□") | {chr(c) for c in range(0x2460, 0x2474)}  # ①-⑳
HEADINGS = {"＜": "＞", "<": ">", "【": "】", "〈": "〉", "《": "》", "［": "］", "＊": "＊"}
SENTENCE_ENDS = frozenset("。．）)？！?!")
_MARGIN = 0.5  # of a glyph's size: less is alignment noise, more is a visible indent or gap
_MAX_PAD = 6.0  # points: a cell's padding is no wider (more is a line indented)


def paragraph_text(lines: list[TextLine], bbox: BBox) -> str:
    """The text of a cell: its printed lines joined, a newline where a paragraph starts."""
    if not lines:
        return ""
    texts = [line_text(ln).strip(" \u3000") for ln in lines]
    right = _right_edge(lines, bbox)
    centred = _centred(lines, bbox)
    paragraphs = [texts[0]]
    bulleted = texts[0][:1] in BULLETS
    for i in range(1, len(lines)):
        if _starts_paragraph(lines[i - 1], texts[i - 1], lines[i], texts[i], right, centred, bulleted):
            paragraphs.append(texts[i])
            bulleted = texts[i][:1] in BULLETS
        else:
            paragraphs[-1] += texts[i]
    return "\n".join(p for p in paragraphs if p)


def _starts_paragraph(
    prev: TextLine, above: str, nxt: TextLine, text: str, right: float, centred: bool, bulleted: bool
) -> bool:
    if not (above and text) or text[0] in BULLETS or _heading(above) or _heading(text):
        return True
    if centred:
        return False
    size = nxt.chars[0].size
    blank = nxt.top - prev.bottom > 0.8 * size  # a blank line between
    indented = nxt.x0 - prev.x0 > _MARGIN * size and not bulleted  # a bullet's lines hang indented
    outdented = bulleted and prev.x0 - nxt.x0 > _MARGIN * size  # back to the bullets' margin, no bullet
    short = above[-1] in SENTENCE_ENDS and right - prev.x1 > _MARGIN * prev.chars[-1].size
    return blank or indented or outdented or short


def _right_edge(lines: list[TextLine], bbox: BBox) -> float:
    """Where a full line of the cell ends: its padding on the left, mirrored."""
    return bbox.x1 - min(max(min(ln.x0 for ln in lines) - bbox.x0, 0.0), _MAX_PAD)


def _heading(text: str) -> bool:
    """A line wholly in one pair of brackets: ＜保護者評価＞, 【成果】, ＊…＊."""
    close = HEADINGS.get(text[:1])
    return close is not None and len(text) > 2 and text.endswith(close)


def _centred(lines: list[TextLine], bbox: BBox) -> bool:
    """Lines of different starts whose middles all sit on the cell's middle."""
    if len(lines) < 2:
        return False
    size = lines[0].chars[0].size
    middle = (bbox.x0 + bbox.x1) / 2
    starts = [ln.x0 for ln in lines]
    return max(starts) - min(starts) > _MARGIN * size and all(
        abs((ln.x0 + ln.x1) / 2 - middle) <= _MARGIN * size for ln in lines
    )


def join_pages(first: str, first_cell: Cell | None, second: str, second_cell: Cell | None) -> str:
    """The two parts of a cell that a page break split, by the same rule as inside one cell."""
    if not (first and second and first_cell and second_cell and first_cell.lines and second_cell.lines):
        return "\n".join(t for t in (first, second) if t)
    prev, nxt = first_cell.lines[-1], second_cell.lines[0]
    pad = min(max(min(ln.x0 for ln in first_cell.lines) - first_cell.bbox.x0, 0.0), _MAX_PAD)
    above, bulleted = first.rsplit("\n", 1)[-1], first.rsplit("\n", 1)[-1][:1] in BULLETS
    if _starts_paragraph(
        prev, above, nxt, second.split("\n", 1)[0], first_cell.bbox.x1 - pad, False, bulleted
    ):
        return f"{first}\n{second}"
    return first + second


def retext(grid: PageGrid) -> None:
    """Every cell's text again by the paragraph rule."""
    for table in grid.tables:
        for cell in table.cells:
            cell.text = paragraph_text(cell.lines, cell.bbox)
