"""Printed lines -> cell text for forms typed in a word processor: a break where a paragraph starts.

A spreadsheet wraps greedily, so a line that ends early was broken by hand (``text.cell_text``).
A word processor's form is different: authors break lines by hand in mid-sentence to shape a
narrow cell, so a short line says nothing. What marks a new paragraph is visible: a line that
opens with a bullet (○ ・ → ① …) or a number ((1) １．); a heading in brackets (＜生徒評価＞) and
the line after it; a first line indented (字下げ) against the line before; a line back at the
bullets' margin after a bullet's hanging lines; a blank line; a line ending a sentence (。 ） 」)
that stops before the cell's right edge (its padding mirrored) with room for what the next
line starts with (a wrap would have put it there), or as full as the cell's fullest line (the
break tells nothing; a sentence's end there was most often typed), or that Word ended with a
printed space, or whose next line is set apart to the right (（７０％）). Every other break is
joined with nothing inserted (but a printed space where two Latin words meet), and a printed
line's own leading and trailing spaces are dropped. The characters are the text layer's: a
word processor positions text by tabs and alignment, so a gap with no space glyph is no
space. In a cell whose lines are centred, only bullets, headings and blank lines count
(indent and length are the centring's). A layout chooses this rule with ``text = "paragraphs"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from extract.reading.text import LATIN, NO_LINE_START, TextOf, cell_text, join_across, own_padding
from schemas.grid import BBox, Cell, Char, PageGrid, TextLine

BULLETS = frozenset("○〇●◎・※→◆◇■□") | {chr(c) for c in range(0x2460, 0x2474)}  # ①-⑳
HEADINGS = {"＜": "＞", "<": ">", "【": "】", "〈": "〉", "《": "》", "［": "］", "＊": "＊"}
SENTENCE_ENDS = frozenset("。．）)？！?!」』")
OPENING = frozenset("（(「『【［〔〈《｛{＜<")  # may not end a line: moves down with what follows
_WORD = re.compile(r"[A-Za-z0-9０-９Ａ-Ｚａ-ｚ.．,，%％]")
_MARGIN = 0.5  # of a glyph's size: less is alignment noise, more is a visible indent or gap
_STRETCHED = 1.1  # a line spread this much more than the cell's usual was justified
_FULL = 0.25  # of a glyph's size: a line ending this near the cell's fullest line is full
_FIT = 0.01  # of a glyph's size: a word fits the room left with this much overhang (rounding)
_NUMBERED = re.compile(r"([(（][0-9０-９]{1,2}[)）]|[0-9０-９]{1,2}[.．)）])[^0-9０-９.．,，%％]")


@dataclass(frozen=True)
class _Cell:
    """What the cues compare a line with: where the cell's full lines end, whether its lines
    are centred, and its usual spacing (the tightest gap between two of its lines)."""

    right: float
    centred: bool
    spacing: float
    pitch: float  # how far its lines' glyphs are usually spread (a character grid)
    fullest: float  # where its longest line's last glyph ends


def _measure(lines: list[TextLine], bbox: BBox) -> _Cell:
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:], strict=False)]
    stretches = sorted(s for s in map(_stretch, lines) if s is not None)
    pitch = stretches[len(stretches) // 2] if stretches else 1.0
    fullest = max((ink[-1].x1 for ink in map(_ink, lines) if ink), default=math.inf)
    return _Cell(_right_edge(lines, bbox), _centred(lines, bbox), min(gaps, default=0.0), pitch, fullest)


def paragraph_text(lines: list[TextLine], bbox: BBox, pad: float = 0.0) -> str:
    """The text of a cell: its printed lines joined, a newline where a paragraph starts.
    (``pad``, the table's padding, is not used: the cell's own is measured.)"""
    if not lines:
        return ""
    texts = ["".join(ch.text for ch in ln.chars).strip(" \u3000") for ln in lines]
    cell = _measure(lines, bbox)
    paragraphs = [texts[0]]
    for i in range(1, len(lines)):
        if _starts_paragraph(lines[i - 1], paragraphs[-1], lines[i], texts[i], cell):
            paragraphs.append(texts[i])
        else:
            paragraphs[-1] = _join(paragraphs[-1], texts[i], lines[i - 1], lines[i])
    return "\n".join(p for p in paragraphs if p)


def _starts_paragraph(prev: TextLine, paragraph: str, nxt: TextLine, text: str, cell: _Cell) -> bool:
    """Whether ``nxt`` (its text ``text``) opens a paragraph after ``prev``, the last line of
    ``paragraph`` so far."""
    above = paragraph.rsplit("\n", 1)[-1]
    if not (above and text) or _item_start(text) or _heading(above) or _heading(text):
        return True
    size = nxt.chars[0].size
    blank = nxt.top - prev.bottom > cell.spacing + 0.8 * size  # a blank line's more than usual
    if cell.centred:
        return blank
    bulleted = above[:1] in BULLETS  # a bullet's lines hang indented
    indented = _ink_x0(nxt) - _ink_x0(prev) > _MARGIN * size and not bulleted
    outdented = bulleted and _ink_x0(prev) - _ink_x0(nxt) > _MARGIN * size  # back at the bullets
    return blank or indented or outdented or _ends_short(prev, above, nxt, cell)


def _ends_short(prev: TextLine, above: str, nxt: TextLine, cell: _Cell) -> bool:
    """A line ending a sentence with room left for the next line's first unbreakable unit: a
    wrap would have put it there, so the author broke the line. A line spread wider than the
    cell's others was justified up to the edge (Word and Writer stretch a line before a typed
    line break): its room is measured from its glyphs set at the cell's usual pitch. A next
    line that starts right of where the paragraph's lines hang was set apart by hand."""
    ink = _ink(prev)
    if not ink or above[-1] not in SENTENCE_ENDS:
        return False
    size = ink[-1].size
    room = cell.right - ink[-1].x1
    if (_stretch(prev) or 1.0) > cell.pitch * _STRETCHED:  # spread out by justification
        room = cell.right - ink[0].x0 - _natural_width(ink) * cell.pitch
    if room <= _MARGIN * size:
        return False
    set_apart = _ink_x0(nxt) - _hang(prev) > _MARGIN * size  # (７０％) set to the right: typed
    marked = _space_at_end(prev)  # Word prints a typed break as a space: a wrap prints none
    # as full as the cell's fullest line, itself full (no room for a glyph): the break tells
    # nothing, and a sentence's end there was most often typed; a line that leaves more room
    # than that but not enough for the next unit was wrapped because of that unit
    full = cell.right - cell.fullest < size and cell.fullest - ink[-1].x1 <= _FULL * size
    return set_apart or marked or full or room >= _first_unit_width(nxt) - _FIT * size


def _space_at_end(line: TextLine) -> bool:
    """A line whose last glyph is a space printed after Japanese text."""
    ink = _ink(line)
    return bool(ink) and line.chars[-1].text.isspace() and not LATIN.match(ink[-1].text)


def _ink(line: TextLine) -> list[Char]:
    """A line's glyphs from its first printed one to its last (spaces around it dropped)."""
    marks = [i for i, ch in enumerate(line.chars) if not ch.text.isspace()]
    return line.chars[marks[0] : marks[-1] + 1] if marks else []


def _natural_width(chars: list[Char]) -> float:
    """The width of glyphs set side by side: each one's advance, no spacing added."""
    return sum(ch.x1 - ch.x0 for ch in chars)


def _stretch(line: TextLine) -> float | None:
    """How far a line's glyphs are spread: its printed width over its natural width."""
    ink = _ink(line)
    natural = _natural_width(ink)
    return (ink[-1].x1 - ink[0].x0) / natural if len(ink) > 1 and natural > 0 else None


def _first_unit_width(line: TextLine) -> float:
    """What a line break may not cut at the start of a line: an opening bracket with what
    follows it, a run of Latin letters or digits (with % ％ ．), and the closing punctuation
    after it (（８０％）, ICT, て、 move down as one)."""
    chars = _ink(line)
    if not chars:
        return 0.0
    end = 0
    while end + 1 < len(chars):
        here, after = chars[end].text, chars[end + 1].text
        glued = _WORD.match(here) and _WORD.match(after)
        if not (here in OPENING or after in NO_LINE_START or glued):
            break
        end += 1
    return chars[end].x1 - chars[0].x0


def _item_start(text: str) -> bool:
    """A line opening a list item: a bullet, or a number in brackets or before a stop ((1) １．)."""
    return text[0] in BULLETS or _NUMBERED.match(text) is not None


def _join(left: str, right: str, prev: TextLine, nxt: TextLine) -> str:
    """A hand-broken line joined to the one before: nothing inserted, but for a space printed
    where two Latin words meet (English wraps only at spaces)."""
    spaced = prev.chars[-1].text.isspace() or nxt.chars[0].text.isspace()
    if spaced and left and right and LATIN.match(left[-1]) and LATIN.match(right[0]):
        return f"{left} {right}"
    return left + right


def _hang(line: TextLine) -> float:
    """Where the lines after ``line`` start when they go on its paragraph: at its start, or
    after its bullet (a bullet's lines hang under the text)."""
    ink = [ch for ch in line.chars if not ch.text.isspace()]
    if len(ink) > 1 and ink[0].text in BULLETS:
        return ink[1].x0
    return _ink_x0(line)


def _ink_x0(line: TextLine) -> float:
    """Where a line's first printed glyph starts: an indent typed as spaces counts."""
    return next((ch.x0 for ch in line.chars if not ch.text.isspace()), line.x0)


def _right_edge(lines: list[TextLine], bbox: BBox) -> float:
    """Where a full line of the cell ends: its padding on the left, mirrored."""
    return bbox.x1 - own_padding(lines, bbox)


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
    """The two parts of a cell that a page break split, by the same rule as inside one cell
    (the page break is no blank line)."""
    if not (first and second and first_cell and second_cell and first_cell.lines and second_cell.lines):
        return "\n".join(t for t in (first, second) if t)
    prev, nxt = first_cell.lines[-1], second_cell.lines[0]
    cell = replace(_measure(first_cell.lines, first_cell.bbox), spacing=math.inf)
    head, _, rest = second.partition("\n")
    if _starts_paragraph(prev, first, nxt, head, cell):
        return f"{first}\n{second}"
    return _join(first, head, prev, nxt) + (f"\n{rest}" if rest else "")


def _retext(grid: PageGrid) -> PageGrid:
    """The page with every cell's text read again by the paragraph rule (the grid reads them
    as a spreadsheet wraps): new tables of new cells; the grid it was given is not changed."""
    tables = [
        replace(table, cells=[replace(c, text=paragraph_text(c.lines, c.bbox)) for c in table.cells])
        for table in grid.tables
    ]
    return replace(grid, tables=tables)


def _as_wrapped(grid: PageGrid) -> PageGrid:
    """The page as build_grid read it: a spreadsheet's wrap rule."""
    return grid


@dataclass(frozen=True)
class TextRule:
    """How a layout's cells become text: a cell's lines, a page's grid (a derived grid, the
    one given unchanged), a cell split by a page."""

    cell: TextOf
    grid: Callable[[PageGrid], PageGrid]
    across_pages: Callable[[str, Cell | None, str, Cell | None], str]


TEXT_RULES = {
    "wrap": TextRule(cell_text, _as_wrapped, join_across),  # build_grid's own
    "paragraphs": TextRule(paragraph_text, _retext, join_pages),
}
