"""Read a remarks table (a committee's comments and the answers): one remark per body cell,
each field read by the role its layout column plays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extract.reading.columns import ColumnMap, body_cells, header_cells, map_columns, overlapping, text_of
from extract.reading.normalise import leading_circled, parse_numbering, to_int
from extract.reading.paragraphs import TEXT_RULES
from schemas.grid import Cell, PageGrid, Table, Taken, ids_of
from schemas.layout import Column, RemarkColumn, Remarks, RowLayout
from schemas.report import Problem, Remark

# what joins a column's cells within one remark: the words of a sheet number or a number run
# on, a title broken over lines is one title, texts keep their lines
_JOIN = {"sheet": " ", "number": " ", "title": ""}
# the roles that say what a remark is on: a first row without them runs on from the last page
_NAMING = ("sheet", "title", "number")


def remark_columns(spec: Remarks) -> list[Column]:
    """The remarks table's columns, in the order their header patterns are tried."""
    return [
        Column(name=c.name, label=c.label, description=c.description, header=c.header) for c in spec.columns
    ]


def find_remark_tables(grid: PageGrid, layout: RowLayout) -> list[tuple[Table, ColumnMap]]:
    if layout.remarks is None:
        return []
    columns = remark_columns(layout.remarks)
    required = {c.name for c in layout.remarks.columns if c.required}
    found = ((t, map_columns(t, columns, required)) for t in grid.tables)
    return [(t, cmap) for t, cmap in found if cmap is not None]


@dataclass
class RemarkReader:
    """Feeds on remark pages in document order; ``remarks()`` at the end."""

    layout: RowLayout
    problems: list[Problem] = field(default_factory=list)
    _remarks: list[dict[str, Any]] = field(default_factory=list)

    def read_page(self, grid: PageGrid) -> Taken:
        """Read a remark page; returns the cells read (heads and every column's cells)."""
        read: list[Cell] = []
        for table, cmap in find_remark_tables(grid, self.layout):
            read += header_cells(table, cmap, self.layout.headings)
            columns = {
                name: body_cells(table, cmap, name, TEXT_RULES[self.layout.text].cell)
                for name in [*cmap.spans, *cmap.cuts]
            }
            body = next(c.name for c in self._columns() if c.role == "body")
            for index, cell in enumerate(sorted(columns[body], key=lambda c: c.row)):
                self._read_row(cell, columns, index == 0, grid.page_no)
            read += [c for cells in columns.values() for c in cells]
        return ids_of(read)

    def _columns(self) -> list[RemarkColumn]:
        return self.layout.remarks.columns if self.layout.remarks else []

    def _read_row(self, cell: Cell, columns: dict[str, list[Cell]], first: bool, page: int) -> None:
        texts = {
            c.name: text_of([cell])
            if c.role == "body"
            else text_of(
                overlapping(columns.get(c.name, []), cell.row, cell.last_row), _JOIN.get(c.role, "\n")
            )
            for c in self._columns()
        }
        body = next(c for c in self._columns() if c.role == "body")
        naming = [c.name for c in self._columns() if c.role in _NAMING]
        if first and self._remarks and not any(texts[n] for n in naming):
            self._run_on(texts)  # the remark runs on from the previous page
            return
        if not texts[body.name]:
            if said := " ".join(t for t in texts.values() if t):
                message = f"a remark row with nothing under {body.label}: {said[:80]!r}"
                self.problems.append(Problem(code="remark_without_body", message=message, page=page))
            return
        self._remarks.append(self._record(texts, body.name) | {"page": page})

    def _run_on(self, texts: dict[str, str]) -> None:
        """The last remark's texts (body, answer, text columns) joined with this row's."""
        last = self._remarks[-1]
        for c in self._columns():
            if c.role in ("body", "answer", "text"):
                joined = "\n".join(t for t in (last[c.name], texts[c.name]) if t)
                last[c.name] = joined if c.role == "body" else joined or None

    def _record(self, texts: dict[str, str], body: str) -> dict[str, Any]:
        """A remark's fields by role: the sheet's number, its title beside that number alone,
        the (group and) item number, the texts (an empty one null, but the body)."""
        out: dict[str, Any] = {}
        sheet = next((to_int(texts[c.name]) for c in self._columns() if c.role == "sheet"), None)
        for c in self._columns():
            text = texts[c.name]
            if c.role == "sheet":
                out[c.name] = to_int(text)
            elif c.role == "title":
                out[c.name] = text if sheet is not None and text else None
            elif c.role == "number":
                group, item, _ = parse_numbering(text)
                if item is None and group is not None and c.item_from_body:
                    item = leading_circled(texts[body])
                if c.group:
                    out[c.group.field] = group
                out[c.name] = item
            else:
                out[c.name] = text if c.role == "body" else text or None
        return out

    def remarks(self) -> list[Remark]:
        return [Remark(**r) for r in self._remarks]
