"""Find things on a form page by their printed labels and by the geometry of its ruled cells.

A form is read by where its labels are printed, not by row and column numbers: a value is the
cell whose left rule is the label's right rule (or whose top rule is the label's bottom rule).
Everything found is noted in the sheet's own record of what it read (``FormPage.read``, never
the page grid), so that text landing in no field can be reported.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Literal

from extract.reading import patterns as lp
from extract.reading.normalise import fold_kangxi, squash
from extract.reading.text import cell_text
from schemas.grid import BBox, Cell, PageGrid, Table, TextLine

TOL = 2.0  # points: two rules this close are the same rule
_MAX_PAD = 6.0  # as extract.reading.grid: the largest cell padding
_DEFAULT_PAD = 1.5


@dataclass
class FormPage:
    """One sheet's cells (with their table) and free lines, as the form reader works through
    them. ``read``, the ids of what its fields, tables and marks have read, is the form
    reader's own working record for this one sheet (shared by the sheet's areas, made new for
    each sheet, never stored on the grid): the reader itself reports what it did not read."""

    grid: PageGrid
    cells: list[tuple[Table, Cell]] = field(default_factory=list)
    keys: dict[int, str] = field(default_factory=dict)
    spans: list[tuple[float, int]] = field(default_factory=list)  # a stacked sheet: (top, PDF page)
    members: set[int] | None = None  # an area of the page (a block): ids of its cells
    read: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, grid: PageGrid, spans: list[tuple[float, int]] | None = None) -> FormPage:
        page = cls(grid, spans=spans or [])
        for table in grid.tables:
            for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
                page.cells.append((table, cell))
                page.keys[id(cell)] = squash(cell.text)
        return page

    def area(self, top: float, bottom: float) -> FormPage:
        """The cells starting between two heights (a block), sharing this page's marks of use."""
        cells = [(t, c) for t, c in self.cells if top - TOL <= c.bbox.top < bottom - TOL]
        return FormPage(self.grid, cells, self.keys, self.spans, {id(c) for _, c in cells}, self.read)

    def outside(self, areas: list[FormPage]) -> FormPage:
        """The cells in none of the areas (the sheet around its blocks)."""
        taken = {i for a in areas for i in a.members or ()}
        cells = [(t, c) for t, c in self.cells if id(c) not in taken]
        return FormPage(self.grid, cells, self.keys, self.spans, {id(c) for _, c in cells}, self.read)

    def has(self, cell: Cell) -> bool:
        return self.members is None or id(cell) in self.members

    def page_at(self, top: float) -> int:
        """The PDF page of a height on a stacked sheet."""
        return max((s for s in self.spans if s[0] <= top + TOL), default=(0.0, self.grid.page_no))[1]

    def key(self, cell: Cell) -> str:
        return self.keys[id(cell)]

    def next_table(self, table: Table) -> Table | None:
        """On a stacked sheet, the first table of the next page when ``table`` is the last one
        on its own: where a box or a table that a page break cut goes on. None otherwise."""
        pages = [p for _, p in self.spans]
        here = self.page_at(table.bbox.top)
        if here not in pages or pages.index(here) + 1 >= len(pages):
            return None
        after = [t for t in self.grid.tables if t.bbox.top > table.bbox.top + TOL]
        if any(self.page_at(t.bbox.top) == here for t in after):
            return None
        following = pages[pages.index(here) + 1]
        nxt = [t for t in after if self.page_at(t.bbox.top) == following]
        return min(nxt, key=lambda t: (t.bbox.top, t.bbox.x0), default=None)

    def use(self, *items: Cell | TextLine | None) -> None:
        self.read.update(id(c) for c in items if c is not None)

    def unused(self, item: Cell | TextLine) -> bool:
        return id(item) not in self.read

    def table_of(self, cell: Cell) -> Table:
        return next(t for t, c in self.cells if c is cell)

    def text(self) -> str:
        """The page's text for detection: NFKC, no whitespace."""
        return "".join(self.keys.values()) + "".join(squash(ln.text) for ln in self.grid.free_lines)


def matches(patterns: list[str], text: str) -> bool:
    return any(lp.search(p, text) for p in patterns)


def find_label(page: FormPage, patterns: list[str], after: str | None = None) -> Cell | None:
    """The first cell (reading order) whose text matches a pattern; with ``after``, the
    nearest such cell below the cell matching ``after`` and overlapping it horizontally.
    On a page read by OCR, failing that, the cell that reads most nearly as a pattern's text
    (a glyph misread: 蓮成 for 達成)."""
    if after is None:
        for pattern in patterns:
            for _, cell in page.cells:
                if lp.search(pattern, page.key(cell)):
                    return cell
        return _nearly(page, patterns) if page.grid.ocr is not None else None
    anchor = find_label(page, [after])
    if anchor is None:
        return None
    below = [
        c
        for _, c in page.cells
        if c.bbox.top >= anchor.bbox.bottom - TOL
        and _overlap(c.bbox.x0, c.bbox.x1, anchor.bbox.x0, anchor.bbox.x1) > TOL
        and matches(patterns, page.key(c))
    ]
    return min(below, key=lambda c: c.bbox.top) if below else None


_NEARLY = 0.8  # difflib ratio of an OCR'd label to a pattern's text that finds it


def _nearly(page: FormPage, patterns: list[str]) -> Cell | None:
    """The unused cell whose text is nearest a text one of the patterns matches, if near enough."""
    best, score = None, _NEARLY
    for text in filter(None, (pattern_text(p) for p in patterns)):
        for _, cell in page.cells:
            key = page.key(cell)
            if key and page.unused(cell) and abs(len(key) - len(text)) <= max(2, len(text) // 4):
                ratio = difflib.SequenceMatcher(None, key, text, autojunk=False).ratio()
                if ratio > score:
                    best, score = cell, ratio
    return best


@cache  # parsed once per pattern: a label missed on a scanned page looks again on every sheet
def pattern_text(pattern: str) -> str | None:
    """A text the pattern matches, as it reads: each optional part taken once, the first of
    alternatives; None for a pattern that cannot be read so (classes, repeats)."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    out: list[str] = []

    def walk(items: Any) -> bool:
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "AT":
                continue
            elif name in ("MAX_REPEAT", "MIN_REPEAT"):
                _, most, sub = arg
                if most > 1 or not walk(sub):  # a repeat: no one text
                    return False
            elif name == "SUBPATTERN":
                if not walk(arg[-1]):
                    return False
            elif name == "BRANCH":
                if not walk(arg[1][0]):
                    return False
            else:
                return False
        return True

    return "".join(out) if walk(parsed) and out else None


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def right_of(page: FormPage, label: Cell) -> Cell | None:
    """The cell whose left rule is the label's right rule, sharing most of its height."""
    stack = right_stack(page, label)
    if not stack:
        return None
    return max(stack, key=lambda c: _overlap(c.bbox.top, c.bbox.bottom, label.bbox.top, label.bbox.bottom))


def left_of(page: FormPage, label: Cell) -> Cell | None:
    """The cell whose right rule is the label's left rule, sharing most of its height."""
    return _across(page, label, "left")


def right_stack(page: FormPage, label: Cell) -> list[Cell]:
    """The cells beside a label, top to bottom: one cell, or a box that unprinted rules
    (cell fills) split into several of the same width within the label's height."""
    table = page.table_of(label)
    beside = sorted(
        (
            c
            for c in table.cells
            if abs(c.bbox.x0 - label.bbox.x1) <= TOL
            and _overlap(c.bbox.top, c.bbox.bottom, label.bbox.top, label.bbox.bottom) > TOL
        ),
        key=lambda c: c.bbox.top,
    )
    if len(beside) < 2:
        return beside
    width = beside[0].bbox.x1
    if all(abs(c.bbox.x1 - width) <= TOL for c in beside) and _stacked(beside):
        return beside
    best = max(beside, key=lambda c: _overlap(c.bbox.top, c.bbox.bottom, label.bbox.top, label.bbox.bottom))
    return [best]


def _stacked(cells: list[Cell]) -> bool:
    return all(abs(a.bbox.bottom - b.bbox.top) <= TOL for a, b in zip(cells, cells[1:], strict=False))


def continued(page: FormPage, label: Cell, value: Cell) -> list[Cell]:
    """The value cell and the cells under it that continue it: a spreadsheet's cell fills
    draw rules that are not printed, splitting one box in two. The box goes on while the
    label column below is blank and the value column below has the same width."""
    table = page.table_of(label)
    out = [value]
    while True:
        bottom = out[-1].bbox.bottom
        nxt_label = _under(table, label.bbox.x0, label.bbox.x1, bottom)
        nxt_value = _under(table, value.bbox.x0, value.bbox.x1, bottom)
        if nxt_label is None or nxt_value is None or page.key(nxt_label):
            return out
        page.use(nxt_label)
        out.append(nxt_value)
        label = nxt_label


def carried_over(page: FormPage, label: Cell, value: Cell) -> list[Cell]:
    """The parts of a box that a page break cut, on the pages after: a value cell ending its
    page's last table goes on in the next page's first table, in the cell on that table's top
    rule with the value's own left and right rules, when nothing is printed left of it where
    the label stands (its label's cut-off part is blank, or not ruled there)."""
    out: list[Cell] = []
    table = page.table_of(label)
    while abs(value.bbox.bottom - table.bbox.bottom) <= TOL and (nxt := page.next_table(table)):
        part = _under(nxt, value.bbox.x0, value.bbox.x1, nxt.bbox.top)
        if part is None or not page.has(part):
            return out
        beside = [
            c
            for c in nxt.cells
            if abs(c.bbox.top - part.bbox.top) <= TOL
            and _overlap(c.bbox.x0, c.bbox.x1, label.bbox.x0, label.bbox.x1) > TOL
        ]
        if any(page.key(c) or not page.has(c) for c in beside):
            return out
        page.use(*beside)
        blank = next((c for c in beside if abs(c.bbox.x1 - part.bbox.x0) <= TOL), None)
        parts = continued(page, blank, part) if blank is not None else [part]
        out += parts
        table, value, label = nxt, parts[-1], blank or label
    return out


def _under(table: Table, x0: float, x1: float, top: float) -> Cell | None:
    return next(
        (
            c
            for c in table.cells
            if abs(c.bbox.top - top) <= TOL and abs(c.bbox.x0 - x0) <= TOL and abs(c.bbox.x1 - x1) <= TOL
        ),
        None,
    )


def joined_text(cells: list[Cell]) -> str:
    """The text of cells stacked into one box, wrapped lines joined as in one cell."""
    if len(cells) == 1:
        return cells[0].text
    lines = [ln for c in cells for ln in c.lines]
    box = BBox(cells[0].bbox.x0, cells[0].bbox.top, cells[0].bbox.x1, cells[-1].bbox.bottom)
    gaps = [ln.x0 - box.x0 for ln in lines if ln.x0 >= box.x0]
    return cell_text(lines, box, min(min(gaps), _MAX_PAD) if gaps else _DEFAULT_PAD)


def below(page: FormPage, label: Cell) -> Cell | None:
    """The cell whose top rule is the label's bottom rule, sharing most of its width."""
    return _across(page, label, "bottom")


def _across(page: FormPage, label: Cell, side: Literal["left", "bottom"]) -> Cell | None:
    """The cell across the label's ``side`` rule that shares most of the label's length."""
    box = label.bbox

    def meets(c: Cell) -> bool:
        return abs((c.bbox.x1 - box.x0) if side == "left" else (c.bbox.top - box.bottom)) <= TOL

    def shared(c: Cell) -> float:
        if side == "left":
            return _overlap(c.bbox.top, c.bbox.bottom, box.top, box.bottom)
        return _overlap(c.bbox.x0, c.bbox.x1, box.x0, box.x1)

    return max(
        (c for c in page.table_of(label).cells if meets(c) and shared(c) > TOL), key=shared, default=None
    )


def row_right(page: FormPage, label: Cell) -> list[Cell]:
    """Every cell right of the label that starts on the label's top rule, left to right."""
    table = page.table_of(label)
    row = [
        c
        for c in table.cells
        if c.bbox.x0 >= label.bbox.x1 - TOL
        and abs(c.bbox.top - label.bbox.top) <= TOL
        and c.bbox.bottom <= label.bbox.bottom + TOL
    ]
    return sorted(row, key=lambda c: c.bbox.x0)


def value_text(text: str) -> str | None:
    """A cell's text as a field value: as printed (radicals folded), None when blank."""
    text = fold_kangxi(text).strip()
    return text or None


def tight(text: str) -> str:
    """A printed label or key without its spacing: whitespace stays only between Latin words."""
    text = fold_kangxi(text).strip()
    return re.sub(r"\s+", lambda m: _space(text, m), text)


def _space(text: str, match: re.Match[str]) -> str:
    before = text[match.start() - 1] if match.start() else ""
    after = text[match.end()] if match.end() < len(text) else ""
    latin = re.compile(r"[A-Za-z0-9]")
    return " " if latin.match(before) and latin.match(after) else ""


def free_match(page: FormPage, pattern: str) -> str | None:
    """Group 'value' of the first free line matching ``pattern``, whitespace runs as one space."""
    for line in page.grid.free_lines:
        match = lp.search(pattern, fold_kangxi(line.text).strip())
        if match:
            page.use(line)
            return re.sub(r"\s+", " ", match.group("value")).strip() or None
    return None


def cell_match(page: FormPage, pattern: str) -> str | None:
    """Group 'value' of the first cell (reading order) whose printed text matches ``pattern``."""
    for _, cell in page.cells:
        match = lp.search(pattern, fold_kangxi(cell.text).strip())
        if match:
            page.use(cell)
            return re.sub(r"\s+", " ", match.group("value")).strip() or None
    return None


def free_below(page: FormPage, patterns: list[str]) -> tuple[bool, str | None]:
    """(label found, text) for a label printed outside the tables: the lines right of it and
    below it, one per line."""
    lines = page.grid.free_lines
    found = next((i for i, ln in enumerate(lines) if matches(patterns, squash(ln.text))), None)
    if found is None:
        return False, None
    label = lines[found]
    taken = [i for i, ln in enumerate(lines) if i != found and _after_label(ln, label)]
    page.use(label, *(lines[i] for i in taken))
    return True, value_text("\n".join(lines[i].text for i in taken))


def _after_label(line: TextLine, label: TextLine) -> bool:
    same_line = abs(line.top - label.top) <= TOL and line.x0 > label.x1
    return same_line or line.top > label.bottom - TOL


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)
