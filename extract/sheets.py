"""Read evaluation sheets: the 【基本施策】 box and the ruled table, one row per department.

A sheet's table is read row by row in the order of its rating cells: every rating cell is
one evaluation. The other columns are found by overlap, so merged cells (a 施策 cell over
several initiatives, a title over several departments, a 事業実績 cell over two ratings)
give their text to every row they cover. State carries over pages: a row at the top of a
page without numbering belongs to the initiative running on the previous page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extract.classify import SHEET_REQUIRED
from extract.columns import ColumnMap, body_cells, map_columns, overlapping, text_of
from extract.normalise import (
    fold_kangxi,
    leading_number,
    parse_numbering,
    parse_rating,
    split_after,
    split_marker,
    squash,
)
from schemas.grid import Cell, PageGrid, Table
from schemas.layout import Layout
from schemas.report import Evaluation, Measure, Policy, Problem

_MARKER_COLUMNS = ("measure", "initiative")


@dataclass
class _Sheet:
    sheet_no: int
    goal_no: int | None
    goal_title: str | None
    policy_title: str
    measures: dict[int, str]
    page: int


@dataclass
class _Initiative:
    measure_no: int | None
    number: int | None
    title: str
    is_new: bool


@dataclass
class _Row:
    """One evaluation as printed, before its texts are split at the covid marker."""

    sheet: _Sheet
    initiative: _Initiative
    department: str | None
    results: str
    prev_rating: str | None
    rating: str | None
    outlook: str
    page: int


@dataclass
class SheetReader:
    """Feeds on evaluation pages in document order; ``policies()``/``evaluations()`` at the end."""

    layout: Layout
    problems: list[Problem] = field(default_factory=list)
    _sheets: list[_Sheet] = field(default_factory=list)
    _rows: list[_Row] = field(default_factory=list)
    _initiative: _Initiative | None = None
    _measure: int | None = None

    def read_page(self, grid: PageGrid) -> None:
        self._read_box(grid)
        for table in grid.tables:
            cmap = map_columns(table, self.layout.sheet_columns.model_dump(), SHEET_REQUIRED)
            if cmap is not None:
                self._read_table(table, cmap, grid.page_no)
        self._report_stray_text(grid)

    # -- the 【基本施策】 box -------------------------------------------------------------
    def _read_box(self, grid: PageGrid) -> None:
        box = self.layout.box
        pairs = _label_value_pairs(grid)
        goal = next((v for k, v in pairs if re.search(box.goal, k)), None)
        policy = next((v for k, v in pairs if re.search(box.policy, k)), None)
        if not policy:
            return
        measures: dict[int, str] = {}
        for key, value in pairs:
            match = re.search(box.measure, key)
            if match:
                measures[int(match.group(1))] = value
        goal_no, goal_title = leading_number(goal) if goal else (None, None)
        current = self._sheets[-1] if self._sheets else None
        if current and (current.goal_no, current.policy_title) == (goal_no, policy):
            for no, title in measures.items():
                current.measures.setdefault(no, title)
            return
        self._sheets.append(
            _Sheet(len(self._sheets) + 1, goal_no, goal_title, policy, measures, grid.page_no)
        )
        self._initiative, self._measure = None, None

    # -- the ruled table ------------------------------------------------------------------
    def _read_table(self, table: Table, cmap: ColumnMap, page: int) -> None:
        if not self._sheets:
            self.problems.append(
                Problem(
                    code="sheet_without_box",
                    message="evaluation table before any 【基本施策】 box",
                    page=page,
                )
            )
            self._sheets.append(_Sheet(1, None, None, "", {}, page))
        columns = {name: body_cells(table, cmap, name) for name in cmap.spans}
        ratings = sorted(columns.get("rating", []), key=lambda c: c.row)
        markers = _first_owner([c for name in _MARKER_COLUMNS for c in columns.get(name, [])], ratings)
        for index, cell in enumerate(ratings):
            self._read_row(cell, index == 0, columns, ratings, markers.get(id(cell), []), page)
        self._report_unmapped(table, cmap, page)

    def _read_row(
        self,
        rating: Cell,
        first_on_page: bool,
        columns: dict[str, list[Cell]],
        ratings: list[Cell],
        markers: list[Cell],
        page: int,
    ) -> None:
        def texts(name: str) -> str:
            return text_of(overlapping(columns.get(name, []), rating.row, rating.last_row))

        marker_text = " ".join(fold_kangxi(c.text) for c in sorted(markers, key=lambda c: c.col) if c.text)
        department = self._department(rating, columns.get("department", []), ratings)
        prev = self._rating(texts("prev_rating"), page)
        now = self._rating(fold_kangxi(rating.text), page)
        if not marker_text.strip() and first_on_page and self._rows and not department and not (prev or now):
            last = self._rows[-1]  # the same department row, continued from the previous page
            last.results = "\n".join(t for t in (last.results, texts("results")) if t)
            last.outlook = "\n".join(t for t in (last.outlook, texts("outlook")) if t)
            return
        if marker_text.strip():
            self._start_initiative(marker_text, page)
        if self._initiative is None:
            self.problems.append(
                Problem(
                    code="row_without_initiative",
                    message="a rated row with no initiative above it",
                    page=page,
                )
            )
            self._initiative = _Initiative(self._measure, None, "", False)
        self._rows.append(
            _Row(
                sheet=self._sheets[-1],
                initiative=self._initiative,
                department=department,
                results=texts("results"),
                prev_rating=prev,
                rating=now,
                outlook=texts("outlook"),
                page=page,
            )
        )

    def _start_initiative(self, text: str, page: int) -> None:
        measure, number, rest = parse_numbering(text)
        is_new, title = split_marker(rest, self.layout.markers.new)
        title = _join_title(title)
        current = self._initiative
        if not title and number is None and measure is None:
            return
        if current and not title and number is None and measure == current.measure_no:
            return  # the measure cell alone, repeated at the top of a page
        if (
            current
            and title == current.title
            and number in (None, current.number)
            and measure in (None, current.measure_no)
        ):
            return  # the same initiative printed again on a new page
        if measure is not None:
            self._measure = measure
            number = number if number is not None else 1
        elif current is not None and current.measure_no == self._measure:
            if number is None:
                number = (current.number or 0) + 1
            elif current.number is not None and number <= current.number:
                self._measure = (self._measure or 0) + 1  # numbering restarts: the next 施策
        elif number is None:
            number = 1
        if not title:
            self.problems.append(
                Problem(code="initiative_without_title", message=f"no title in {text!r}", page=page)
            )
        self._initiative = _Initiative(self._measure, number, title, is_new)

    def _department(self, rating: Cell, cells: list[Cell], ratings: list[Cell]) -> str | None:
        """A 担当課 cell over k rating rows names them in order (after a heading, if k+1 lines)."""
        own = overlapping(cells, rating.row, rating.last_row)
        if len(own) != 1:
            return text_of(own, " ") or None
        cell = own[0]
        covered = overlapping(ratings, cell.row, cell.last_row)
        lines = [fold_kangxi(t) for t in cell.text.split("\n") if t.strip()]
        k = len(covered)
        if k > 1 and len(lines) in (k, k + 1):
            return lines[len(lines) - k + covered.index(rating)]
        return " ".join(lines) or None

    def _rating(self, text: str, page: int) -> str | None:
        try:
            return parse_rating(text)
        except ValueError:
            self.problems.append(
                Problem(code="unreadable_rating", message=f"rating cell reads {text!r}", page=page)
            )
            return None

    # -- what landed nowhere ------------------------------------------------------------
    def _report_unmapped(self, table: Table, cmap: ColumnMap, page: int) -> None:
        for cell in table.cells:
            if cell.row > cmap.header_last_row and cell.text and cmap.column_of(cell) is None:
                self.problems.append(
                    Problem(
                        code="stray_cell", message=f"cell outside every column: {cell.text[:40]!r}", page=page
                    )
                )

    def _report_stray_text(self, grid: PageGrid) -> None:
        box_marker = squash(self.layout.markers.policy_box)
        for line in grid.free_text:
            if squash(line) != box_marker and not re.fullmatch(
                self.layout.markers.running_head, line.strip()
            ):
                self.problems.append(
                    Problem(
                        code="stray_text",
                        message=f"text outside the tables: {line[:60]!r}",
                        page=grid.page_no,
                    )
                )

    def check(self) -> list[Problem]:
        """Structure that should be there and is not: a sign of a missing or unreadable page."""
        found: list[Problem] = []
        for sheet in self._sheets:
            rows = [r for r in self._rows if r.sheet is sheet]
            numbers: dict[int | None, set[int]] = {}
            for r in rows:
                if r.initiative.number is not None:
                    numbers.setdefault(r.initiative.measure_no, set()).add(r.initiative.number)
            for measure in sorted(set(sheet.measures) - set(numbers)):
                found.append(
                    Problem(code="measure_without_rows", message=f"sheet {sheet.sheet_no}: 施策({measure}) "
                            "is listed in the box but has no rows", page=sheet.page)
                )  # fmt: skip
            for measure, seen in numbers.items():
                missing = sorted(set(range(1, max(seen) + 1)) - seen)
                if missing:
                    found.append(
                        Problem(code="numbering_gap", message=f"sheet {sheet.sheet_no} 施策({measure}): "
                                f"initiatives {missing} are missing", page=sheet.page)
                    )  # fmt: skip
        return found

    # -- results ------------------------------------------------------------------------
    def policies(self) -> list[Policy]:
        return [
            Policy(
                sheet_no=s.sheet_no,
                goal_no=s.goal_no,
                goal_title=s.goal_title,
                policy_title=s.policy_title,
                measures=[Measure(measure_no=n, measure_title=t) for n, t in sorted(s.measures.items())],
                page=s.page,
            )
            for s in self._sheets
        ]

    def evaluations(self) -> list[Evaluation]:
        covid = self.layout.markers.covid
        out = []
        for row in self._rows:
            results, results_covid = split_after(row.results, covid)
            outlook, outlook_covid = split_after(row.outlook, covid)
            out.append(
                Evaluation(
                    sheet_no=row.sheet.sheet_no,
                    goal_no=row.sheet.goal_no,
                    policy_title=row.sheet.policy_title,
                    measure_no=row.initiative.measure_no,
                    initiative_no=row.initiative.number,
                    initiative_title=row.initiative.title,
                    is_new=row.initiative.is_new,
                    department=row.department,
                    results=results,
                    results_covid=results_covid,
                    prev_rating=row.prev_rating,
                    rating=row.rating,
                    outlook=outlook,
                    outlook_covid=outlook_covid,
                    page=row.page,
                )
            )
        return out


def _first_owner(cells: list[Cell], ratings: list[Cell]) -> dict[int, list[Cell]]:
    """Give each numbering/title cell to the first rating row it covers."""
    owners: dict[int, list[Cell]] = {}
    for cell in cells:
        covered = overlapping(ratings, cell.row, cell.last_row)
        if covered:
            first = min(covered, key=lambda c: c.row)
            owners.setdefault(id(first), []).append(cell)
    return owners


def _join_title(title: str) -> str:
    """A title cell is one name: its wrapped lines and stray breaks are joined."""
    return "".join(part.strip() for part in title.split("\n"))


def _label_value_pairs(grid: PageGrid) -> list[tuple[str, str]]:
    """(label, value) rows of two-column key/value tables, else of free text lines."""
    pairs: list[tuple[str, str]] = []
    for table in grid.tables:
        for row in table.rows():
            if len(row) >= 2:
                pairs.append((squash(row[0].text), " ".join(fold_kangxi(c.text) for c in row[1:]).strip()))
    if pairs:
        return pairs
    for line in grid.free_text:
        label, _, value = line.strip().partition(" ")
        if value:
            pairs.append((squash(label), fold_kangxi(value.strip())))
    return pairs
