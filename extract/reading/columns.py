"""Name a table's columns from its header words, and read its cells by column name.

The header words come from the layout file; this module only knows that a header cell's
horizontal extent is the extent of its column, however the body below is ruled. A header
row may stand anywhere in the table (a form prints boxes above it), and one header cell may
name two columns (具体的取組 評価指標) whose separator is not ruled: the body is then cut
at the vertical gap its glyphs leave between the two header words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from extract.reading import patterns as lp
from extract.reading.normalise import fold_kangxi, parse_numbering, parse_rating, split_marker, squash
from extract.reading.text import SPACE_GAP, TextOf, cell_text, group_lines, line_text
from schemas.grid import BBox, Cell, PageGrid, Table, TextLine
from schemas.layout import Column, RowLayout

MAX_HEADER_CHARS = 30  # a header cell names a column; longer text is content


@dataclass(frozen=True)
class ColumnMap:
    """Where each named column lies, and the slot rows of the header band."""

    header_first_row: int
    header_last_row: int
    spans: dict[str, tuple[float, float]]
    cuts: dict[str, tuple[float, float]] = field(default_factory=dict)  # columns cut out of one cell
    named: tuple[Cell, ...] = ()  # the header cells that named a column
    by_content: dict[str, str] = field(default_factory=dict)  # column -> header text it was taken by

    def column_of(self, cell: Cell) -> str | None:
        """A cell belongs to the column its left edge opens into (a wide cell: the leftmost)."""
        x = cell.bbox.x0 + min(4.0, cell.bbox.width / 2)
        for name, (x0, x1) in self.spans.items():
            if x0 - 1.0 <= x <= x1 + 1.0:
                return name
        return None


def compile_columns(columns: list[Column]) -> list[tuple[str, list[re.Pattern[str]]]]:
    return [(c.name, [lp.compile(p) for p in c.header]) for c in columns]


def _names(words: str, compiled: list[tuple[str, list[re.Pattern[str]]]], taken: set[str]) -> list[str]:
    return [n for n, pats in compiled if n not in taken and any(p.search(words) for p in pats)]


def map_columns(
    table: Table, columns: list[Column], required: set[str], letters: Sequence[str] = ()
) -> ColumnMap | None:
    """Find the header row whose words name at least the ``required`` columns; the rating
    column may be named by none of its header words but by its content, the scale's
    ``letters`` (``_rating_by_content``)."""
    compiled = compile_columns(columns)
    rating = next((c.name for c in columns if c.role == "rating"), None)
    for r in range(len(table.ys) - 1):
        spans: dict[str, tuple[float, float]] = {}
        cuts: dict[str, tuple[float, float]] = {}
        named: list[Cell] = []
        first, last = r, r
        for cell in sorted((c for c in table.cells if c.row <= r <= c.last_row), key=lambda c: c.col):
            words = squash(cell.text)
            if not words or len(words) > MAX_HEADER_CHARS:
                continue
            parts = _two_names(cell, compiled, set(spans))
            if parts:
                spans[parts[0][0]] = (cell.bbox.x0, cell.bbox.x1)  # the cell's cells, cut later
                cuts.update(_cut(table, cell, parts))
            elif names := _names(words, compiled, set(spans)):
                spans[names[0]] = (cell.bbox.x0, cell.bbox.x1)
            else:
                continue
            named.append(cell)
            first, last = min(first, cell.row), max(last, cell.last_row)
        by_content: dict[str, str] = {}
        if rating and spans and required - (spans.keys() | cuts.keys()) == {rating}:
            found = _rating_by_content(table, r, named, last, letters)
            if found is not None:
                spans[rating] = (found.bbox.x0, found.bbox.x1)
                by_content[rating] = squash(found.text)
                named.append(found)
                first, last = min(first, found.row), max(last, found.last_row)
        if required and required <= spans.keys() | cuts.keys():
            extent = (min(x0 for x0, _ in spans.values()), max(x1 for _, x1 in spans.values()))
            return ColumnMap(_band_top(table, first, extent), last, spans, cuts, tuple(named), by_content)
    return None


def _rating_by_content(
    table: Table, r: int, named: list[Cell], last: int, letters: Sequence[str]
) -> Cell | None:
    """The one header cell of row ``r`` that names no column and heads a column of ratings:
    below the header, every cell under it that prints anything prints one letter of the
    scale (or a dash), and one at least a letter. None when no cell, or more than one, does."""
    taken = {id(c) for c in named}
    heads = [
        c for c in table.cells
        if c.row <= r <= c.last_row and id(c) not in taken and 0 < len(squash(c.text)) <= MAX_HEADER_CHARS
    ]  # fmt: skip
    below = max([last, *(c.last_row for c in heads)])
    found = []
    for head in heads:
        body = [
            squash(c.text) for c in table.cells
            if c.row > below and c.text.strip()
            and head.bbox.x0 - 1.0 <= c.bbox.x0 + min(4.0, c.bbox.width / 2) <= head.bbox.x1 + 1.0
        ]  # fmt: skip
        read = [_letter(text, letters) for text in body]
        if body and all(x is not False for x in read) and any(read):
            found.append(head)
    return found[0] if len(found) == 1 else None


def _letter(text: str, letters: Sequence[str]) -> str | None | bool:
    """A rating letter, None for a dash (no rating), False for any other text."""
    try:
        return parse_rating(text, letters)
    except ValueError:
        return False


def _two_names(
    cell: Cell, compiled: list[tuple[str, list[re.Pattern[str]]]], taken: set[str]
) -> list[tuple[str, float, float]] | None:
    """A header cell printing two words that name two different columns: (name, x0, x1) each."""
    if len(cell.lines) != 1:
        return None
    words = line_text(cell.lines[0]).split()  # the glyphs' gaps, whatever the layout's text rule
    if len(words) != 2:
        return None
    first, second = (_names(squash(w), compiled, taken) for w in words)
    if not first or not second or first[0] == second[0]:
        return None
    glyphs = [c for c in cell.lines[0].chars if not c.text.isspace()]
    n = len(words[0])
    left, right = glyphs[:n], glyphs[n:]
    if not left or not right:
        return None
    return [(first[0], left[0].x0, left[-1].x1), (second[0], right[0].x0, right[-1].x1)]


def _cut(table: Table, header: Cell, parts: list[tuple[str, float, float]]) -> dict[str, tuple[float, float]]:
    """Cut the header cell's extent at the emptiest vertical line of the body between the
    words, unless every line printed across it runs on there, glyph touching glyph (a line
    of the left column going on under the right one's word): then at a blank that every line
    leaves between the first word's start and the second's end, if there is one. No glyph
    crosses into the other column."""
    (a, a_start, a_end), (b, b_start, b_end) = parts
    lines = [
        line
        for c in table.cells
        if c.row > header.last_row and header.bbox.x0 - 1 <= c.bbox.x0 < header.bbox.x1 - 1
        for line in c.lines
    ]
    body = [ch for line in lines for ch in line.chars]
    middle = (a_end + b_start) / 2

    def steps(lo: float, hi: float) -> list[float]:
        return [lo + 0.5 * i for i in range(int((hi - lo) / 0.5) + 1)]

    def across(x: float) -> int:
        return sum(1 for ch in body if ch.x0 < x < ch.x1)

    best = min(steps(a_end, b_start) or [middle], key=lambda x: (across(x), abs(x - middle)))
    spanning = [line for line in lines if line.x0 < best < line.x1]
    if spanning and all(_runs_on(line, best) for line in spanning):
        blanks = [
            x
            for x in steps(a_start, b_end)
            if not across(x) and any(line.x0 < x < line.x1 for line in lines)
            and not any(_runs_on(line, x) for line in lines)
        ]  # fmt: skip
        best = min(blanks, key=lambda x: abs(x - middle), default=best)
    return {a: (header.bbox.x0, best), b: (best, header.bbox.x1)}


def _runs_on(line: TextLine, x: float) -> bool:
    """True when the line runs on at x: two of its glyphs meet there with no blank between."""
    return any(
        left.x1 - 0.25 <= x <= right.x0 + 0.25
        and right.x0 - left.x1 <= SPACE_GAP * max(right.size, 1.0)
        and not left.text.isspace()
        and not right.text.isspace()
        for left, right in zip(line.chars, line.chars[1:], strict=False)
    )


def _band_top(table: Table, first: int, extent: tuple[float, float]) -> int:
    """Rows of short texts right above the header are headings over the columns (自己評価 …);
    what stands beside the named columns (a comment column of no name here, run up past the
    header) is not over them."""
    top = first
    while top > 0:
        above = [
            c for c in table.cells
            if c.row <= top - 1 <= c.last_row and c.text.strip()
            and c.bbox.x0 < extent[1] - 1.0 and c.bbox.x1 > extent[0] + 1.0
        ]  # fmt: skip
        if not above or any(len(squash(c.text)) > MAX_HEADER_CHARS for c in above):
            break
        top -= 1
    return top


def body_cells(
    table: Table, cmap: ColumnMap, name: str, text: TextOf = cell_text, pad: float = 1.5
) -> list[Cell]:
    """The cells of column ``name`` below the header, top to bottom (a cut column: its part,
    its text made again by ``text``, the layout's rule)."""
    below = [c for c in table.cells if c.row > cmap.header_last_row]
    if name in cmap.cuts:
        x0, x1 = cmap.cuts[name]
        return [_clip(c, x0, x1, pad, text) for c in below if c.bbox.x0 < x1 - 1.0 and c.bbox.x1 > x0 + 1.0]
    return [c for c in below if cmap.column_of(c) == name]


def _clip(cell: Cell, x0: float, x1: float, pad: float, text: TextOf) -> Cell:
    """The part of a cell between x0 and x1, its text rebuilt from the glyphs there."""
    chars = [ch for line in cell.lines for ch in line.chars if x0 <= ch.cx < x1]
    box = BBox(max(x0, cell.bbox.x0), cell.bbox.top, min(x1, cell.bbox.x1), cell.bbox.bottom)
    lines = group_lines(chars)
    return Cell(cell.row, cell.col, cell.row_span, cell.col_span, box, text(lines, box, pad), lines, cell.cut)


def continued_tables(tables: list[Table], last: ColumnMap, tol: float = 1.5) -> list[tuple[Table, ColumnMap]]:
    """The tables printing no header whose rules include every edge of the last page's columns,
    with those columns: a word processor's table run onto the next page without its heads."""
    edges = {x for span in last.spans.values() for x in span}
    return [
        (table, ColumnMap(-1, -1, dict(last.spans), dict(last.cuts)))
        for table in tables
        if all(any(abs(x - rule) <= tol for rule in table.xs) for x in edges)
    ]


def header_cells(table: Table, cmap: ColumnMap, headings: list[str]) -> list[Cell]:
    """The header band's cells that carry no data: the column names, and the headings above
    them that the layout declares (自己評価, 年度評価 …). Any other text there is the page's."""
    patterns = [lp.compile(p) for p in headings]
    band = [c for c in table.cells if c.row <= cmap.header_last_row and c.last_row >= cmap.header_first_row]
    return [*cmap.named, *(c for c in band if any(p.search(squash(c.text)) for p in patterns))]


def overlapping(cells: list[Cell], first_row: int, last_row: int) -> list[Cell]:
    """The cells that share at least one slot row with rows first_row..last_row, by column."""
    return sorted(
        (c for c in cells if c.row <= last_row and c.last_row >= first_row), key=lambda c: (c.row, c.col)
    )


def text_of(cells: list[Cell], sep: str = "\n") -> str:
    """The cells' text as printed, look-alike radicals folded to kanji."""
    return sep.join(fold_kangxi(c.text) for c in cells if c.text)


def first_owner(cells: list[tuple[str, Cell]], ratings: list[Cell]) -> dict[int, list[tuple[str, Cell]]]:
    """Give each numbering/title cell to the first rating row it covers."""
    owners: dict[int, list[tuple[str, Cell]]] = {}
    for name, cell in cells:
        covered = overlapping(ratings, cell.row, cell.last_row)
        if covered:
            first = min(covered, key=lambda c: c.row)
            owners.setdefault(id(first), []).append((name, cell))
    return owners


def cell_of_row(rating: Cell, cells: list[Cell], ratings: list[Cell], split_over_rows: bool) -> str | None:
    """A row's text in one column; with ``split_over_rows``, a cell over k rating rows that
    prints k names (or a heading plus k) gives each row its own line, in order (担当課)."""
    own = overlapping(cells, rating.row, rating.last_row)
    if len(own) != 1 or not split_over_rows:
        return text_of(own, " ") or None
    cell = own[0]
    covered = overlapping(ratings, cell.row, cell.last_row)
    lines = [fold_kangxi(t) for t in cell.text.split("\n") if t.strip()]
    k = len(covered)
    if k > 1 and len(lines) in (k, k + 1):
        return lines[len(lines) - k + covered.index(rating)]
    return " ".join(lines) or None


def parse_markers(
    columns: list[Column], cells: list[tuple[str, Cell]]
) -> tuple[int | None, int | None, str, dict[str, bool]]:
    """Group number, item number, title and flags from the numbering and title cells."""
    group = number = None
    title, flags = "", {}
    by_name = {c.name: c for c in columns}
    for name, cell in sorted(cells, key=lambda nc: nc[1].col):
        column = by_name[name]
        text = fold_kangxi(cell.text)
        if column.role == "number":
            found = re.search(r"[0-9]{1,18}", squash(text))
            number = int(found.group()) if found else number
            continue
        rest = text
        if column.numbering:
            g, n, rest = parse_numbering(text)
            group = g if g is not None else group
            number = n if n is not None else number
        if column.role == "title":
            if column.flag:
                flags[column.flag.field], rest = split_marker(rest, column.flag.marker)
            title = "".join(p.strip() for p in rest.split("\n")) if column.one_line else rest.strip()
    return group, number, title, flags


def required_columns(layout: RowLayout) -> set[str]:
    return {c.name for c in layout.columns if c.required and c.scope == "row"}


def row_columns(layout: RowLayout) -> list[Column]:
    return [c for c in layout.columns if c.scope == "row"]


def find_table(grid: PageGrid, layout: RowLayout) -> list[tuple[Table, ColumnMap]]:
    """The page's tables that carry this layout's header."""
    found = []
    for table in grid.tables:
        cmap = map_columns(table, row_columns(layout), required_columns(layout), layout.scale.letters)
        if cmap is not None:
            found.append((table, cmap))
    return found
