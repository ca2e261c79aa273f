"""Plain geometry and grid objects that the reading and grid stages hand on.

Coordinates are PDF points with the origin at the page's top-left corner (as pdfplumber
reports them): ``x`` grows to the right and ``top`` grows downwards.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol


class _cached:
    """functools.cached_property without its lock (Python 3.11's takes one on each first
    read, for each of the thousands of lines a report makes; one thread reads a page's lines)."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self.compute, self.name = compute, compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.compute(obj)  # later reads find it first
        return value


@dataclass(frozen=True)
class BBox:
    """A box in PDF points, top-left origin."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top


class Char(NamedTuple):
    """One glyph as printed: its text and its box.

    A named tuple, not a dataclass: a page makes thousands of them, and a tuple is built
    several times faster than a frozen dataclass."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class TextLine:
    """Glyphs that share a baseline inside one cell (or outside every table)."""

    chars: tuple[Char, ...]

    def __reduce__(self) -> tuple:
        """Pickled as its texts and one array of numbers: a page's grid crosses a pipe from
        the process that read it (extract/reading/read_apart.py), in a third of the time."""
        texts = [c.text for c in self.chars]
        single = all(len(t) == 1 for t in texts)  # (a ligature's "fi", pdfminer's "(cid:3)")
        coords = array("d", [v for c in self.chars for v in c[1:]])  # Char's five numbers
        return _line, ("".join(texts) if single else tuple(texts), coords)

    # computed once: the readers ask a line for its box many times (the line never changes)
    @_cached
    def x0(self) -> float:
        return min(c.x0 for c in self.chars)

    @_cached
    def x1(self) -> float:
        return max(c.x1 for c in self.chars)

    @_cached
    def top(self) -> float:
        return min(c.top for c in self.chars)

    @_cached
    def bottom(self) -> float:
        return max(c.bottom for c in self.chars)

    @_cached
    def size(self) -> float:
        return max(c.size for c in self.chars)

    @_cached
    def text(self) -> str:
        return "".join(c.text for c in self.chars)


def _line(texts: str | tuple[str, ...], coords: array) -> TextLine:
    n = iter(coords)
    return TextLine(tuple([_new_char(Char, fields) for fields in zip(texts, n, n, n, n, n, strict=False)]))


_new_char = tuple.__new__


@dataclass
class Cell:
    """A ruled cell after merging: it spans ``row_span`` x ``col_span`` grid slots."""

    row: int
    col: int
    row_span: int
    col_span: int
    bbox: BBox
    text: str = ""
    lines: list[TextLine] = field(default_factory=list)
    cut: bool = False  # a page break cut it: it goes on at the top of the next page

    @property
    def last_row(self) -> int:
        return self.row + self.row_span - 1


@dataclass
class Table:
    """The cells of one ruled table, with the x and y rules that bound its slots."""

    bbox: BBox
    xs: list[float]
    ys: list[float]
    cells: list[Cell]

    def rows(self) -> list[list[Cell]]:
        """Cells grouped by the slot row they start in, left to right."""
        out: list[list[Cell]] = [[] for _ in range(len(self.ys) - 1)]
        for cell in self.cells:
            out[cell.row].append(cell)
        for row in out:
            row.sort(key=lambda c: c.col)
        return out


@dataclass
class OcrWord:
    """A line OCR was unsure of: as read, its least word confidence (0–100) and the box of its
    words below the threshold."""

    text: str
    confidence: float
    bbox: BBox


@dataclass
class OcrRead:
    """How a page without a usable text layer was read by OCR (extract/reading/read_ocr.py)."""

    confidence: float  # the mean of its words' confidences (0–100)
    words: int
    doubtful: list[OcrWord] = field(default_factory=list)  # lines with words below the threshold
    skew: float = 0.0  # degrees the scan was turned back by


@dataclass
class PageGrid:
    """Everything one page holds, as tables plus the text lines outside any table."""

    page_no: int
    width: float
    height: float
    tables: list[Table]
    free_lines: list[TextLine]
    unreadable: str | None = None
    objects: int = 0  # glyphs and edges read from the page: what the file's budget counts
    ocr: OcrRead | None = None  # read by OCR: how sure it was; None for a text layer

    @property
    def free_text(self) -> list[str]:
        return [line.text for line in self.free_lines]


Taken = frozenset[int]
"""What a reader put into a record from one page: the ids of those cells and lines (of the
grid it read, which holds them, so an id names one object while the page is read). A reader
returns it; the session unions what the page's readers took and hands it to the next reader
and to ``Leftovers.collect``. Nothing marks the grid itself."""

NOTHING: Taken = frozenset()


def ids_of(items: Iterable[object]) -> Taken:
    """The ids of the given cells or lines (None skipped)."""
    return frozenset(id(item) for item in items if item is not None)


class PageSource(Protocol):
    """What the pipeline reads a PDF from: what identifies it (known once its first grid
    has come), and its pages' grids in order, each ``grids()`` from page 1. grid.LocalPages
    reads them in this process, read_apart.ApartPages in forked ones."""

    path: Path
    sha256: str
    pages: int

    def grids(self) -> Iterator[PageGrid]: ...
