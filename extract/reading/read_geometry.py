"""Page geometry as pdfminer and pdfplumber define it, for a reader that is neither.

pdfplumber reports points with a top-left origin after pdfminer's page matrix (MediaBox
origin, /Rotate), and turns paths into edges by pdfminer's sorting of each subpath into a
line, a rectangle or a curve. The pdfium reader hands its points and subpaths to these
functions so that the grid stage sees pdfplumber's edges whichever reader ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

Matrix = tuple[float, float, float, float, float, float]


@dataclass
class Frame:
    """How pdfium's page space becomes pdfplumber's: pdfminer's CTM, then a flip and shift."""

    ctm: Matrix
    width: float
    height: float
    x_shift: float
    top_shift: float

    def point(self, x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = self.ctm
        return (a * x + c * y + e + self.x_shift, self.height - (b * x + d * y + f) + self.top_shift)

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        """The axis-aligned box of two opposite corners, as (x0, top, x1, bottom)."""
        a, b, c, d, e, f = self.ctm
        u0, u1 = a * x0 + c * y0 + e, a * x1 + c * y1 + e
        v0, v1 = b * x0 + d * y0 + f, b * x1 + d * y1 + f
        if u1 < u0:
            u0, u1 = u1, u0
        if v1 < v0:
            v0, v1 = v1, v0
        return (
            u0 + self.x_shift,
            self.height - v1 + self.top_shift,
            u1 + self.x_shift,
            self.height - v0 + self.top_shift,
        )


def frame_of(mediabox: tuple[float, float, float, float], rotation: int) -> Frame:
    """pdfminer's device matrix for the page (MediaBox origin, /Rotate) and pdfplumber's flip."""
    x0, x1 = sorted((mediabox[0], mediabox[2]))
    y0, y1 = sorted((mediabox[1], mediabox[3]))
    ctm = {
        90: (0.0, -1.0, 1.0, 0.0, -y0, x1),
        180: (-1.0, 0.0, 0.0, -1.0, x1, y1),
        270: (0.0, 1.0, -1.0, 0.0, y1, -x0),
    }.get(rotation, (1.0, 0.0, 0.0, 1.0, -x0, -y0))
    # pdfplumber's page box: the MediaBox, axes swapped when the page is turned a quarter
    bx0, by0, bx1, by1 = (y0, x0, y1, x1) if rotation in (90, 270) else (x0, y0, x1, y1)
    height = by1 - by0
    return Frame(ctm, bx1 - bx0, height, bx0, height - by1)


def compose(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF row-vector convention: m x n)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def sort_subpaths(
    subpaths: list[tuple[str, list[tuple[float, float]]]],
    lines: list[dict],
    rects: list[dict],
    curves: list[dict],
) -> None:
    """pdfminer's path sorting (converter.paint_path), then pdfplumber's edges of each shape."""
    for shape, pts in subpaths:
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape = shape[:-2] + "h"
            pts = pts[:-1]
        if shape in ("mlh", "ml"):
            lines.append(_line_edge(pts[0], pts[1]))
        elif shape in ("mlllh", "mllll") and _is_rect(pts):
            rects.extend(_rect_edges(pts[0], pts[2]))
        elif shape.startswith("m"):
            curves.extend(_segment_edge(p, q) for p, q in zip(pts, pts[1:], strict=False))


def _is_rect(pts: list[tuple[float, float]]) -> bool:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3), last = pts
    square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
        y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
    )
    return pts[0] == last and square


def _box(p: tuple[float, float], q: tuple[float, float]) -> dict[str, float]:
    x0, x1 = sorted((p[0], q[0]))
    top, bottom = sorted((p[1], q[1]))
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "width": x1 - x0, "height": bottom - top}


def _line_edge(p: tuple[float, float], q: tuple[float, float]) -> dict:
    edge = _box(p, q)
    edge["orientation"] = "h" if edge["top"] == edge["bottom"] else "v"  # as pdfplumber says
    return edge


def _rect_edges(p: tuple[float, float], q: tuple[float, float]) -> list[dict]:
    b = _box(p, q)
    x0, x1, top, bottom = b["x0"], b["x1"], b["top"], b["bottom"]
    return [
        {**b, "bottom": top, "height": 0.0, "orientation": "h"},
        {**b, "top": bottom, "height": 0.0, "orientation": "h"},
        {**b, "x1": x0, "width": 0.0, "orientation": "v"},
        {**b, "x0": x1, "width": 0.0, "orientation": "v"},
    ]


def _segment_edge(p: tuple[float, float], q: tuple[float, float]) -> dict:
    edge = _box(p, q)
    edge["orientation"] = "v" if p[0] == q[0] else ("h" if p[1] == q[1] else None)
    return edge


class Clip(NamedTuple):
    """Where a clip path lets marks show, bounded by a box (PDF space, y up): the intersection
    of the bounding boxes of its paths (the visible area is the intersection of the paths).
    Exact for the rectangles spreadsheets and word processors clip cells with; for any other
    shape a box around it, so that no glyph that shows is dropped."""

    x0: float
    y0: float
    x1: float
    y1: float

    @staticmethod
    def of(paths: list[list[tuple[float, float]]]) -> Clip | None:
        """The clip of these paths' points (curves' control points included); None for none."""
        box: Clip | None = None
        for points in paths:
            if points:
                xs, ys = [p[0] for p in points], [p[1] for p in points]
                here = Clip(min(xs), min(ys), max(xs), max(ys))
                box = here if box is None else box.meet(here)
        return box

    def meet(self, other: Clip) -> Clip:
        """Both clips at once (an empty box when they do not overlap: nothing shows)."""
        return Clip(
            max(self.x0, other.x0), max(self.y0, other.y0), min(self.x1, other.x1), min(self.y1, other.y1)
        )

    def hides(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """Whether the box (x0, y0)–(x1, y1) of a glyph is hidden: its centre lies outside."""
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        return not (self.x0 <= cx <= self.x1 and self.y0 <= cy <= self.y1)
