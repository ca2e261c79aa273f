"""A form sheet printed over several pages, the blocks repeated inside it, and options chosen
by a mark printed inline among them.

A sheet of several pages is read as one tall page: each page's cells and free lines are copied
below the previous page's (``stack``), so that every label, table and block is found by the same
geometry as on a one-page sheet, and the page of anything read is known again from its height
(``FormPage.page_at``). The copies are the sheet's own: the pages' grids are never changed.
"""

from __future__ import annotations

from dataclasses import replace

from extract.reading import patterns as lp
from extract.reading.form_cells import TOL, FormPage, matches, tight, value_text
from extract.reading.normalise import fold_kangxi, squash
from schemas.form import AppendixSpec, BlockSpec, FieldSpec
from schemas.grid import BBox, Cell, Char, PageGrid, Table, TextLine

GAP = 1000.0  # points between two stacked pages: nothing on one is beside or under the other

_OPENING = "(（[［【"
_CLOSING = ")）]］】"


def starts_sheet(grid: PageGrid, patterns: list[str]) -> bool:
    """True when the page prints a sheet's start marker (a cell or a free line)."""
    texts = [squash(c.text) for t in grid.tables for c in t.cells] + [
        squash(ln.text) for ln in grid.free_lines
    ]
    return any(matches(patterns, t) for t in texts if t)


def stack(grids: list[PageGrid]) -> FormPage:
    """The pages of one sheet as one tall page, each below the one before."""
    tables: list[Table] = []
    lines: list[TextLine] = []
    spans: list[tuple[float, int]] = []
    offset = 0.0
    for grid in grids:
        spans.append((offset, grid.page_no))
        tables += [_table(t, offset) for t in grid.tables]
        lines += [_line(ln, offset) for ln in grid.free_lines]
        offset += grid.height + GAP
    tables = [_give_back_brackets(t) for t in tables]
    width = max((g.width for g in grids), default=0.0)
    merged = PageGrid(page_no=grids[0].page_no, width=width, height=offset, tables=tables, free_lines=lines)
    return FormPage.of(merged, spans)


def _bbox(b: BBox, dy: float) -> BBox:
    return BBox(b.x0, b.top + dy, b.x1, b.bottom + dy)


def _line(line: TextLine, dy: float) -> TextLine:
    return TextLine(tuple(Char(c.text, c.x0, c.top + dy, c.x1, c.bottom + dy, c.size) for c in line.chars))


def _table(table: Table, dy: float) -> Table:
    cells = [replace(c, bbox=_bbox(c.bbox, dy), lines=[_line(ln, dy) for ln in c.lines]) for c in table.cells]
    return replace(table, bbox=_bbox(table.bbox, dy), ys=[y + dy for y in table.ys], cells=cells)


def _unclosed(text: str) -> int:
    return sum(text.count(o) for o in _OPENING) - sum(text.count(c) for c in _CLOSING)


def _give_back_brackets(table: Table) -> Table:
    """A label's closing bracket that the text layer put into the next cell (（差引）一般財源（B
    | ） 375,620) goes back to the label: a cell opening with an unmatched closing bracket whose
    left neighbour leaves an opening one unclosed. Returns the table with those two cells new."""
    texts = [c.text for c in table.cells]  # as given back so far, cell by cell in order
    changed: set[int] = set()
    for i, cell in enumerate(table.cells):
        text = texts[i].lstrip()
        if not text or text[0] not in _CLOSING or _unclosed(text) >= 0:
            continue
        left = next(
            (
                j
                for j, c in enumerate(table.cells)
                if abs(c.bbox.x1 - cell.bbox.x0) <= TOL and abs(c.bbox.top - cell.bbox.top) <= TOL
            ),
            None,
        )
        if left is not None and _unclosed(texts[left]) > 0:
            texts[left] += text[0]
            texts[i] = text[1:].lstrip()
            changed |= {left, i}
    if not changed:
        return table
    cells = [replace(c, text=texts[i]) if i in changed else c for i, c in enumerate(table.cells)]
    return replace(table, cells=cells)


def block_pages(page: FormPage, spec: BlockSpec) -> list[FormPage]:
    """One sub-page per block: the cells from a start label down to the next one (or the end
    of the start label's table, or of the tables that go on with it on the next pages)."""
    starts = [c for _, c in page.cells if matches(spec.start, page.key(c))]
    starts.sort(key=lambda c: (c.bbox.top, c.bbox.x0))
    out = []
    for i, label in enumerate(starts):
        bottom = _block_end(page, page.table_of(label), spec)
        if i + 1 < len(starts):
            bottom = min(bottom, starts[i + 1].bbox.top)
        out.append(page.area(label.bbox.top, bottom))
    return out


def _block_end(page: FormPage, table: Table, spec: BlockSpec) -> float:
    """The bottom of a block's table, or of the tables a page break cut it into: the next
    page's first table goes on with it when it is ruled with the same columns (its rules are
    the table's) and does not open with a block's start label."""
    while (nxt := page.next_table(table)) is not None:
        same = abs(nxt.bbox.x0 - table.bbox.x0) <= TOL and abs(nxt.bbox.x1 - table.bbox.x1) <= TOL
        ruled = all(any(abs(x - rule) <= TOL for rule in table.xs) for x in nxt.xs)
        opening = [c for c in nxt.cells if abs(c.bbox.top - nxt.bbox.top) <= TOL]
        if not (same and ruled) or any(matches(spec.start, page.key(c)) for c in opening if page.has(c)):
            break
        table = nxt
    return table.bbox.bottom


def block_number(page: FormPage, spec: BlockSpec) -> int | None:
    """The number printed in a cell left of the block's start label."""
    label = next((c for _, c in page.cells if matches(spec.start, page.key(c))), None)
    if label is None or spec.number is None:
        return None
    for _, cell in page.cells:
        if cell.bbox.x1 <= label.bbox.x0 + TOL and (m := lp.search(spec.number, page.key(cell))):
            page.use(cell)
            return int(m.group("value"))
    return None


def inline_choice(cells: list[Cell], spec: FieldSpec) -> tuple[str | None, str | None]:
    """The option printed after the one chosen mark among marks inline in a cell (``○ 達成 ●
    おおむね達成 ○ …``): each option is the text right of its mark up to the next mark, on every
    printed line of the cell (a label over two lines is joined). (value, problem)."""
    chars = [c for cell in cells for ln in cell.lines for c in ln.chars]
    marks = sorted((c for c in chars if c.text in spec.chosen or c.text in spec.options), key=lambda c: c.x0)
    chosen = [m for m in marks if m.text in spec.chosen]
    if len(chosen) != 1:
        return None, f"{spec.label}: {len(chosen)} options marked {'/'.join(spec.chosen)}, not one"
    mark = chosen[0]
    after = [m.x0 for m in marks if m.x0 > mark.x1 - TOL and m is not mark]
    end = min(after, default=max(cell.bbox.x1 for cell in cells))
    lines = [ln for cell in cells for ln in cell.lines]
    parts = []
    for line in lines:
        text = "".join(c.text for c in line.chars if mark.x1 - TOL <= c.cx < end and c not in marks)
        if text.strip():
            parts.append(text.strip())
    if not parts:
        return None, f"{spec.label}: the mark {mark.text} stands beside no option"
    return "".join(parts), None


def sheet_pages(page: FormPage, items: list[Cell | TextLine]) -> list[int]:
    """The PDF pages the given cells and lines are on, in order."""
    tops = [i.bbox.top if isinstance(i, Cell) else i.top for i in items]
    return sorted({page.page_at(t) for t in tops})


def read_appendix(grid: PageGrid, spec: AppendixSpec, ignore: list[str]) -> dict:
    """An appendix page (別紙) of a sheet: its title (the marker's line), each ruled table as
    rows keyed by its header row's texts, and its other printed lines (``notes_text``; the
    layout's ``ignore`` lines, a page number, left out)."""
    title = None
    notes = []
    for line in grid.free_lines:
        key = squash(line.text)
        if title is None and matches(spec.marker, key):
            title = fold_kangxi(line.text).strip()
        elif key and not matches(ignore, key):
            notes.append(fold_kangxi(line.text).strip())
    tables = [{"rows": _table_rows(t)} for t in grid.tables]
    if title is None:
        title = next(
            (
                value_text(c.text)
                for t in grid.tables
                for c in t.cells
                if matches(spec.marker, squash(c.text))
            ),
            None,
        )
    return {"page": grid.page_no, "title": title, "tables": tables, "notes_text": "\n".join(notes) or None}


def _table_rows(table: Table) -> list[dict[str, str | None]]:
    """A table's rows under its first row, each a mapping of the head printed over a cell to
    the cell's text (null when blank)."""
    head = sorted((c for c in table.cells if c.row == 0), key=lambda c: c.bbox.x0)
    names = [tight(c.text) or f"column {i + 1}" for i, c in enumerate(head)]
    out = []
    for r in range(1, len(table.ys) - 1):
        starts = [c for c in table.cells if c.row == r]
        if not starts:
            continue
        row = {}
        for name, h in zip(names, head, strict=True):
            cell = next(
                (c for c in starts if h.bbox.x0 - TOL <= (c.bbox.x0 + c.bbox.x1) / 2 <= h.bbox.x1 + TOL), None
            )
            row[name] = value_text(cell.text) if cell else None
        out.append(row)
    return out
