"""Read row tables: one record per rating cell, every other column found by overlap.

Columns come from the layout file (columns.py maps the header). A merged cell (a number over
sub-rows, a title over several departments) gives its text to every row it covers; sub-cells
of one column in one row are joined with a newline. Numbering carries over rows and pages: a
row with empty numbering cells continues the running item; a restart of ①… without (n) is the
next group. Heading boxes, split departments, flags, split markers and rows continued on the
next page (with or without the heads) are switched on by the layout.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from extract.reading import patterns as lp
from extract.reading.boxes import SheetFields, heading_box, sheet_field_values
from extract.reading.columns import (
    ColumnMap,
    body_cells,
    cell_of_row,
    continued_tables,
    find_table,
    first_owner,
    header_cells,
    overlapping,
    parse_markers,
    row_columns,
    text_of,
)
from extract.reading.normalise import (
    fold_kangxi,
    numbered_entries,
    parse_rating,
    split_after,
    squash,
)
from extract.reading.paragraphs import TEXT_RULES
from schemas.grid import NOTHING, Cell, PageGrid, Table, Taken, ids_of
from schemas.layout import Column, HeadingBox, RowLayout
from schemas.report import Box, Evaluation, Problem, Sheet


@dataclass
class _Sheet:
    sheet_no: int
    page: int
    box: dict[str, Any] = field(default_factory=dict)  # its heading box's fields, by name
    groups: dict[int, str] = field(default_factory=dict)  # the groups its box lists, by number
    fields: SheetFields = field(default_factory=SheetFields)


@dataclass
class _Item:
    group: int | None
    number: int | None
    title: str
    flags: dict[str, bool]


@dataclass
class _Row:
    sheet: _Sheet
    item: _Item
    department: str | None
    texts: dict[str, str]
    ratings: dict[str, str | None]
    page: int
    last_cells: dict[str, Cell | None] = field(default_factory=dict)  # to join a part on the next page


_Cut = tuple[Cell, list[_Row]]


@dataclass
class RowReader:
    """Feeds on the layout's sheet pages in document order; records at the end."""

    layout: RowLayout
    problems: list[Problem] = field(default_factory=list)
    _sheets: list[_Sheet] = field(default_factory=list)
    _rows: list[_Row] = field(default_factory=list)
    _item: _Item | None = None
    _group: int | None = None
    _cut: _Cut | None = None  # the title cell the last page's end cut, and its rows
    _columns: tuple[int, ColumnMap] | None = None  # the last table's page (where _cut was cut) and columns
    # this table's cells that go on an over_item cell the last page's end cut: the whole text
    _whole: dict[int, str] = field(default_factory=dict)

    def read_page(self, grid: PageGrid, taken: Taken = NOTHING) -> Taken:
        """Read a sheet page; ``taken``: what other readers read on it before (never read
        again). Returns what this page gave to the records."""
        tables = find_table(grid, self.layout)
        read = NOTHING
        if self.layout.box:
            read = self._read_box(grid, self.layout.box)
        elif tables and (not self._sheets or self._starts_sheet(grid)):
            self._sheets.append(_Sheet(len(self._sheets) + 1, grid.page_no))
            self._item, self._group = None, None
        if self._sheets:
            read |= self._read_sheet_fields(grid, taken | read)
        for table, cmap in tables:
            for name, header in cmap.by_content.items():
                label = next(c.label for c in self.layout.columns if c.name == name)
                message = (
                    f"{label}: the header {header!r} is none the layout lists; its column was "
                    "taken by its content (one rating letter per row)"
                )
                self.problems.append(Problem(code="column_by_content", message=message, page=grid.page_no))
            read |= ids_of(header_cells(table, cmap, self.layout.headings))
            read |= self._read_table(table, cmap, grid)
        return read

    def read_continued(self, grid: PageGrid, taken: Taken = NOTHING) -> Taken | None:
        """The last page's table run on without its heads (if the layout continues rows): what
        it read, or None when the page does not go on with it."""
        last = self._columns if self.layout.continue_rows else None
        found = continued_tables(grid.tables, last[1]) if last and grid.page_no == last[0] + 1 else []
        if not found:
            return None
        read = NOTHING
        for table, cmap in found:
            read |= self._read_table(table, cmap, grid)
            join = TEXT_RULES[self.layout.text].across_pages
            read |= self._sheets[-1].fields.go_on_below(table, taken | read, join)
        return read

    def _starts_sheet(self, grid: PageGrid) -> bool:
        """A page continuing the last sheet prints no title (a layout without one: every page)."""
        title = self.layout.report.title
        if not title:
            return True
        texts = grid.free_text + [c.text for t in grid.tables for c in t.cells]
        return any(lp.search(title, squash(t)) for t in texts)

    # -- what a sheet prints once ---------------------------------------------------------
    def _read_box(self, grid: PageGrid, spec: HeadingBox) -> Taken:
        """A heading box starts a sheet, unless it names the sheet before (the same numbers and
        title): then the groups it lists go on that sheet's."""
        found, read = heading_box(grid, spec)
        if found is None:
            return read
        current = self._sheets[-1] if self._sheets else None
        numbers = [f.number.field for f in spec.fields if f.number]
        title = next(f.name for f in spec.fields if f.role == "title")
        if (
            current
            and all(current.box.get(n) == found.fields[n] for n in numbers)
            and _same_title(str(current.box.get(title) or ""), str(found.fields[title]), grid)
        ):
            for no, text in found.groups.items():
                current.groups.setdefault(no, text)
            return read
        sheet = _Sheet(len(self._sheets) + 1, grid.page_no, box=found.fields, groups=found.groups)
        self._sheets.append(sheet)
        self._item, self._group = None, None
        return read

    def _read_sheet_fields(self, grid: PageGrid, taken: Taken) -> Taken:
        """The sheet's own fields on this page (none read from ``taken``); returns what it read."""
        fields, join = self._sheets[-1].fields, TEXT_RULES[self.layout.text].across_pages
        read = NOTHING
        for column in (c for c in self.layout.columns if c.scope == "sheet"):
            # a later page of the sheet (heads repeated) goes on with it
            found = sheet_field_values(grid, column.header, below_header=True, taken=taken | read)
            read |= found.taken | fields.go_on(column.name, found.value, found.cells, join)
        for spec in self.layout.sheet_fields:
            found = sheet_field_values(grid, [spec.pattern], below_header=False, taken=taken | read)
            read |= found.taken
            if found.value is not None and fields.values.get(spec.name) is None:
                fields.values[spec.name] = found.value
        return read

    # -- the ruled table ------------------------------------------------------------------
    def _read_table(self, table: Table, cmap: ColumnMap, grid: PageGrid) -> Taken:
        """Read the table's rows; returns the cells they read (a cell beside no rating is left
        to leftovers)."""
        self._whole = {}  # (cell ids of another page mean nothing here)
        if not self._sheets:
            message = "evaluation table before any heading box"
            self.problems.append(Problem(code="sheet_without_box", message=message, page=grid.page_no))
            self._sheets.append(_Sheet(1, grid.page_no, box=_no_box(self.layout.box)))
        columns = {
            c.name: body_cells(table, cmap, c.name, TEXT_RULES[self.layout.text].cell)
            for c in row_columns(self.layout)
            if c.name in cmap.spans or c.name in cmap.cuts
        }
        anchor = next(c.name for c in self.layout.columns if c.role == "rating")
        ratings = sorted(columns.get(anchor, []), key=lambda c: c.row)
        marked = [(col.name, c) for col in self._marker_columns() for c in columns.get(col.name, [])]
        markers = first_owner(marked, ratings)
        page_rows: list[tuple[Cell, _Row]] = []
        for index, cell in enumerate(ratings):
            before = len(self._rows)
            self._read_row(cell, index == 0, columns, ratings, markers.get(id(cell), []), grid.page_no)
            page_rows += [(cell, self._rows[-1])] if len(self._rows) > before else []
        self._cut = self._cut_title(columns, page_rows)
        self._columns = (grid.page_no, cmap)  # a next page may run the table on without heads
        rated = [(r.row, r.last_row) for r in ratings]
        return ids_of(
            cell
            for cell in table.cells
            if cell.row > cmap.header_last_row
            and cmap.column_of(cell) in columns
            and any(cell.row <= last and cell.last_row >= first for first, last in rated)
        )

    def _marker_columns(self) -> list[Column]:
        return [c for c in row_columns(self.layout) if c.role in ("number", "group", "title")]

    def _read_row(
        self,
        rating: Cell,
        first_on_page: bool,
        columns: dict[str, list[Cell]],
        ratings: list[Cell],
        markers: list[tuple[str, Cell]],
        page: int,
    ) -> None:
        def texts(name: str) -> str:
            cells = overlapping(columns.get(name, []), rating.row, rating.last_row)
            whole = self._whole.get(id(cells[0])) if len(cells) == 1 else None
            return text_of(cells) if whole is None else whole

        dept_col = self.layout.column("department")
        dept_cells = columns.get(dept_col.name, []) if dept_col else []
        department = cell_of_row(rating, dept_cells, ratings, dept_col.split_over_rows) if dept_col else None
        rated = {
            c.name: self._rating(texts(c.name) if c.role == "prev_rating" else fold_kangxi(rating.text), page)
            for c in row_columns(self.layout)
            if c.role in ("rating", "prev_rating")
        }
        text_cols = [c for c in row_columns(self.layout) if c.role == "text"]
        own = {c.name: overlapping(columns.get(c.name, []), rating.row, rating.last_row) for c in text_cols}
        marked = [(n, c) for n, c in markers if c.text.strip()]
        if first_on_page and self._cut is not None:
            marked = self._goes_on(marked, page)
        if first_on_page and not marked and any(rated.values()):
            self._join_item_cells(own, texts, page)
        if (
            self.layout.continue_rows and not marked and first_on_page and self._rows
            and not department and not any(rated.values())
        ):  # fmt: skip
            self._continue_last_row(own)
            return
        if marked:
            self._start_item(marked, page)
        if self._item is None:
            message = "a rated row with no item above it"
            self.problems.append(Problem(code="row_without_item", message=message, page=page))
            self._item = _Item(self._group, None, "", {})
        read = {c.name: texts(c.name) for c in text_cols}
        last_cells = {name: cells[-1] if cells else None for name, cells in own.items()}
        self._rows.append(_Row(self._sheets[-1], self._item, department, read, rated, page, last_cells))

    def _continue_last_row(self, own: dict[str, list[Cell]]) -> None:
        """The previous page's last row goes on at the top of this page: each text is joined
        across the page break by the layout's text rule."""
        last = self._rows[-1]
        join = TEXT_RULES[self.layout.text].across_pages
        for name, cells in own.items():
            first = cells[0] if cells else None
            last.texts[name] = join(
                last.texts.get(name, ""), last.last_cells.get(name), text_of(cells), first
            )
            last.last_cells[name] = cells[-1] if cells else last.last_cells.get(name)

    def _join_item_cells(self, own: dict[str, list[Cell]], texts: Callable[[str], str], page: int) -> None:
        """A page's first rated row goes on with the last page's item: the cells over the item's
        rows (``over_item`` columns) are the rest of the cells the page break cut. Each of the
        item's rows, on both pages, gets the whole text."""
        before = [r for r in self._rows if r.item is self._item and r.page == page - 1]
        join = TEXT_RULES[self.layout.text].across_pages
        for column in (c for c in row_columns(self.layout) if c.over_item and own.get(c.name) and before):
            name, first, cut = column.name, own[column.name][0], before[-1].last_cells.get(column.name)
            whole = join(before[-1].texts.get(name, ""), cut, texts(name), first)
            for row in before:
                if row.last_cells.get(name) is cut:
                    row.texts[name] = whole
            self._whole[id(first)] = whole

    def _cut_title(self, columns: dict[str, list[Cell]], rows: list[tuple[Cell, _Row]]) -> _Cut | None:
        """The title cell the page's end cut (it goes on on the next page), and its rows."""
        title = self.layout.column("title")
        if not (cut := [c for c in columns.get(title.name, []) if c.cut] if title else []):
            return None
        cell = max(cut, key=lambda c: c.row)
        return cell, [row for r, row in rows if r.row <= cell.last_row and r.last_row >= cell.row]

    def _goes_on(self, marked: list[tuple[str, Cell]], page: int) -> list[tuple[str, Cell]]:
        """A page's first row, in the title cell the last page's end cut: text without a number
        goes on the title; an item starting there owns the cut part's rows too if that part had
        no title (Calc may print a merged cell's text wholly on the next page). Returns the rest."""
        assert self._cut is not None
        (cut, rows), self._cut = self._cut, None
        title = self.layout.column("title")
        own = [(n, c) for n, c in marked if title and n == title.name]
        if not own or self._item is None or self._columns is None or page != self._columns[0] + 1:
            return marked
        group, number, text, flags = parse_markers(row_columns(self.layout), own)
        if cut.text.strip() and group is None and number is None:
            self._item.flags.update({k: True for k, v in flags.items() if v})  # 【新規】 in the part
            first, join = self._item.title, TEXT_RULES[self.layout.text].across_pages
            self._item.title = first + text if title.one_line else join(first, cut, text, own[0][1])
            return [(n, c) for n, c in marked if n != title.name]
        if not cut.text.strip() and rows and all(r.item is self._item for r in rows):
            self._start_item(marked, page)
            for row in rows:
                row.item = self._item
            return []
        return marked

    def _start_item(self, cells: list[tuple[str, Cell]], page: int) -> None:
        group, number, title, flags = parse_markers(row_columns(self.layout), cells)
        current = self._item
        if not title and number is None and group is None:
            return
        if current and not title and number is None and group == current.group:
            return  # the group cell alone, repeated at the top of a page
        same = current and title == current.title and number in (None, current.number)
        if same and group in (None, current.group):
            return  # the same item printed again on a new page
        if group is not None:
            self._group = group
            number = number if number is not None else 1
        elif current is not None and current.group == self._group:
            if number is None:
                number = (current.number or 0) + 1
            elif current.number is not None and number <= current.number and self._numbered_by_circles():
                self._group = (self._group or 0) + 1  # numbering restarts: the next group
        elif number is None:
            number = 1
        if not title and self.layout.column("title"):
            self.problems.append(
                Problem(
                    code="item_without_title",
                    message=f"no title in {' '.join(c.text for _, c in cells)!r}",
                    page=page,
                )
            )
        self._item = _Item(self._group, number, title, flags)

    def _numbered_by_circles(self) -> bool:
        return any(c.numbering and c.numbering.style == "circled" for c in row_columns(self.layout))

    def _rating(self, text: str, page: int) -> str | None:
        try:
            return parse_rating(text, self.layout.scale.letters)
        except ValueError:
            message = f"rating cell reads {text!r}, none of the scale's {'/'.join(self.layout.scale.letters)}"
            self.problems.append(Problem(code="unreadable_rating", message=message, page=page))
            return None

    # -- checks and results -------------------------------------------------------------
    def check(self) -> list[Problem]:
        """Structure that should be there and is not: a sign of a missing or unreadable page."""
        found: list[Problem] = []
        for sheet in self._sheets:
            numbers: dict[int | None, set[int]] = {}
            for r in self._rows:
                if r.sheet is sheet and r.item.number is not None:
                    numbers.setdefault(r.item.group, set()).add(r.item.number)
            named = self.layout.box.groups.label if self.layout.box and self.layout.box.groups else ""
            for group in sorted(set(sheet.groups) - set(numbers)):
                message = f"sheet {sheet.sheet_no}: {named}({group}) is listed in the box but has no rows"
                found.append(Problem(code="group_without_rows", message=message, page=sheet.page))
            for group, seen in numbers.items():
                missing = sorted(set(range(1, max(seen) + 1)) - seen)
                if missing:
                    where = f" group ({group})" if group is not None else ""
                    found.append(Problem(code="numbering_gap", message=f"sheet {sheet.sheet_no}{where}: "
                                         f"items {missing} are missing", page=sheet.page))  # fmt: skip
        return found

    def boxes(self) -> list[Box]:
        """Each sheet's heading box: its fields, then the groups it lists by number."""
        spec = self.layout.box
        if spec is None:
            return []
        out = []
        for s in self._sheets:
            groups = {}
            if spec.groups:
                number, title = spec.groups.number.field, spec.groups.title.field
                groups = {spec.groups.name: [{number: n, title: t} for n, t in sorted(s.groups.items())]}
            out.append(Box(sheet_no=s.sheet_no, **s.box, **groups, page=s.page))
        return out

    def sheets(self) -> list[Sheet]:
        return [
            Sheet(sheet_no=s.sheet_no, page=s.page, **s.fields.values)
            for s in self._sheets
            if s.fields.values
        ]

    def evaluations(self) -> list[Evaluation]:
        return [Evaluation(**self._record(row)) for row in self._rows]

    def _record(self, row: _Row) -> dict[str, Any]:
        out: dict[str, Any] = {"sheet_no": row.sheet.sheet_no}
        if self.layout.box:
            out.update({name: row.sheet.box.get(name) for name in self.layout.box.on_rows})
        for column in row_columns(self.layout):
            if column.role == "number":
                out[column.name] = row.item.number
            elif column.role == "group" and column.numbering:
                out[column.numbering.field] = row.item.group
            elif column.role == "title":
                if column.numbering:
                    out[column.numbering.field] = row.item.number
                out[column.name] = row.item.title
                if column.flag:
                    out[column.flag.field] = row.item.flags.get(column.flag.field, False)
            elif column.role == "department":
                out[column.name] = row.department
            elif column.role in ("rating", "prev_rating"):
                out[column.name] = row.ratings.get(column.name)
            elif column.split:
                split = split_after(row.texts.get(column.name), column.split.marker)
                out[column.name], out[column.split.field] = split
            else:
                out[column.name] = row.texts.get(column.name) or None
        if self.layout.item_title:
            spec = self.layout.item_title
            listed = numbered_entries(row.sheet.fields.values.get(spec.from_list))
            fallback = out.get(spec.fallback) if spec.fallback else None
            out[spec.field] = listed.get(row.item.number) or fallback
        out["page"] = row.page
        return out


def _same_title(printed: str, again: str, grid: PageGrid) -> bool:
    """Whether a sheet's box names the sheet before: the same title, or on a page read by OCR
    (which may read a glyph or a space differently on each page) nearly the same."""
    if printed == again:
        return True
    if grid.ocr is None:
        return False
    a, b = squash(printed), squash(again)
    return a == b or difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.85


def _no_box(spec: HeadingBox | None) -> dict[str, Any]:
    """The box of a sheet whose box was not found: each field empty, the title ''."""
    if spec is None:
        return {}
    out: dict[str, Any] = {name: None for name in spec.names() if not spec.groups or name != spec.groups.name}
    out |= {f.name: "" for f in spec.fields if f.role == "title"}
    return out
