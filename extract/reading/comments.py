"""Read the committee's comments and the city's answers: one comment per opinion cell."""

from __future__ import annotations

from dataclasses import dataclass, field

from extract.reading.columns import ColumnMap, body_cells, header_cells, map_columns, overlapping, text_of
from extract.reading.normalise import leading_circled, parse_numbering, to_int
from extract.reading.paragraphs import TEXT_RULES
from schemas.grid import Cell, PageGrid, Table, Taken, ids_of
from schemas.layout import Column, Comments, RowLayout
from schemas.report import Comment, Problem

COMMENT_REQUIRED = {"sheet", "opinion", "response"}


def comment_columns(spec: Comments) -> list[Column]:
    """The comment table's columns, in the order their header patterns are tried."""
    return [
        Column(name=name, label=name, description=name, header=[pattern])
        for name, pattern in spec.model_dump().items()
    ]


def find_comment_tables(grid: PageGrid, layout: RowLayout) -> list[tuple[Table, ColumnMap]]:
    if layout.comments is None:
        return []
    columns = comment_columns(layout.comments)
    found = ((t, map_columns(t, columns, COMMENT_REQUIRED)) for t in grid.tables)
    return [(t, cmap) for t, cmap in found if cmap is not None]


@dataclass
class CommentReader:
    """Feeds on comment pages in document order; ``comments()`` at the end."""

    layout: RowLayout
    problems: list[Problem] = field(default_factory=list)
    _comments: list[dict] = field(default_factory=list)

    def read_page(self, grid: PageGrid) -> Taken:
        """Read a comment page; returns the cells read (heads and every column's cells)."""
        read: list[Cell] = []
        for table, cmap in find_comment_tables(grid, self.layout):
            read += header_cells(table, cmap, self.layout.headings)
            columns = {
                name: body_cells(table, cmap, name, TEXT_RULES[self.layout.text].cell)
                for name in [*cmap.spans, *cmap.cuts]
            }
            opinions = sorted(columns["opinion"], key=lambda c: c.row)
            for index, cell in enumerate(opinions):
                self._read_row(cell, columns, index == 0, grid.page_no)
            read += [c for cells in columns.values() for c in cells]
        return ids_of(read)

    def _read_row(self, cell: Cell, columns: dict[str, list[Cell]], first: bool, page: int) -> None:
        def texts(name: str, sep: str = "\n") -> str:
            return text_of(overlapping(columns.get(name, []), cell.row, cell.last_row), sep)

        sheet, policy, number = texts("sheet", " "), texts("policy", ""), texts("number", " ")
        opinion, response = text_of([cell]), texts("response")
        if first and self._comments and not (sheet or policy or number):
            last = self._comments[-1]  # the comment runs on from the previous page
            last["opinion"] = "\n".join(t for t in (last["opinion"], opinion) if t)
            last["response"] = "\n".join(t for t in (last["response"], response) if t) or None
            return
        if not opinion:
            if sheet or policy or number or response:
                self.problems.append(
                    Problem(
                        code="comment_without_opinion",
                        message=f"a comment row with no opinion: {' '.join(t for t in (sheet, policy, number, response) if t)[:80]!r}",
                        page=page,
                    )
                )
            return
        sheet_no = to_int(sheet)
        measure, initiative, _ = parse_numbering(number)
        if initiative is None and measure is not None:
            initiative = leading_circled(opinion)
        self._comments.append(
            {
                "sheet_no": sheet_no,
                "policy_title": policy if sheet_no is not None and policy else None,
                "measure_no": measure,
                "initiative_no": initiative,
                "opinion": opinion,
                "response": response or None,
                "page": page,
            }
        )

    def comments(self) -> list[Comment]:
        return [Comment(**c) for c in self._comments]
