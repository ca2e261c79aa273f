"""Rebuild ruled tables from a page's edges: edges -> snapped -> intersections -> cells -> spans.

The cell finding is pdfplumber's own chain of pure functions, run on plain edge dicts, but
for one step done here the same way faster (intersections -> cells); what is added here is
the slot grid (so merged cells know their row and column spans) and the assignment of each
glyph to exactly one cell or to the page's free text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from pdfplumber.table import (
    cells_to_tables,
    edges_to_intersections,
    merge_edges,
)

from extract.reading.read import PdfSource, RawPage, text_layer_problem
from extract.reading.text import cell_text, group_lines
from extract.settings import ExtractSettings
from schemas.grid import BBox, Cell, Char, PageGrid, Table

_MIN_CELLS = 2
_MAX_PADDING = 6.0
_DEFAULT_PADDING = 1.5


class LocalPages:
    """A PDF's pages read and gridded in this process, in order (a schemas.grid.PageSource)."""

    def __init__(self, source: PdfSource) -> None:
        self.source = source
        self.path, self.sha256, self.pages = source.path, source.sha256, source.pages

    def grids(self) -> Iterator[PageGrid]:
        for raw in self.source.iter_pages():
            yield build_grid(raw, self.source.settings)


def build_grid(page: RawPage, settings: ExtractSettings | None = None) -> PageGrid:
    """Turn one page's glyphs and edges into tables of cells plus free text lines."""
    settings = settings or ExtractSettings()
    if page.refused:
        return PageGrid(page.page_no, page.width, page.height, [], [], page.refused, page.objects)
    cuts: list[tuple[float, float, float]] = []
    tables = [_table(boxes, settings, cuts) for boxes in find_cell_boxes(page.edges, settings, cuts)]
    tables.sort(key=lambda t: (t.bbox.top, t.bbox.x0))
    free = _assign_chars(page.chars, tables)
    return PageGrid(
        page_no=page.page_no,
        width=page.width,
        height=page.height,
        tables=tables,
        free_lines=group_lines(free, split_gaps=True),
        unreadable=None if page.blank else text_layer_problem(page.chars, page.ocr is not None),
        objects=page.objects,
        ocr=page.ocr,
    )


def find_cell_boxes(
    edges: list[dict], settings: ExtractSettings, cuts: list[tuple[float, float, float]]
) -> list[list[tuple[float, float, float, float]]]:
    """Cell boxes of each table on the page, as pdfplumber's table finder would see them;
    ``cuts`` gets the rules close_open_cells drew, as (y, x0, x1)."""
    tol = settings.snap_tolerance
    merged = close_open_cells(
        merge_edges(edges, tol, tol, settings.join_tolerance, settings.join_tolerance), tol
    )
    cuts.extend(part for e in merged for part in e.get("drawn", ()))
    points = edges_to_intersections(merged, tol, tol)
    return [t for t in cells_to_tables(_smallest_cells(points)) if len(t) >= _MIN_CELLS]


def close_open_cells(edges: list[dict], tol: float) -> list[dict]:
    """Close the cells a page break leaves open: a vertical rule that ends in the air, level
    with a table's bottom corner (a horizontal rule ending at a vertical rule that ends
    there too), is closed by that rule, drawn on to it.

    A spreadsheet that breaks a page inside merged cells draws no rule under them at the
    page's end, only under the rows that end there; the merged cells' vertical rules stop at
    the same height. Without the rule the open cells make no cells and their text is stray.
    The rule is drawn on only to dangling ends of that height of the same table (a rule
    above crosses both them and the corner's vertical rule), never across a vertical rule
    that goes on below it, and only a rule that closes cells itself (it meets two vertical
    rules or more: not a stroke of a drawing).
    """
    hs = sorted((e for e in edges if e["orientation"] == "h"), key=lambda e: e["top"])
    vs = [e for e in edges if e["orientation"] == "v"]
    tops = [h["top"] for h in hs]

    def meets(v: dict) -> bool:  # a horizontal rule at its lower end
        level = hs[bisect_left(tops, v["bottom"] - tol) : bisect_right(tops, v["bottom"] + tol)]
        return any(h["x0"] - tol <= v["x0"] <= h["x1"] + tol for h in level)

    dangling = [v for v in vs if not meets(v)]
    if not dangling:
        return edges
    longer = {id(h): new for h in hs if (new := _drawn_on(h, dangling, vs, hs, tol)) is not None}
    return [longer.get(id(e), e) for e in edges] if longer else edges


def _drawn_on(h: dict, dangling: list[dict], vs: list[dict], hs: list[dict], tol: float) -> dict | None:
    """``h`` drawn on past a corner end to the dangling vertical rules level with it that a
    rule above joins to the corner's vertical rule (the same table); None if none."""
    y = h["top"]
    ends = [v for v in dangling if abs(v["bottom"] - y) <= tol]
    if not ends:
        return None  # no open cell beside it
    reached = [
        v
        for v in vs
        if h["x0"] - tol <= v["x0"] <= h["x1"] + tol and v["top"] - tol <= y <= v["bottom"] + tol
    ]
    if len(reached) < 2:
        return None  # not a table's rule: it closes no cell itself

    def corner(x: float) -> dict | None:
        return next((v for v in reached if abs(v["x0"] - x) <= tol and abs(v["bottom"] - y) <= tol), None)

    def crossed(a: float, b: float) -> bool:
        return any(a < v["x0"] < b and v["top"] < y - tol and v["bottom"] > y + tol for v in vs)

    def joined(v: dict, w: dict) -> bool:
        lo, hi = sorted((v["x0"], w["x0"]))
        return any(
            r["top"] < y - tol and r["x0"] - tol <= lo and hi <= r["x1"] + tol
            and all(u["top"] - tol <= r["top"] <= u["bottom"] + tol for u in (v, w))
            for r in hs
        )  # fmt: skip

    x0, x1 = h["x0"], h["x1"]
    if (c := corner(x0)) is not None:
        x0 = min((v["x0"] for v in ends if v["x0"] < x0 - tol and not crossed(v["x0"], x0) and joined(v, c)),
                 default=x0)  # fmt: skip
    if (c := corner(x1)) is not None:
        x1 = max((v["x0"] for v in ends if v["x0"] > x1 + tol and not crossed(x1, v["x0"]) and joined(v, c)),
                 default=x1)  # fmt: skip
    if (x0, x1) == (h["x0"], h["x1"]):
        return None
    drawn = [part for part in ((y, x0, h["x0"]), (y, h["x1"], x1)) if part[1] < part[2]]
    return {**h, "x0": x0, "x1": x1, "width": x1 - x0, "drawn": drawn}


Point = tuple[float, float]


def _smallest_cells(points: dict[Point, dict[str, list[dict]]]) -> list[tuple[float, float, float, float]]:
    """The cells the intersections describe: from each point (left to right, then down), the
    smallest box whose four corners are points joined by the same rules.

    The cells pdfplumber's ``intersections_to_cells`` finds, in its order; it compares each
    pair of points' rules as sets built anew for every pair, which made it the dearest step
    of the grid: here each point's rules are a set built once, and the points below and to
    the right of a point are looked up by column and row instead of filtered from the rest.
    """
    rules = {
        p: tuple(frozenset((e["x0"], e["top"], e["x1"], e["bottom"]) for e in found[o]) for o in ("v", "h"))
        for p, found in points.items()
    }

    def joined(p: Point, q: Point) -> bool:
        return (p[0] == q[0] and not rules[p][0].isdisjoint(rules[q][0])) or (
            p[1] == q[1] and not rules[p][1].isdisjoint(rules[q][1])
        )

    columns: dict[float, list[Point]] = {}
    rows: dict[float, list[Point]] = {}
    for p in sorted(points):
        columns.setdefault(p[0], []).append(p)  # each column top to bottom
        rows.setdefault(p[1], []).append(p)  # each row left to right
    cells = []
    for p in sorted(points):
        below = [q for q in columns[p[0]] if q[1] > p[1]]
        right = [q for q in rows[p[1]] if q[0] > p[0]]
        cell = next(
            (
                (p[0], p[1], r[0], b[1])
                for b in below
                if joined(p, b)
                for r in right
                if joined(p, r)
                and (r[0], b[1]) in points
                and joined((r[0], b[1]), r)
                and joined((r[0], b[1]), b)
            ),
            None,
        )
        if cell is not None:
            cells.append(cell)
    return cells


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _index(rules: list[float], value: float) -> int:
    """The index of the rule nearest to ``value`` (the first of two as near). The rules are
    sorted and apart, so the nearest is one of the two around the value."""
    i = bisect_left(rules, value)
    if i == 0:
        return 0
    if i == len(rules) or abs(rules[i - 1] - value) <= abs(rules[i] - value):
        return i - 1
    return i


def _table(
    boxes: list[tuple[float, float, float, float]],
    settings: ExtractSettings,
    cuts: list[tuple[float, float, float]],
) -> Table:
    """The table of these cell boxes; a cell closed by a rule in ``cuts`` is marked cut."""
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
                cut=any(abs(bottom - y) <= tol and a - tol <= x0 and x1 <= b + tol for y, a, b in cuts),
            )
        )
    cells.sort(key=lambda c: (c.row, c.col))
    bbox = BBox(xs[0], ys[0], xs[-1], ys[-1])
    return Table(bbox=bbox, xs=xs, ys=ys, cells=cells)


def _assign_chars(chars: list[Char], tables: list[Table]) -> list[Char]:
    """Give each glyph to the cell holding its centre; return the glyphs outside every table.

    A glyph's slot is found by bisecting the table's rules, and each slot knows the (merged)
    cell covering it, so the cost grows with the glyphs, not glyphs x cells. A glyph goes to
    the first table (top to bottom) with a cell at its centre.
    """
    buckets: dict[int, list[Char]] = {}
    rest = [((ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2, ch) for ch in chars]
    for table in tables:
        rest = _take_chars(table, rest, buckets)
    for table in tables:
        for cell in table.cells:
            cell.lines = group_lines(buckets.get(id(cell), []))
        pad = _padding(table)
        for cell in table.cells:
            cell.text = cell_text(cell.lines, cell.bbox, pad)
    return [ch for _, _, ch in rest]


def _take_chars(
    table: Table, placed: list[tuple[float, float, Char]], buckets: dict[int, list[Char]]
) -> list[tuple[float, float, Char]]:
    """Put the glyphs (with their centres) that fall in a cell of ``table`` into that cell's
    bucket, in order; return the others."""
    slots = _slot_buckets(table, buckets)
    b, xs, ys = table.bbox, table.xs, table.ys
    x0, top, x1, bottom = b.x0, b.top, b.x1, b.bottom
    last_col, last_row = len(xs) - 2, len(ys) - 2
    left = []
    for item in placed:
        cx, cy, ch = item
        if x0 <= cx <= x1 and top <= cy <= bottom:
            col = bisect_right(xs, cx) - 1
            row = bisect_right(ys, cy) - 1
            # the centre on the last rule (or before the first) belongs to the slot next to it
            row = row if 0 <= row < last_row else (0 if row < 0 else last_row)
            col = col if 0 <= col < last_col else (0 if col < 0 else last_col)
            bucket = slots[row][col]
            if bucket is not None:
                bucket.append(ch)
                continue
        left.append(item)
    return left


def _slot_buckets(table: Table, buckets: dict[int, list[Char]]) -> list[list[list[Char] | None]]:
    """For each slot (row, column) of the table, the bucket of the cell covering it, or None."""
    rows, cols = len(table.ys) - 1, len(table.xs) - 1
    slots: list[list[list[Char] | None]] = [[None] * cols for _ in range(rows)]
    for cell in sorted(table.cells, key=lambda c: c.row_span * c.col_span, reverse=True):
        bucket = buckets.setdefault(id(cell), [])
        # (a cell squeezed onto the last rule covers no slot)
        for r in range(cell.row, min(cell.row + cell.row_span, rows)):
            for c in range(cell.col, min(cell.col + cell.col_span, cols)):
                slots[r][c] = bucket  # the smaller cell wins where boxes overlap
    return slots


def _padding(table: Table) -> float:
    """The cell padding of a table: the smallest gap between a cell's left rule and its text."""
    gaps = [ln.x0 - c.bbox.x0 for c in table.cells for ln in c.lines if ln.x0 >= c.bbox.x0]
    return min(min(gaps), _MAX_PADDING) if gaps else _DEFAULT_PADDING
