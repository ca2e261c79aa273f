"""Read values printed beside or below their label: heading boxes and sheet-level cells.

A form prints some facts once per sheet in a labelled cell (目指す学校像 | …, 基本施策 | …) or
as a heading over one tall cell (学校関係者からの意見… over the comment). These functions find
the label by the layout's pattern and return the value's text with the cells and lines they
read (``Taken``), so that nothing else reports them as stray; ``taken``, what was read on the
page before, is never read again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from extract.reading import patterns as lp
from extract.reading.normalise import fold_kangxi, leading_number, squash, to_int
from schemas.grid import NOTHING, BBox, Cell, PageGrid, Table, Taken, ids_of
from schemas.layout import HeadingBox

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


class FieldRead(NamedTuple):
    """A labelled field's value, the cells it was read from (to join a value a page break cut)
    and everything read for it (label and value, cells or lines)."""

    value: str | None
    cells: list[Cell]
    taken: Taken


def sheet_field_values(grid: PageGrid, patterns: list[str], below_header: bool, taken: Taken) -> FieldRead:
    """The value of a labelled field: cells right of (else below) the label, else free lines;
    nothing in ``taken`` (read before on the page) is a label or a value.

    ``below_header``: the label heads a column over one tall cell; the lowest matching label of
    a table is the one right above the value (学校関係者評価 / date / 学校関係者からの意見 / value).
    """
    compiled = [lp.compile(p) for p in patterns]
    for table in grid.tables:
        labels = [
            c for c in table.cells
            if id(c) not in taken and c.text.strip() and len(squash(c.text)) <= MAX_LABEL_CHARS
            and any(p.search(squash(c.text)) for p in compiled)
        ]  # fmt: skip
        if not labels:
            continue
        label = max(labels, key=lambda c: c.last_row) if below_header else labels[0]
        cells = ([] if below_header else _right_of(table, label, taken)) or _below(table, label, taken)
        if cells:
            value = "\n".join(fold_kangxi(c.text) for c in cells if c.text.strip()) or None
            return FieldRead(value, cells, ids_of([label, *cells]))
    value, lines = _free_lines_after(grid, compiled, taken)
    return FieldRead(value, [], lines)


def _right_of(table: Table, label: Cell, taken: Taken) -> list[Cell]:
    cells = [
        c for c in table.cells
        if abs(c.bbox.x0 - label.bbox.x1) <= 1.5 and c.row >= label.row and c.last_row <= label.last_row
        and id(c) not in taken
    ]  # fmt: skip
    return sorted(cells, key=lambda c: c.row) if any(c.text.strip() for c in cells) else []


def _below(table: Table, label: Cell, taken: Taken) -> list[Cell]:
    """Cells under the label, within its width, down to the table's end."""
    cells = [
        c for c in table.cells
        if c.row > label.last_row and c.bbox.x0 >= label.bbox.x0 - 1.5 and c.bbox.x1 <= label.bbox.x1 + 1.5
        and id(c) not in taken
    ]  # fmt: skip
    first = min((c.row for c in cells), default=None)
    return sorted((c for c in cells if c.row == first), key=lambda c: c.col) if first is not None else []


def _free_lines_after(
    grid: PageGrid, compiled: list[re.Pattern[str]], taken: Taken
) -> tuple[str | None, Taken]:
    """A label printed as a free line: the free lines right below it are its value."""
    lines = sorted(grid.free_lines, key=lambda ln: (ln.top, ln.x0))
    for i, line in enumerate(lines):
        if id(line) in taken or not any(p.search(squash(line.text)) for p in compiled):
            continue
        value, bottom = [line], line.bottom
        for nxt in lines[i + 1 :]:
            apart = nxt.top - bottom > 2.5 * (line.bottom - line.top)
            if id(nxt) in taken or apart or nxt.x0 > line.x1 or nxt.x1 < line.x0:
                break
            value.append(nxt)
            bottom = nxt.bottom
        if len(value) > 1:
            return "\n".join(fold_kangxi(ln.text.strip()) for ln in value[1:]), ids_of(value)
    return None, NOTHING


class BoxRead(NamedTuple):
    """A heading box's fields by name (a number split off a value in its own field) and its
    groups by number."""

    fields: dict[str, int | str | None]
    groups: dict[int, str]


def heading_box(grid: PageGrid, box: HeadingBox) -> tuple[BoxRead | None, Taken]:
    """A sheet's heading box as the layout declares it (None without its title), and what it
    read: the marker line, each declared label and its value."""
    marker = (
        ids_of(line for line in grid.free_lines if squash(line.text) == squash(box.marker))
        if box.marker
        else NOTHING
    )
    pairs = label_value_pairs(grid)
    values: dict[str, int | str | None] = {}
    for spec in box.fields:
        value = next((v for k, v, _ in pairs if lp.search(spec.pattern, k)), None)
        if spec.role == "title" and not value:
            return None, marker
        if spec.number:
            values[spec.number.field], value = leading_number(value) if value else (None, None)
        values[spec.name] = value
    groups: dict[int, str] = {}
    heads = [f.pattern for f in box.fields]
    if box.groups:
        heads.append(box.groups.pattern)
        for k, value, _ in pairs:
            if match := lp.search(box.groups.pattern, k):
                groups[int(to_int(match.group(1)) or 0)] = value
    read = frozenset(i for k, _, ids in pairs if any(lp.search(p, k) for p in heads) for i in ids)
    return BoxRead(values, groups), marker | read


# how a cell cut by a page break is joined again: (first part, its cell, second part, its cell)
JoinAcross = Callable[[str, Cell | None, str, Cell | None], str]


@dataclass
class SheetFields:
    """What a sheet prints once, by field; a field's last cell, to join a part on a later page."""

    values: dict[str, str | None] = field(default_factory=dict)
    ends: dict[str, Cell | None] = field(default_factory=dict)

    def go_on(self, name: str, value: str | None, cells: list[Cell], join: JoinAcross) -> Taken:
        """A field's value, or its part on a later page of the sheet joined to what it has;
        returns the cells it took (none when there is no value)."""
        if value is not None and (before := self.values.get(name)) is not None:
            value = join(before, self.ends.get(name), value, cells[0] if cells else None)
        if value is not None:
            self.values[name], self.ends[name] = value, cells[-1] if cells else None
            return ids_of(cells)
        return NOTHING

    def go_on_below(self, table: Table, taken: Taken, join: JoinAcross) -> Taken:
        """A table run onto a page without its heads: each field's part under its last cell
        (none in ``taken``, read before on the page). Returns the cells it took."""
        read = NOTHING
        for name, end in list(self.ends.items()):
            cells = [
                c for c in table.cells
                if end and c.text.strip() and id(c) not in taken and id(c) not in read
                and _same_column(c.bbox, end.bbox)
            ]  # fmt: skip
            read |= self.go_on(name, "\n".join(fold_kangxi(c.text) for c in cells) or None, cells, join)
        return read


def _same_column(a: BBox, b: BBox, tol: float = 1.5) -> bool:
    return abs(a.x0 - b.x0) <= tol and abs(a.x1 - b.x1) <= tol
