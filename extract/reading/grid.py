"""Rebuild ruled tables from a page's edges: edges -> snapped -> intersections -> cells -> spans.

The cell finding is pdfplumber's own chain of pure functions, run on plain edge dicts; what
is added here is the slot grid (so merged cells know their row and column spans) and the
assignment of each glyph to exactly one cell or to the page's free text.
"""

from __future__ import annotations

from bisect import bisect_right

from pdfplumber.table import (
    cells_to_tables,
    edges_to_intersections,
    intersections_to_cells,
    merge_edges,
)

from extract.reading.read import RawPage, text_layer_problem
from extract.reading.text import cell_text, group_lines
from extract.settings import ExtractSettings
from schemas.grid import BBox, Cell, Char, PageGrid, Table

_MIN_CELLS = 2
_MAX_PADDING = 6.0
_DEFAULT_PADDING = 1.5


def build_grid(page: RawPage, settings: ExtractSettings | None = None) -> PageGrid:
    """Turn one page's glyphs and edges into tables of cells plus free text lines."""
    settings = settings or ExtractSettings()
    if page.refused:
        return PageGrid(page.page_no, page.width, page.height, [], [], page.refused)
    tables = [_table(boxes, settings) for boxes in find_cell_boxes(page.edges, settings)]
    tables.sort(key=lambda t: (t.bbox.top, t.bbox.x0))
    free = _assign_chars(page.chars, tables)
    return PageGrid(
        page_no=page.page_no,
        width=page.width,
        height=page.height,
        tables=tables,
        free_lines=group_lines(free, split_gaps=True),
        unreadable=text_layer_problem(page.chars),
    )


def find_cell_boxes(
    edges: list[dict], settings: ExtractSettings
) -> list[list[tuple[float, float, float, float]]]:
    """Cell boxes of each table on the page, as pdfplumber's table finder would see them."""
    tol = settings.snap_tolerance
    merged = merge_edges(edges, tol, tol, settings.join_tolerance, settings.join_tolerance)
    points = edges_to_intersections(merged, tol, tol)
    boxes = intersections_to_cells(points)
    return [t for t in cells_to_tables(boxes) if len(t) >= _MIN_CELLS]


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _index(rules: list[float], value: float) -> int:
    return min(range(len(rules)), key=lambda i: abs(rules[i] - value))


def _table(boxes: list[tuple[float, float, float, float]], settings: ExtractSettings) -> Table:
    tol = settings.snap_tolerance
    xs = _cluster([b[0] for b in boxes] + [b[2] for b in boxes], tol)
    ys = _cluster([b[1] for b in boxes] + [b[3] for b in boxes], tol)
    cells = []
    for x0, top, x1, bottom in boxes:
        row, col = _index(ys, top), _index(xs, x0)
        row_end, col_end = _index(ys, bottom), _index(xs, x1)
        cells.append(
            Cell(
                row=row,
                col=col,
                row_span=max(1, row_end - row),
                col_span=max(1, col_end - col),
                bbox=BBox(x0, top, x1, bottom),
            )
        )
    cells.sort(key=lambda c: (c.row, c.col))
    bbox = BBox(xs[0], ys[0], xs[-1], ys[-1])
    return Table(bbox=bbox, xs=xs, ys=ys, cells=cells)


def _assign_chars(chars: list[Char], tables: list[Table]) -> list[Char]:
    """Give each glyph to the cell holding its centre; return the glyphs outside every table.

    A glyph's slot is found by bisecting the table's rules, and each slot knows the (merged)
    cell covering it, so the cost grows with the glyphs, not glyphs x cells.
    """
    owners = [_slot_owners(t) for t in tables]
    buckets: dict[int, list[Char]] = {}
    free: list[Char] = []
    for ch in chars:
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        for table, owner in zip(tables, owners, strict=True):
            b = table.bbox
            if b.x0 <= cx <= b.x1 and b.top <= cy <= b.bottom:
                col = min(max(bisect_right(table.xs, cx) - 1, 0), len(table.xs) - 2)
                row = min(max(bisect_right(table.ys, cy) - 1, 0), len(table.ys) - 2)
                cell = owner.get((row, col))
                if cell is not None:
                    buckets.setdefault(id(cell), []).append(ch)
                    break
        else:
            free.append(ch)
    for table in tables:
        for cell in table.cells:
            cell.lines = group_lines(buckets.get(id(cell), []))
        pad = _padding(table)
        for cell in table.cells:
            cell.text = cell_text(cell.lines, cell.bbox, pad)
    return free


def _slot_owners(table: Table) -> dict[tuple[int, int], Cell]:
    owner: dict[tuple[int, int], Cell] = {}
    for cell in sorted(table.cells, key=lambda c: c.row_span * c.col_span, reverse=True):
        for r in range(cell.row, cell.row + cell.row_span):
            for c in range(cell.col, cell.col + cell.col_span):
                owner[(r, c)] = cell  # the smaller cell wins where boxes overlap
    return owner


def _padding(table: Table) -> float:
    """The cell padding of a table: the smallest gap between a cell's left rule and its text."""
    gaps = [ln.x0 - c.bbox.x0 for c in table.cells for ln in c.lines if ln.x0 >= c.bbox.x0]
    return min(min(gaps), _MAX_PADDING) if gaps else _DEFAULT_PADDING
