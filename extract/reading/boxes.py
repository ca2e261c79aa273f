"""Read values printed beside or below their label: heading boxes and sheet-level cells.

A form prints some facts once per sheet in a labelled cell (目指す学校像 | …, 基本施策 | …) or
as a heading over one tall cell (学校関係者からの意見… over the comment). These functions find
the label by the layout's pattern and return the value's text, marking what they read as used
on the page so that nothing else reports it as stray.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from extract.reading import patterns as lp
from extract.reading.normalise import fold_kangxi, leading_number, squash, to_int
from schemas.grid import BBox, Cell, PageGrid, Table
from schemas.layout import PolicyBox

MAX_LABEL_CHARS = 60


def label_value_pairs(grid: PageGrid) -> list[tuple[str, str, list[int]]]:
    """(label, value, ids read) of two-column key/value rows, else of 'label value' free lines."""
    pairs: list[tuple[str, str, list[int]]] = []
    for table in grid.tables:
        for row in table.rows():
            if len(row) >= 2:
                value = " ".join(fold_kangxi(c.text) for c in row[1:]).strip()
                pairs.append((squash(row[0].text), value, [id(c) for c in row]))
    if pairs:
        return pairs
    for line in grid.free_lines:
        label, _, value = line.text.strip().partition(" ")
        if value:
            pairs.append((squash(label), fold_kangxi(value.strip()), [id(line)]))
    return pairs


def sheet_field_values(
    grid: PageGrid, patterns: list[str], below_header: bool, found: list[Cell] | None = None
) -> str | None:
    """The value of a labelled field: cells right of (else below) the label, else free lines.

    ``below_header``: the label heads a column over one tall cell; the lowest matching label of
    a table is the one right above the value (学校関係者評価 / date / 学校関係者からの意見 / value).
    ``found`` gets the value's cells (to join a value a page break cut).
    """
    compiled = [lp.compile(p) for p in patterns]
    for table in grid.tables:
        labels = [
            c for c in table.cells
            if id(c) not in grid.used and c.text.strip() and len(squash(c.text)) <= MAX_LABEL_CHARS
            and any(p.search(squash(c.text)) for p in compiled)
        ]  # fmt: skip
        if not labels:
            continue
        label = max(labels, key=lambda c: c.last_row) if below_header else labels[0]
        cells = ([] if below_header else _right_of(table, label, grid)) or _below(table, label, grid)
        if cells:
            grid.used.update(id(c) for c in [label, *cells])
            if found is not None:
                found.extend(cells)
            return "\n".join(fold_kangxi(c.text) for c in cells if c.text.strip()) or None
    return _free_lines_after(grid, compiled)


def _right_of(table: Table, label: Cell, grid: PageGrid) -> list[Cell]:
    cells = [
        c for c in table.cells
        if abs(c.bbox.x0 - label.bbox.x1) <= 1.5 and c.row >= label.row and c.last_row <= label.last_row
        and id(c) not in grid.used
    ]  # fmt: skip
    return sorted(cells, key=lambda c: c.row) if any(c.text.strip() for c in cells) else []


def _below(table: Table, label: Cell, grid: PageGrid) -> list[Cell]:
    """Cells under the label, within its width, down to the table's end."""
    cells = [
        c for c in table.cells
        if c.row > label.last_row and c.bbox.x0 >= label.bbox.x0 - 1.5 and c.bbox.x1 <= label.bbox.x1 + 1.5
        and id(c) not in grid.used
    ]  # fmt: skip
    first = min((c.row for c in cells), default=None)
    return sorted((c for c in cells if c.row == first), key=lambda c: c.col) if first is not None else []


def _free_lines_after(grid: PageGrid, compiled: list[re.Pattern[str]]) -> str | None:
    """A label printed as a free line: the free lines right below it are its value."""
    lines = sorted(grid.free_lines, key=lambda ln: (ln.top, ln.x0))
    for i, line in enumerate(lines):
        if id(line) in grid.used or not any(p.search(squash(line.text)) for p in compiled):
            continue
        taken, bottom = [line], line.bottom
        for nxt in lines[i + 1 :]:
            apart = nxt.top - bottom > 2.5 * (line.bottom - line.top)
            if id(nxt) in grid.used or apart or nxt.x0 > line.x1 or nxt.x1 < line.x0:
                break
            taken.append(nxt)
            bottom = nxt.bottom
        if len(taken) > 1:
            grid.used.update(id(ln) for ln in taken)
            return "\n".join(fold_kangxi(ln.text.strip()) for ln in taken[1:])
    return None


def policy_box(grid: PageGrid, box: PolicyBox) -> tuple[int | None, str | None, str, dict[int, str]] | None:
    """A sheet's heading box (Koganei's 【基本施策】): goal number and title, policy title and
    the measures by number, what it read marked used; None without a policy title."""
    for line in grid.free_lines:
        if squash(line.text) == squash(box.marker):
            grid.used.add(id(line))
    pairs = label_value_pairs(grid)
    goal = next((v for k, v, _ in pairs if lp.search(box.goal, k)), None)
    policy = next((v for k, v, _ in pairs if lp.search(box.policy, k)), None)
    if not policy:
        return None
    measures: dict[int, str] = {}
    for k, value, _ in pairs:
        if match := lp.search(box.measure, k):
            measures[int(to_int(match.group(1)) or 0)] = value
    for k, _, ids in pairs:
        if any(lp.search(p, k) for p in (box.goal, box.policy, box.measure)):
            grid.used.update(ids)
    goal_no, goal_title = leading_number(goal) if goal else (None, None)
    return goal_no, goal_title, policy, measures


# how a cell cut by a page break is joined again: (first part, its cell, second part, its cell)
JoinAcross = Callable[[str, Cell | None, str, Cell | None], str]


@dataclass
class SheetFields:
    """What a sheet prints once, by field; a field's last cell, to join a part on a later page."""

    values: dict[str, str | None] = field(default_factory=dict)
    ends: dict[str, Cell | None] = field(default_factory=dict)

    def go_on(
        self, name: str, value: str | None, cells: list[Cell], grid: PageGrid, join: JoinAcross
    ) -> None:
        """A field's value, or its part on a later page of the sheet joined to what it has."""
        if value is not None and (before := self.values.get(name)) is not None:
            value = join(before, self.ends.get(name), value, cells[0] if cells else None)
        if value is not None:
            self.values[name], self.ends[name] = value, cells[-1] if cells else None
            grid.used.update(id(c) for c in cells)

    def go_on_below(self, table: Table, grid: PageGrid, join: JoinAcross) -> None:
        """A table run onto a page without its heads: each field's part under its last cell."""
        for name, end in list(self.ends.items()):
            cells = [
                c for c in table.cells
                if end and c.text.strip() and id(c) not in grid.used and _same_column(c.bbox, end.bbox)
            ]  # fmt: skip
            self.go_on(name, "\n".join(fold_kangxi(c.text) for c in cells) or None, cells, grid, join)


def _same_column(a: BBox, b: BBox, tol: float = 1.5) -> bool:
    return abs(a.x0 - b.x0) <= tol and abs(a.x1 - b.x1) <= tol
