"""Name a table's columns from its header words, and read its cells by column name.

The header words come from the layout description; this module only knows that a header
cell's horizontal extent is the extent of its column, however the body below is ruled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract.normalise import fold_kangxi, squash
from schemas.grid import Cell, Table


@dataclass(frozen=True)
class ColumnMap:
    """Where each named column lies, and the last slot row of the header."""

    header_last_row: int
    spans: dict[str, tuple[float, float]]

    def column_of(self, cell: Cell) -> str | None:
        """A cell belongs to the column its left edge opens into (a wide cell: the leftmost)."""
        x = cell.bbox.x0 + min(4.0, cell.bbox.width / 2)
        for name, (x0, x1) in self.spans.items():
            if x0 - 1.0 <= x <= x1 + 1.0:
                return name
        return None


def map_columns(
    table: Table, patterns: dict[str, str], required: set[str], max_header_rows: int = 4
) -> ColumnMap | None:
    """Find the header row whose words name at least the ``required`` columns."""
    compiled = {name: re.compile(p) for name, p in patterns.items()}
    rows = table.rows()
    for row in rows[:max_header_rows]:
        spans: dict[str, tuple[float, float]] = {}
        last = 0
        for cell in row:
            words = squash(cell.text)
            if not words:
                continue
            for name, pattern in compiled.items():
                if name not in spans and pattern.search(words):
                    spans[name] = (cell.bbox.x0, cell.bbox.x1)
                    last = max(last, cell.last_row)
                    break
        if required <= spans.keys():
            return ColumnMap(header_last_row=last, spans=spans)
    return None


def body_cells(table: Table, cmap: ColumnMap, name: str) -> list[Cell]:
    """The cells of column ``name`` below the header, top to bottom."""
    return [c for c in table.cells if c.row > cmap.header_last_row and cmap.column_of(c) == name]


def overlapping(cells: list[Cell], first_row: int, last_row: int) -> list[Cell]:
    """The cells that share at least one slot row with rows first_row..last_row, by column."""
    return sorted((c for c in cells if c.row <= last_row and c.last_row >= first_row), key=lambda c: c.col)


def text_of(cells: list[Cell], sep: str = "\n") -> str:
    """The cells' text as printed, look-alike radicals folded to kanji."""
    return sep.join(fold_kangxi(c.text) for c in cells if c.text)
