"""Tables embedded in a form, and items chosen by a mark: the keyed parts of a form page.

An embedded table is found by its corner header (the cell above the row keys). Its columns
are the slot columns right of the corner, each keyed by the stack of header cells above it
(an era year header such as Ｒ４年度 over 決算 becomes fiscal year 2022, kind 決算); its rows
are the slot rows below, each keyed by the innermost header cell starting in that row (the
名 of a 主な内訳 line, not the vertical 主な内訳 group label beside it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.reading import patterns as lp
from extract.reading.form_cells import TOL, FormPage, find_label, matches, nfkc, tight, value_text
from extract.reading.normalise import era_year, squash
from extract.reading.read_ocr import known_reading
from schemas.form import FormLayout, MarkSpec, TableSpec, Years
from schemas.grid import BBox, Cell, Table, TextLine


@dataclass
class Column:
    """One data column of an embedded table: a fiscal year + kind, or a named column."""

    x0: float
    x1: float
    fiscal_year: int | None = None
    kind: str | None = None
    name: str | None = None
    mark: bool = False

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class TableRead:
    """What was read of one embedded table, kept so fields can look up a cell in it."""

    table: Table
    columns: list[Column]
    entries: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    heads: list[Cell] = field(default_factory=list)  # the corner and header cells (for `layout check`)
    parts: list[tuple[Table, list[Column]]] = field(default_factory=list)  # where a page break cut it
    remarks: list[dict] = field(default_factory=list)  # text printed in amount cells (spec.remarks)

    def __post_init__(self) -> None:
        self.parts = self.parts or [(self.table, self.columns)]


def year_kind(text: str, years: Years, kindless: bool = False) -> tuple[int, str | None] | None:
    """'R4年度決算' -> (2022, '決算'): the era year and the kind named in a header stack (a year
    printed without its era counts in the layout's declared era; ``kindless``: a header that
    names only the year, its kind in the row header)."""
    match = lp.search(years.pattern, text)
    kind = next((k for k in years.kinds if k in text), None)
    if match is None or (kind is None and not kindless):
        return None
    era = match.group("era") or years.era
    if era is None:
        return None
    return era_year(years.eras.get(era, era), nfkc(match.group("year"))), kind


def era_years(text: str, years: Years) -> list[int]:
    """Every era year printed in a text, in order: '令和 2 年度 ～ 令和 4 年度' -> [2020, 2022]."""
    out = []
    for match in lp.finditer(years.pattern, squash(text)):
        era = years.eras.get(match.group("era"), match.group("era"))
        out.append(era_year(era, match.group("year")))
    return out


def _anchor(page: FormPage, spec: TableSpec, use: bool = True) -> tuple[Table, Cell] | None:
    """The table and its corner cell; for a blank corner (``header``) a cell standing for it:
    from the table's left edge to the header row's first cell, as high as that row. ``use``:
    the heading it is printed after counts as read."""
    pattern = spec.corner or spec.header or ""
    found = [c for _, c in page.cells if lp.search(pattern, page.key(c))]
    if spec.after is not None:
        after = _after(page, spec.after, use)
        found = [c for c in found if after is not None and (c.bbox.top, c.bbox.x0) > after]
    if not found:
        return None
    first = min(found, key=lambda c: (c.bbox.top, c.bbox.x0))
    table = page.table_of(first)
    return table, _corner(page, table, first, spec)


def _corner(page: FormPage, table: Table, first: Cell, spec: TableSpec) -> Cell:
    if spec.corner is not None:
        return first
    row = [c for c in table.cells if abs(c.bbox.top - first.bbox.top) <= TOL and page.key(c)]
    x1 = min(c.bbox.x0 for c in row)
    return Cell(-1, -1, 1, 1, BBox(table.bbox.x0, first.bbox.top, x1, first.bbox.bottom))


def _after(page: FormPage, pattern: str, use: bool = True) -> tuple[float, float] | None:
    """Where the first cell or free line matching ``pattern`` is printed: (top, x0); it is
    read as the table's heading."""
    found: list[tuple[tuple[float, float], Cell | TextLine]] = [
        ((c.bbox.top, c.bbox.x0), c) for _, c in page.cells if lp.search(pattern, page.key(c))
    ]
    found += [((ln.top, ln.x0), ln) for ln in page.grid.free_lines if lp.search(pattern, squash(ln.text))]
    if not found:
        return None
    at, item = min(found, key=lambda f: f[0])
    if use:
        page.use(item)
    return at


def read_table(page: FormPage, spec: TableSpec, layout: FormLayout) -> TableRead | None:
    """The table's entries; a table that a page break cut goes on in the next page's first
    table, under its header printed again or under none (``_goes_on``)."""
    anchored = _anchor(page, spec)
    if anchored is None:
        return None
    table, corner = anchored
    heads = _heads(page, table, corner, spec)
    page.use(corner, *heads)
    read = TableRead(table, _columns(page, table, heads, spec, layout), heads=[corner, *heads])
    if spec.shape == "lines":
        started = _lines(page, read, corner, spec)
    else:
        started = _rows(page, read, corner, spec, layout, spec.start is None)
    while started is not None and spec.shape != "columns" and (nxt := page.next_table(table)) is not None:
        found = _goes_on(page, nxt, corner, read, spec, layout)
        if found is None:
            break
        corner, columns, heads = found
        part = TableRead(nxt, columns, heads=heads)
        if spec.shape == "lines":
            started = _lines(page, part, corner, spec)
        else:
            started = _rows(page, part, corner, spec, layout, started)
        read.entries += part.entries
        read.problems += part.problems
        read.remarks += part.remarks
        read.heads += heads
        read.parts.append((nxt, columns))
        table = nxt
    return read


def _heads(page: FormPage, table: Table, corner: Cell, spec: TableSpec) -> list[Cell]:
    """The header cells right of the corner, as high as it (up to the ``until`` header)."""
    heads = [
        c
        for c in table.cells
        if c.bbox.top >= corner.bbox.top - TOL
        and c.bbox.bottom <= corner.bbox.bottom + TOL
        and c.bbox.x0 >= corner.bbox.x1 - TOL
        and page.has(c)
    ]
    end = next((c.bbox.x0 for c in heads if spec.until and lp.search(spec.until, page.key(c))), None)
    return [c for c in heads if end is None or c.bbox.x1 <= end + TOL]


def _goes_on(
    page: FormPage, nxt: Table, corner: Cell, read: TableRead, spec: TableSpec, layout: FormLayout
) -> tuple[Cell, list[Column], list[Cell]] | None:
    """How the table goes on in ``nxt``, the first table of the next page: (corner, columns,
    header cells) under the same header printed again at its top, or under no header when
    its rules hold the corner's and every column's; None when ``nxt`` is another table (one
    that another of the layout's tables is anchored in)."""
    others = [t for t in layout.tables + [t for b in layout.blocks for t in b.tables] if t.name != spec.name]
    if any((found := _anchor(page, t, use=False)) is not None and found[0] is nxt for t in others):
        return None
    pattern = spec.corner or spec.header or ""
    top = [c for c in nxt.cells if page.has(c) and lp.search(pattern, page.key(c))]
    first = min(top, key=lambda c: (c.bbox.top, c.bbox.x0), default=None)
    if first is not None:
        again = _corner(page, nxt, first, spec)
        above = [c for c in nxt.cells if c.bbox.bottom <= again.bbox.top + TOL and page.key(c)]
        if any(c.bbox.x0 < again.bbox.x1 - TOL for c in above):
            return None  # rows printed above it: not the header repeated at the top
        if spec.corner is not None and page.key(again) != page.key(corner):
            return None
        heads = _heads(page, nxt, again, spec)
        columns = _columns(page, nxt, heads, spec, layout)
        if [_named(c) for c in columns] != [_named(c) for c in read.columns]:
            return None
        page.use(again, *heads)
        return again, columns, [again, *heads] if spec.corner is not None else heads
    box = BBox(corner.bbox.x0, nxt.bbox.top, corner.bbox.x1, nxt.bbox.top)
    opening = _key_cells(page, nxt, Cell(-1, -1, 1, 1, box), 0)
    if not any(page.key(c) for c in opening):
        return None  # it opens with no named row: a header of its own, another table
    edges = [corner.bbox.x0, corner.bbox.x1] + [x for c in read.columns for x in (c.x0, c.x1)]
    if not all(any(abs(x - rule) <= TOL for rule in nxt.xs) for x in edges):
        return None
    return Cell(-1, -1, 1, 1, box), list(read.columns), []


def _named(column: Column) -> tuple:
    return column.fiscal_year, column.kind, column.name


def _columns(
    page: FormPage, table: Table, heads: list[Cell], spec: TableSpec, layout: FormLayout
) -> list[Column]:
    """Slot columns under the headers; neighbours under the same header cells are one column."""
    groups: list[tuple[list[int], float, float]] = []
    for x0, x1 in zip(table.xs, table.xs[1:], strict=False):
        over = [id(c) for c in heads if c.bbox.x0 <= x0 + TOL and c.bbox.x1 >= x1 - TOL]
        if not over:
            continue
        if groups and groups[-1][0] == over:
            groups[-1] = (over, groups[-1][1], x1)
        else:
            groups.append((over, x0, x1))
    columns = []
    for ids, x0, x1 in groups:
        stack = sorted((c for c in heads if id(c) in ids), key=lambda c: c.bbox.top)
        text = "".join(page.key(c) for c in stack)
        named = next((n for n in spec.columns if lp.search(n.header, text)), None)
        if spec.shape == "columns":
            columns.append(Column(x0, x1, name=" ".join(tight(c.text) for c in stack)))
        elif named is not None:
            columns.append(Column(x0, x1, name=named.name, mark=named.type == "mark", kind=named.kind))
        elif (found := year_kind(text, layout.years, spec.row_kind)) is not None:
            columns.append(Column(x0, x1, fiscal_year=found[0], kind=found[1]))
    return columns


def _key_cells(page: FormPage, table: Table, corner: Cell, r: int) -> list[Cell]:
    starts = [c for c in table.cells if c.row == r and page.has(c)]
    return [c for c in starts if c.bbox.x0 >= corner.bbox.x0 - TOL and c.bbox.x0 < corner.bbox.x1 - TOL]


def _rows(
    page: FormPage, read: TableRead, corner: Cell, spec: TableSpec, layout: FormLayout, started: bool
) -> bool | None:
    """The rows under the corner, from the ``start`` row (``started``: begun on a page before);
    None when the table ended (a stop row, a row of another section), else whether the rows
    have begun: the table may go on on the next page."""
    table = read.table
    first = min((i for i, y in enumerate(table.ys) if y >= corner.bbox.bottom - TOL), default=len(table.ys))
    for r in range(first, len(table.ys) - 1):
        keys = _key_cells(page, table, corner, r)
        if not keys:
            continue
        key_cell = max(keys, key=lambda c: c.bbox.x0)
        name = tight(lp.sub(spec.strip, "", key_cell.text.strip()) if spec.strip else key_cell.text)
        if key_cell.bbox.x1 > corner.bbox.x1 + TOL or matches(spec.stop, squash(name)):
            return None
        if page.grid.ocr is not None and spec.known:  # a glyph misread: 庁用器具費 as 店用器具費
            name = known_reading(name, spec.known)
        started = started or bool(spec.start and lp.search(spec.start, squash(name)))
        if not started:
            continue
        starts = [c for c in table.cells if c.row == r and page.has(c)]
        page.use(*keys)
        cells = {id(col): _cell_at(starts, col) for col in read.columns}
        page.use(*cells.values())
        _entry(read, spec, layout, name, cells)
        if spec.shape == "columns":
            return None
    return started


def _lines(page: FormPage, read: TableRead, corner: Cell, spec: TableSpec) -> bool | None:
    """Row headers spanning several slot rows, each line a caption across the year columns
    (the item) and/or a row of year cells: one entry per line with anything printed. None
    when the table ended (a stop row, a row of another section), else True: it may go on on
    the next page (``read_table``)."""
    table, years = read.table, [c for c in read.columns if c.fiscal_year is not None]
    if not years:
        return None
    first = min((i for i, y in enumerate(table.ys) if y >= corner.bbox.bottom - TOL), default=len(table.ys))
    r = first
    while r < len(table.ys) - 1:
        keys = _key_cells(page, table, corner, r)
        if not keys:
            r += 1
            continue
        key_cell = max(keys, key=lambda c: c.bbox.x0)
        name = tight(lp.sub(spec.strip, "", key_cell.text.strip()) if spec.strip else key_cell.text)
        if key_cell.bbox.x1 > corner.bbox.x1 + TOL or matches(spec.stop, squash(name)):
            return None
        page.use(*keys)
        last = max(key_cell.last_row, r)
        for line, (caption, starts) in enumerate(_line_rows(page, table, range(r, last + 1), years), 1):
            cells = [(col, _cell_at(starts, col)) for col in years]
            page.use(*(c for _, c in cells))
            values = [
                {"fiscal_year": col.fiscal_year, "kind": col.kind, spec.value: text}
                for col, cell in cells
                if cell is not None and (text := value_text(cell.text)) is not None
            ]
            if values or caption:
                read.entries.append({spec.key: name, "line": line, "item": caption, "values": values})
        r = last + 1
    return True


def _line_rows(
    page: FormPage, table: Table, rows: range, years: list[Column]
) -> list[tuple[str | None, list[Cell]]]:
    """The lines of a row header's slot rows: (caption, the year row's cells); a caption is a
    cell across every year column, the year row under it belongs to its line."""
    lines: list[tuple[str | None, list[Cell]]] = []
    open_caption = False
    for row in rows:
        starts = [c for c in table.cells if c.row == row and page.has(c)]
        across = next(
            (c for c in starts if c.bbox.x0 <= years[0].x0 + TOL and c.bbox.x1 >= years[-1].x1 - TOL), None
        )
        if across is not None:
            page.use(across)
            lines.append((value_text(across.text), []))
            open_caption = True
        elif open_caption:
            lines[-1] = (lines[-1][0], starts)
            open_caption = False
        else:
            lines.append((None, starts))
    return lines


def _cell_at(starts: list[Cell], col: Column) -> Cell | None:
    return next((c for c in starts if c.bbox.x0 - TOL <= col.cx <= c.bbox.x1 + TOL), None)


def _entry(read: TableRead, spec: TableSpec, layout: FormLayout, name: str, cells: dict) -> None:
    texts = {id(col): (value_text(cells[id(col)].text) if cells[id(col)] else None) for col in read.columns}
    if spec.shape == "columns":
        read.entries.extend({spec.key: c.name, spec.value: texts[id(c)]} for c in read.columns)
        return
    if not name:
        if any(texts.values()):
            read.problems.append(
                f"{spec.label}: a row without a name holds values {list(filter(None, texts.values()))}"
            )
        return
    values = []
    for col in (c for c in read.columns if c.fiscal_year is not None or c.kind is not None):
        text = texts[id(col)]
        if text is None:
            continue
        value: int | str | None = text
        if spec.type == "int":
            value = _amount(text, layout)
            if value is None:
                if squash(text) in {squash(e) for e in layout.empty}:
                    continue
                if spec.remarks is not None:
                    kind = col.kind or (name if spec.row_kind else None)
                    read.remarks.append(
                        {spec.key or "item": name, "fiscal_year": col.fiscal_year, "kind": kind, "text": text}
                    )
                else:
                    read.problems.append(
                        f"{spec.label}: {name} {col.fiscal_year} {col.kind}: not an amount: {text!r}"
                    )
                continue
        kind = col.kind or (name if spec.row_kind else None)
        values.append({"fiscal_year": col.fiscal_year, "kind": kind, spec.value: value})
    if spec.row_kind:
        key = {spec.key: spec.key_text} if spec.key else {}
        read.entries.extend({**key, **v} for v in values)
        return
    if spec.shape == "cells":
        read.entries.extend({spec.key: name, **v} for v in values)
        return
    entry: dict = {spec.key: name, "values": values}
    for col in (c for c in read.columns if c.name is not None):
        text = texts[id(col)]
        entry[col.name] = bool(text and squash(text) in layout.marks) if col.mark else text
    read.entries.append(entry)


def _amount(text: str, layout: FormLayout) -> int | None:
    """'13,834' -> 13834, '-220' / '△220' -> -220; None for anything else (dashes included).
    A figure in brackets is not read as negative: in public accounts it often marks an amount
    already counted elsewhere (内数), so it stays a problem a person looks at."""
    folded = squash(text).replace(",", "")
    match = re.fullmatch(r"([-−‐－△▲]?)([0-9]+)", folded)
    if match is None:
        return None
    return -int(match.group(2)) if match.group(1) else int(match.group(2))


def table_cell(page: FormPage, read: TableRead, row: str) -> Cell | None:
    """The cell of the last year column in the row whose header matches ``row`` (on whichever
    page of the table the row is printed)."""
    for table, columns in read.parts:
        years = [c for c in columns if c.fiscal_year is not None]
        if not years:
            continue
        left = years[0].x0 + TOL
        label = next((c for c in table.cells if c.bbox.x1 <= left and lp.search(row, page.key(c))), None)
        if label is None:
            continue
        starts = [c for c in table.cells if c.row == label.row]
        page.use(
            label, *(c for c in starts if c.bbox.x0 >= years[0].x0 - TOL and c.bbox.x1 <= years[-1].x1 + TOL)
        )
        return _cell_at(starts, years[-1])
    return None


def read_choices(page: FormPage, spec: MarkSpec, layout: FormLayout) -> tuple[list, list[str]]:
    """Items marked in their left neighbour (or marked at their own start), group by group,
    each group in reading order."""
    items: list = []
    problems: list[str] = []
    for pattern in spec.groups:
        label = find_label(page, [pattern])
        if label is None:
            problems.append(f"{spec.label}: group {pattern!r} not found")
            continue
        area = _group_area(page, label)
        page.use(label, *area)
        for cell in sorted(area, key=lambda c: (c.row, c.col)):
            text = _marked(page, cell, area, layout)
            if text is None:
                continue
            text = tight(nfkc(text) if spec.type == "int" else text)
            match = lp.search(spec.item, text) if text else None
            if match is None:
                problems.append(f"{spec.label}: a mark stands beside no item ({text!r})")
                continue
            items.append(int(match.group("value")) if spec.type == "int" else match.group("value"))
    if spec.type == "int":
        items = sorted(set(items))
    return items, problems


def _marked(page: FormPage, cell: Cell, area: list[Cell], layout: FormLayout) -> str | None:
    """The item a mark cell chooses (the cell right of it), or the rest of a cell that opens
    with a mark; None when the cell holds no mark."""
    key = page.key(cell)
    if key in layout.marks:
        item = next(
            (
                c
                for c in area
                if abs(c.bbox.x0 - cell.bbox.x1) <= TOL and abs(c.bbox.top - cell.bbox.top) <= TOL
            ),
            None,
        )
        return item.text if item is not None else ""
    text = cell.text.strip()
    if key[:1] in layout.marks and len(key) > 1:
        return text[1:]
    return None


def _group_area(page: FormPage, label: Cell) -> list[Cell]:
    """Cells right of a group label, from its top down to the next label in its column."""
    table = page.table_of(label)
    below = [
        c.bbox.top
        for c in table.cells
        if abs(c.bbox.x0 - label.bbox.x0) <= TOL and c.bbox.top >= label.bbox.bottom - TOL and page.key(c)
    ]
    bottom = min(below, default=table.bbox.bottom)
    return [
        c
        for c in table.cells
        if c.bbox.x0 >= label.bbox.x1 - TOL
        and c.bbox.top >= label.bbox.top - TOL
        and c.bbox.bottom <= bottom + TOL
    ]
