"""Read form pages (one record per page) through a form layout file: extract/layouts/NAME.toml.

The reader knows no form: the layout file names the labels, the embedded tables, the mark
groups and the rating cells, and the reader finds them by geometry. A page that is not the
form, or lacks a required value, becomes a problem with its page number; text that lands in
no field is reported too, so that nothing is lost silently.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError

from extract.reading import patterns as lp
from extract.reading.form_cells import (
    FormPage,
    below,
    carried_over,
    cell_match,
    continued,
    find_label,
    free_below,
    free_match,
    joined_text,
    left_of,
    matches,
    nfkc,
    right_of,
    right_stack,
    row_right,
    value_text,
)
from extract.reading.form_sheets import (
    block_number,
    block_pages,
    inline_choice,
    read_appendix,
    sheet_pages,
    stack,
    starts_sheet,
)
from extract.reading.form_tables import TableRead, era_years, read_choices, read_table, table_cell
from extract.reading.normalise import fiscal_year, fold_rating, squash
from extract.reading.text import line_text
from schemas.form import FieldSpec, FormLayout, Project, RatingSpec, TableSpec
from schemas.grid import Cell, PageGrid
from schemas.report import Problem


def missing_marks(layout: FormLayout, page: FormPage) -> list[str]:
    """The layout's detect patterns a page does not print: none means the page is the form."""
    text = page.text()
    return [p for p in layout.detect.all if not lp.search(p, text)]


def is_form_page(layout: FormLayout, grid: PageGrid) -> bool:
    """True when the page prints everything the layout's [detect] asks for."""
    return not grid.unreadable and not missing_marks(layout, FormPage.of(grid))


class FormReader:
    """Feed it page grids; it keeps one Project per form page and a problem per odd page."""

    def __init__(self, layout: FormLayout) -> None:
        self.layout = layout
        self.problems: list[Problem] = []
        self._projects: list[Project] = []
        self._report: dict[str, str | None] = {}
        self._sheet: list[PageGrid] = []  # the pages of the sheet being read ([sheet] layouts)
        self._appendix: list[PageGrid] = []  # its appendix pages (別紙), read apart
        self.sheet_pages: set[int] = set()  # pages that went into a record

    def projects(self) -> list[Project]:
        return list(self._projects)

    def report_fields(self, file_name: str = "") -> dict:
        """The publication's fields as printed on its sheets (or given by the layout, or named
        in the file name), plus the Gregorian fiscal year."""
        out: dict = {}
        for spec in self.layout.report:
            if out.get(spec.name) is None:
                out[spec.name] = self._report.get(spec.name) or _given(spec, file_name)
        label = out.get("fiscal_year_label")
        found = fiscal_year(label) if label else None
        out["fiscal_year"] = found[1] if found else None
        return out

    def read_page(self, grid: PageGrid) -> None:
        """Read one page: a record when it is the form, else a problem naming the page. With a
        [sheet], the page starts a sheet or continues the one begun (read by ``finish``)."""
        if grid.unreadable:
            self._problem("unreadable_page", grid.unreadable, grid.page_no)
            return
        if self.layout.sheet is None:
            self._read_sheet(FormPage.of(grid), [grid.page_no])
            return
        appendix = self.layout.sheet.appendix
        if appendix is not None and self._sheet and starts_sheet(grid, appendix.marker):
            self._appendix.append(grid)
        elif starts_sheet(grid, self.layout.sheet.start):
            self.finish()
            self._sheet = [grid]
        elif self._sheet:
            self._sheet.append(grid)
        elif any(c.text.strip() for t in grid.tables for c in t.cells) or grid.free_lines:
            self._problem("not_a_form", f"not a {self.layout.label}: before any sheet's start", grid.page_no)

    def finish(self) -> None:
        """Read the sheet whose pages were collected (a [sheet] layout), if any."""
        if self._sheet:
            grids, self._sheet = self._sheet, []
            appendix, self._appendix = self._appendix, []
            spec = self.layout.sheet.appendix if self.layout.sheet else None
            extra = (
                {spec.name: [read_appendix(g, spec, self.layout.ignore) for g in appendix]} if spec else {}
            )
            before = len(self._projects)
            self._read_sheet(stack(grids), [g.page_no for g in grids], extra)
            for grid in appendix if len(self._projects) == before else []:
                message = f"page {grid.page_no}: an appendix of a sheet not read"
                self._problem("page_not_read", message, grid.page_no)

    def _read_sheet(self, page: FormPage, pages: list[int], extra: dict | None = None) -> None:
        missing = missing_marks(self.layout, page)
        if missing:
            self._problem("not_a_form", f"not a {self.layout.label}: no {', '.join(missing)}", pages[0])
            return
        odd = _odd(page, self.layout)
        if odd:
            self._problem("odd_page", odd, pages[0])
            return
        try:
            self._read_report(page)
            data, notes = self._read_record(page)
            absent = [f.label for f in self.layout.fields if f.required and data.get(f.name) is None]
            if absent:
                raise ValueError(f"no {', '.join(absent)}")
            sheet = {"pages": pages, **(extra or {})} if self.layout.sheet else {}
            project = Project(**data, page=pages[0], **sheet)
        except ValidationError as exc:
            self._problem("odd_page", f"record does not validate: {exc.errors()[0]['msg']}", pages[0])
            return
        except (ValueError, LookupError) as exc:  # a page shaped unlike the layout: not a failed file
            self._problem("odd_page", f"cannot read the page as {self.layout.label}: {exc}", pages[0])
            return
        self._projects.append(project)
        self.sheet_pages.update(pages)
        for note in notes:
            self._problem("form_field", note, pages[0])
        for where, note in _unread(page, self.layout):
            self._problem("form_field", note, page.page_at(where) if page.spans else pages[0])
        for unread in _pages_unread(page, pages):
            self._problem("page_not_read", f"page {unread} of the sheet: nothing on it was read", unread)

    def _problem(self, code: str, message: str, page: int) -> None:
        self.problems.append(Problem(code=code, message=message, page=page))

    def _read_report(self, page: FormPage) -> None:
        for spec in self.layout.report:
            if spec.free is None and spec.cell is None:
                continue
            value = free_match(page, spec.free) if spec.free else cell_match(page, spec.cell or "")
            if value is None:
                continue
            known = self._report.setdefault(spec.name, value)
            if known != value:
                self._problem(
                    "report_field", f"{spec.label}: {value!r} differs from {known!r}", page.grid.page_no
                )

    def _read_record(self, page: FormPage) -> tuple[dict, list[str]]:
        notes: list[str] = []
        blocks: dict[str, list[dict]] = {}
        areas: list[FormPage] = []
        for block in self.layout.blocks:
            blocks[block.name] = []
            for area in block_pages(page, block):
                areas.append(area)
                item, found = read_fields(area, block.fields, block.tables, self.layout)
                cells = [c for _, c in area.cells]
                no = block_number(area, block)
                blocks[block.name].append({"no": no, "pages": sheet_pages(area, cells), **item})
                notes += [f"{block.label} {no}: {n}" for n in found]
        data, found = self._read_fields(page.outside(areas) if areas else page)
        return {**data, **blocks}, notes + found

    def _read_fields(self, page: FormPage) -> tuple[dict, list[str]]:
        data, tables, notes = read_tables(page, self.layout.tables, self.layout)
        for choice in self.layout.choices:
            data[choice.name], found = read_choices(page, choice, self.layout)
            notes += found
        for rating in self.layout.ratings:
            notes += _rating(page, rating, self.layout, data)
        fields, found = read_fields(page, self.layout.fields, [], self.layout, tables)
        return {**data, **fields}, notes + found


def read_tables(
    page: FormPage, specs: list[TableSpec], layout: FormLayout
) -> tuple[dict, dict[str, TableRead], list[str]]:
    """Each table's entries (a table not found: null, not an empty list, and a note saying
    so), the tables read, and why any was not read whole."""
    data: dict = {}
    tables: dict[str, TableRead] = {}
    notes: list[str] = []
    for spec in specs:
        read = read_table(page, spec, layout)
        if read is None:
            data[spec.name] = None
            data.update({spec.remarks: None} if spec.remarks else {})
            notes.append(f"{spec.label}: table not found")
            continue
        tables[spec.name] = read
        data[spec.name] = read.entries
        data.update({spec.remarks: read.remarks} if spec.remarks else {})
        notes += read.problems
    return data, tables, notes


def read_fields(
    page: FormPage,
    specs: list[FieldSpec],
    table_specs: list[TableSpec],
    layout: FormLayout,
    tables: dict[str, TableRead] | None = None,
) -> tuple[dict, list[str]]:
    """Tables, then fields (those of a ``group`` nested in one object); with why any was not read."""
    data, read, notes = read_tables(page, table_specs, layout)
    tables = {**(tables or {}), **read}
    for spec in specs:
        value, note = _field(page, spec, layout, data, tables)
        if spec.group is not None:
            data.setdefault(spec.group, {})[spec.name] = value
        else:
            data[spec.name] = value
        if note:
            notes.append(note)
        elif value is None and spec.required:
            notes.append(f"{spec.label}: not printed")
    return data, notes


def _given(spec: FieldSpec, file_name: str) -> str | None:
    """A report fact the layout gives (a constant) or the file name names (with its era)."""
    if spec.constant is not None:
        return spec.constant
    if spec.file_name is not None and (match := lp.search(spec.file_name, Path(file_name).stem)):
        value = match.group("value")
        return f"{spec.era}{int(value)}年度" if spec.era else value
    return None


def _odd(page: FormPage, layout: FormLayout) -> str | None:
    """Why a page that passed detection is not one sheet: a required label missing or printed
    more than once (a list of projects, or two sheets on one page)."""
    for spec in (f for f in layout.fields if f.required and f.labels):
        found = [c for _, c in page.cells if matches(spec.labels, page.key(c))]
        if len(found) != 1:
            return f"{len(found)} cells labelled {spec.label}: not one {layout.label}"
    return None


def _field(
    page: FormPage, spec: FieldSpec, layout: FormLayout, data: dict, tables: dict[str, TableRead]
) -> tuple[object, str | None]:
    """One field's value and, when it could not be read as the layout says, why."""
    if spec.constant is not None:
        return _typed(spec.constant, spec)
    if spec.free is not None or spec.cell is not None:
        text = free_match(page, spec.free) if spec.free else cell_match(page, spec.cell or "")
        if text is None:
            return None, None if spec.optional else f"{spec.label}: not printed"
    elif spec.source is not None:
        years = era_years(data.get(spec.source) or "", layout.years)
        index = (spec.era_year or 1) - 1
        return (years[index] if index < len(years) else None), None
    elif spec.table is not None:
        read = tables.get(spec.table)
        cell = table_cell(page, read, spec.row or "") if read else None
        text = value_text(cell.text) if cell else None
    elif spec.value == "free_below":
        found, text = free_below(page, spec.labels)
        if not found:
            return None, f"{spec.label}: label not found"
    else:
        label = find_label(page, spec.labels, spec.after)
        if label is None:
            return None, f"{spec.label}: label not found"
        if spec.chosen:
            cell = right_of(page, label)
            page.use(label, cell)
            return inline_choice([cell] if cell else [], spec)
        text = _beside(page, label, spec)
    return _typed(text, spec)


def _beside(page: FormPage, label: Cell, spec: FieldSpec) -> str | None:
    if spec.value == "left":
        cell = left_of(page, label)
        page.use(label, cell)
        return value_text(cell.text) if cell else None
    if spec.value == "row":
        cells = row_right(page, label)
        page.use(label, *cells)
        return value_text(" ".join(c.text.strip() for c in cells if c.text.strip()))
    if spec.value == "below":
        cells = [c for c in [below(page, label)] if c is not None]
    else:
        cells = right_stack(page, label)
        cells = cells[:-1] + continued(page, label, cells[-1]) if cells else []
        cells += carried_over(page, label, cells[-1]) if cells else []
    page.use(label, *cells)
    if spec.join is not None and cells:
        sep = {"nothing": "", "space": " ", "newline": "\n"}[spec.join]
        return value_text(sep.join(line_text(ln) for c in cells for ln in c.lines))
    return value_text(joined_text(cells)) if cells else None


def _typed(text: str | None, spec: FieldSpec) -> tuple[object, str | None]:
    if text is not None and spec.part is not None:
        head, _, tail = text.partition("\n")
        text = value_text(head if spec.part == "first" else tail)
    if text is None:
        return None, None
    if spec.type == "int":
        digits = nfkc(text).strip()
        return (int(digits), None) if digits.isdigit() else (None, f"{spec.label}: not a number: {text!r}")
    if spec.vocabulary and squash(text) not in {squash(v) for v in spec.vocabulary}:
        return text, f"{spec.label}: {text!r} is none of {', '.join(spec.vocabulary)}"
    return text, None


def _rating(page: FormPage, spec: RatingSpec, layout: FormLayout, data: dict) -> list[str]:
    """A rating cell beside its label: letter and printed label into two fields."""
    data[spec.name] = data[spec.label_field] = None
    label = find_label(page, spec.labels)
    if label is None:
        return [f"{spec.label}: label not found"]
    cell = right_of(page, label)
    page.use(label, cell)
    text = value_text(cell.text) if cell else None
    if text is None:
        return []
    match = lp.match(layout.rating_pattern, text, re.DOTALL)
    if match is None:
        return [f"{spec.label}: not a rating: {text!r}"]
    letter = fold_rating(match.group("letter"))
    if letter not in layout.scale.letters:
        return [
            f"{spec.label}: {text!r} rates {letter!r}, none of the scale's {'/'.join(layout.scale.letters)}"
        ]
    data[spec.name] = letter
    data[spec.label_field] = match.group("label").strip() or None
    return []


def _unread(page: FormPage, layout: FormLayout) -> list[tuple[float, str]]:
    """Printed text that no field, table or heading took, with the height it is printed at."""
    out = []
    for _, cell in page.cells:
        key = page.key(cell)
        if key and page.unused(cell) and not matches(layout.ignore, key):
            out.append((cell.bbox.top, f"text in no field: {cell.text.strip()[:60]!r}"))
    for line in page.grid.free_lines:
        key = squash(line.text)
        if key and page.unused(line) and not matches(layout.ignore, key):
            out.append((line.top, f"text in no field: {line.text.strip()[:60]!r}"))
    return out


def _pages_unread(page: FormPage, pages: list[int]) -> list[int]:
    """Pages of a stacked sheet that gave nothing to the record (a printed appendix)."""
    if len(pages) < 2:
        return []
    read = {page.page_at(c.bbox.top) for _, c in page.cells if not page.unused(c)}
    read |= {page.page_at(ln.top) for ln in page.grid.free_lines if not page.unused(ln)}
    return [p for p in pages if p not in read]
