"""Glyphs -> lines -> cell text: tell a wrapped line from a paragraph break by geometry.

A spreadsheet wraps a cell's text greedily: a line ends early only when the next word does
not fit. So if the first word of the next line would have fitted in the room left on this
line, the break was typed by the author (a paragraph); otherwise it is a wrap and the lines
are joined, without a space between Japanese characters and with one between Latin words.

Two habits of spreadsheet wrapping matter here. A space at which the text wraps stays at the
end of the upper line (it may hang past the cell's padding), so a printed trailing space is
part of the text. And a Latin word is not split from the Japanese punctuation just before it
(``て、DET`` moves as one unit), so the first word of the next line includes it.

A line that is full and ends where a sentence ends looks the same whether the author typed a
break there or the text wrapped: the page does not say, and a wrap is assumed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import attrgetter, itemgetter

from schemas.grid import BBox, Cell, Char, TextLine

# A cell's text from its printed lines, its box and its table's padding: a layout's rule.
TextOf = Callable[[list[TextLine], BBox, float], str]

# Characters a Japanese line may not start with (行頭禁則): a line starting with one is a wrap.
NO_LINE_START = set(
    "、。，．,.）)］]｝}」』】〕〉》・：:；;！!？?ー～ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々"
)
_WORDISH = re.compile(r"[A-Za-z0-9０-９Ａ-Ｚａ-ｚ.,:;/%&+\-_'\"()#@]")
LATIN = re.compile(r"[A-Za-z0-9]")  # where two words meet, a wrap took a space
_LINE_TOLERANCE = 0.45  # fraction of the glyph size two glyphs' centres may differ and share a line
_COLUMN_GAP = 2.5  # free text: a gap this many glyph sizes wide separates two columns
SPACE_GAP = 0.3  # a gap this many glyph sizes wide with no space glyph reads as a space
# A spreadsheet wraps as soon as the glyph would touch the padding, measured in its own units:
# LibreOffice Calc wraps glyphs that the printed page shows fitting by up to 3 % of their size
# (its layout rounds positions and widths before it scales the print). A word fits only with
# this much to spare.
_FIT_SLACK = 0.04


def group_lines(chars: list[Char], split_gaps: bool = False) -> list[TextLine]:
    """Cluster glyphs into lines (top to bottom, left to right), dropping fake-bold doubles."""
    if not chars:
        return []
    lines: list[list[Char]] = []
    last: list[Char] = []
    total = 0.0  # the sum of the centres of the last line's glyphs, kept as the line grows
    floor = 1.0  # the size of the last line's first glyph, at least 1 point
    for cy, _, ch in sorted(_placed(chars), key=itemgetter(0, 1)):  # by centre, then x (stable)
        if last and abs(cy - total / len(last)) <= _LINE_TOLERANCE * max(ch.size, floor):
            last.append(ch)
            total += cy
            continue
        last = [ch]
        lines.append(last)
        total, floor = cy, max(ch.size, 1.0)
    out: list[TextLine] = []
    for line in lines:
        line.sort(key=attrgetter("x0"))
        for part in _split_columns(line) if split_gaps else [line]:
            if any(c.text and not c.text.isspace() for c in part):  # not blanks only
                out.append(TextLine(tuple(part)))
    out.sort(key=lambda ln: (round(ln.top, 0), ln.x0))
    return out


def _placed(chars: list[Char]) -> list[tuple[float, float, Char]]:
    """Each glyph with its centre's height and its left edge, fake-bold doubles (the same
    glyph printed again at the same place, to the half point) left out."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for ch in chars:
        key = (ch.text, round(ch.x0 * 2), round(ch.top * 2))
        if key not in seen:
            seen.add(key)
            out.append(((ch.top + ch.bottom) / 2, ch.x0, ch))
    return out


def _split_columns(line: list[Char]) -> list[list[Char]]:
    parts = [[line[0]]]
    for prev, ch in zip(line, line[1:], strict=False):
        if ch.x0 - prev.x1 > _COLUMN_GAP * max(ch.size, 1.0):
            parts.append([ch])
        else:
            parts[-1].append(ch)
    return parts


def line_text(line: TextLine) -> str:
    """A line's text, with a space where glyphs stand apart and no space glyph was printed."""
    out: list[str] = []
    prev: Char | None = None
    for ch in line.chars:
        if (
            prev is not None
            and ch.x0 - prev.x1 > SPACE_GAP * max(ch.size, 1.0)
            and not prev.text.isspace()
            and not ch.text.isspace()
        ):
            out.append(" ")
        out.append(ch.text)
        prev = ch
    return "".join(out).strip(" ")


def cell_text(lines: list[TextLine], bbox: BBox, pad: float) -> str:
    """The text of a cell: wrapped lines joined, paragraph breaks kept as newlines."""
    if not lines:
        return ""
    inner = bbox.width - 2 * pad
    paragraphs: list[str] = [line_text(lines[0])]
    for prev, nxt in zip(lines, lines[1:], strict=False):
        text = line_text(nxt)
        if is_paragraph_break(prev, nxt, inner):
            paragraphs.append(text)
        else:
            paragraphs[-1] = join_wrapped(paragraphs[-1], text, _space_at_wrap(prev, nxt))
    return "\n".join(p for p in paragraphs if p)


def join_across(first: str, first_cell: Cell | None, second: str, second_cell: Cell | None) -> str:
    """The two parts of a cell that a page break split: joined as a wrap or kept apart as a
    typed break, by the same rule as the lines inside one cell."""
    if not (first and second and first_cell and second_cell and first_cell.lines and second_cell.lines):
        return "\n".join(t for t in (first, second) if t)
    prev, nxt = first_cell.lines[-1], second_cell.lines[0]
    pad = own_padding(first_cell.lines, first_cell.bbox)
    if is_paragraph_break(prev, nxt, first_cell.bbox.width - 2 * pad):
        return f"{first}\n{second}"
    return join_wrapped(first, second, _space_at_wrap(prev, nxt))


def own_padding(lines: list[TextLine], bbox: BBox) -> float:
    """A cell's left padding as its lines show it (at most 6 points: more is a line indented)."""
    return min(max(min(ln.x0 for ln in lines) - bbox.x0, 0.0), 6.0)


def _space_at_wrap(prev: TextLine, nxt: TextLine) -> bool:
    """True when a space glyph is printed where the line wrapped: after the upper line's last
    glyph, or before the lower line's first. line_text strips both; the text had one."""
    return prev.chars[-1].text == " " or nxt.chars[0].text == " "


def join_wrapped(left: str, right: str, printed_space: bool = False) -> str:
    """Join a wrapped line to the one before it.

    The wrap swallowed a space when one was printed at the end of the upper line, or when
    two Latin words meet (the spreadsheet breaks Latin text only at spaces).
    """
    if not (left and right):
        return left + right
    if printed_space or (LATIN.match(left[-1]) and LATIN.match(right[0])):
        return f"{left} {right}"
    return left + right


def is_paragraph_break(prev: TextLine, nxt: TextLine, inner_width: float) -> bool:
    """True when the next line's first word would have fitted on ``prev``: a typed break."""
    chars = [c for c in nxt.chars if not c.text.isspace()]
    if not chars:
        return True
    first = chars[0]
    if first.text in NO_LINE_START:
        return False
    width = _first_word_width(chars)
    last = prev.chars[-1]
    if _WORDISH.match(last.text) and _WORDISH.match(first.text):
        width += 0.25 * first.size  # the space the wrap swallowed, when none is printed
    used = prev.x1 - prev.x0  # a printed trailing space counts: the word would stand after it
    return used + width <= inner_width - _FIT_SLACK * first.size


def _first_word_width(chars: list[Char]) -> float:
    """Width of what must move as one unit: a Latin word, or a glyph with the punctuation
    that may not start a line after it (て、 wraps together), and a Latin word glued to that
    punctuation (て、DET wraps together)."""
    end = _word_end(chars, 0)
    punctuation = end
    while end + 1 < len(chars) and chars[end + 1].text in NO_LINE_START:
        end += 1
    if end > punctuation and end + 1 < len(chars) and LATIN.match(chars[end + 1].text):
        end = _word_end(chars, end + 1)
    return chars[end].x1 - chars[0].x0


def _word_end(chars: list[Char], start: int) -> int:
    """Index of the last glyph of the Latin word starting at ``start`` (itself if none)."""
    end = start
    if _WORDISH.match(chars[start].text):
        while end + 1 < len(chars) and _WORDISH.match(chars[end + 1].text):
            end += 1
    return end
