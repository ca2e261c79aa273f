"""Read form pages (one record per page) through a form layout file: extract/layouts/NAME.toml.

The reader knows no form: the layout file names the labels, the embedded tables, the mark
groups and the rating cells, and the reader finds them by geometry. A page that is not the
form, or lacks a required value, becomes a problem with its page number; text that lands in
no field is reported too, so that nothing is lost silently.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from extract.reading import patterns as lp
from extract.reading.form_cells import (
    FormPage,
    below,
    continued,
    find_label,
    free_below,
    free_match,
    joined_text,
    matches,
    nfkc,
    right_of,
    right_stack,
    row_right,
    value_text,
)
from extract.reading.form_tables import TableRead, era_years, read_choices, read_table, table_cell
from extract.reading.normalise import fiscal_year, squash
from schemas.form import FieldSpec, FormLayout, Project, RatingSpec
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

    def projects(self) -> list[Project]:
        return list(self._projects)

    def report_fields(self) -> dict:
        """The publication's fields as printed on its sheets, plus the Gregorian fiscal year."""
        out: dict = {spec.name: self._report.get(spec.name) for spec in self.layout.report}
        label = out.get("fiscal_year_label")
        found = fiscal_year(label) if label else None
        out["fiscal_year"] = found[1] if found else None
        return out

    def read_page(self, grid: PageGrid) -> None:
        """Read one page: a record when it is the form, else a problem naming the page."""
        if grid.unreadable:
            self._problem("unreadable_page", grid.unreadable, grid.page_no)
            return
        page = FormPage.of(grid)
        missing = missing_marks(self.layout, page)
        if missing:
            self._problem("not_a_form", f"not a {self.layout.label}: no {', '.join(missing)}", grid.page_no)
            return
        odd = _odd(page, self.layout)
        if odd:
            self._problem("odd_page", odd, grid.page_no)
            return
        try:
            self._read_report(page)
            data, notes = self._read_record(page)
            absent = [f.label for f in self.layout.fields if f.required and data.get(f.name) is None]
            if absent:
                raise ValueError(f"no {', '.join(absent)}")
            project = Project(**data, page=grid.page_no)
        except ValidationError as exc:
            self._problem("odd_page", f"record does not validate: {exc.errors()[0]['msg']}", grid.page_no)
            return
        except (ValueError, LookupError) as exc:  # a page shaped unlike the layout: not a failed file
            self._problem("odd_page", f"cannot read the page as {self.layout.label}: {exc}", grid.page_no)
            return
        self._projects.append(project)
        for note in notes + _unread(page, self.layout):
            self._problem("form_field", note, grid.page_no)

    def _problem(self, code: str, message: str, page: int) -> None:
        self.problems.append(Problem(code=code, message=message, page=page))

    def _read_report(self, page: FormPage) -> None:
        for spec in self.layout.report:
            value = free_match(page, spec.free or "")
            if value is None:
                continue
            known = self._report.setdefault(spec.name, value)
            if known != value:
                self._problem(
                    "report_field", f"{spec.label}: {value!r} differs from {known!r}", page.grid.page_no
                )

    def _read_record(self, page: FormPage) -> tuple[dict, list[str]]:
        data: dict = {}
        notes: list[str] = []
        tables: dict[str, TableRead] = {}
        for spec in self.layout.tables:
            read = read_table(page, spec, self.layout)
            if read is None:
                data[spec.name] = []
                notes.append(f"{spec.label}: table not found")
                continue
            tables[spec.name] = read
            data[spec.name] = read.entries
            notes += read.problems
        for choice in self.layout.choices:
            data[choice.name], found = read_choices(page, choice, self.layout)
            notes += found
        for rating in self.layout.ratings:
            notes += _rating(page, rating, self.layout, data)
        for spec in self.layout.fields:
            data[spec.name], note = _field(page, spec, self.layout, data, tables)
            if note:
                notes.append(note)
        return data, notes


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
    if spec.free is not None:
        text = free_match(page, spec.free)
        if text is None:
            return None, f"{spec.label}: not printed"
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
        text = _beside(page, label, spec)
    return _typed(text, spec)


def _beside(page: FormPage, label: Cell, spec: FieldSpec) -> str | None:
    if spec.value == "row":
        cells = row_right(page, label)
        page.use(label, *cells)
        return value_text(" ".join(c.text.strip() for c in cells if c.text.strip()))
    if spec.value == "below":
        cells = [c for c in [below(page, label)] if c is not None]
    else:
        cells = right_stack(page, label)
        cells = cells[:-1] + continued(page, label, cells[-1]) if cells else []
    page.use(label, *cells)
    return value_text(joined_text(cells)) if cells else None


def _typed(text: str | None, spec: FieldSpec) -> tuple[object, str | None]:
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
    data[spec.name] = nfkc(match.group("letter"))
    data[spec.label_field] = match.group("label").strip() or None
    return []


def _unread(page: FormPage, layout: FormLayout) -> list[str]:
    """Printed text that no field, table or heading took."""
    out = []
    for _, cell in page.cells:
        key = page.key(cell)
        if key and page.unused(cell) and not matches(layout.ignore, key):
            out.append(f"text in no field: {cell.text.strip()[:60]!r}")
    for line in page.grid.free_lines:
        key = squash(line.text)
        if key and page.unused(line) and not matches(layout.ignore, key):
            out.append(f"text in no field: {line.text.strip()[:60]!r}")
    return out
