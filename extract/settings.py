"""Extraction settings: one checked, frozen object with named defaults, checked before page 1.

A plain dataclass, not a pydantic model: the reading processes (extract/reading/read_apart.py)
take it, and they never import pydantic, which costs more to load than reading a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DEFAULT_SNAP_TOLERANCE = 3.0
DEFAULT_JOIN_TOLERANCE = 3.0
DEFAULT_MIN_EDGE_LENGTH = 3.0
DEFAULT_MAX_PAGES = 1000
DEFAULT_MAX_OBJECTS_PER_PAGE = 200_000
DEFAULT_MAX_CONTENT_BYTES_PER_PAGE = 8 * 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024
# a whole file's budget: glyphs and edges summed over its pages (a content stream that pages
# share counts on each), and wall time. Real reports hold 1,000-3,500 objects a page and
# read at about 60 pages a second; a hostile file of pages each under the page limits is
# stopped at one of these instead of reading for an hour.
DEFAULT_MAX_OBJECTS_PER_PDF = 5_000_000
DEFAULT_MAX_SECONDS_PER_PDF = 120.0
READERS = ("pdfium", "pdfplumber")
OCR_MODES = ("never", "auto", "always")  # auto: pages without a usable text layer that show an image


# field: (kind, least, most) of each number; a float field also takes an int
_BOUNDS: dict[str, tuple[type, float, float]] = {
    "snap_tolerance": (float, 0, 20),
    "join_tolerance": (float, 0, 20),
    "min_edge_length": (float, 0, float("inf")),
    "max_pages": (int, 1, float("inf")),
    "max_objects_per_page": (int, 1, float("inf")),
    "max_content_bytes_per_page": (int, 1, float("inf")),
    "max_file_bytes": (int, 1, float("inf")),
    "max_objects_per_pdf": (int, 1, float("inf")),
    "max_seconds_per_pdf": (float, 0.01, float("inf")),
}


@dataclass(frozen=True)
class ExtractSettings:
    """Tolerances are in PDF points; limits keep a hostile PDF from exhausting the machine."""

    layout: str | None = None  # force a layout (name or file); None: detect
    layouts: tuple[str, ...] = ()  # folders of user layout files, besides the built-in ones
    # pdfium reads glyphs and paths about ten times faster; pdfplumber stays as a cross-check
    reader: Literal["pdfium", "pdfplumber"] = "pdfium"
    # image-only pages (scans) read by Japanese OCR (extract/reading/read_ocr.py)
    ocr: Literal["never", "auto", "always"] = "auto"
    snap_tolerance: float = DEFAULT_SNAP_TOLERANCE
    join_tolerance: float = DEFAULT_JOIN_TOLERANCE
    min_edge_length: float = DEFAULT_MIN_EDGE_LENGTH
    max_pages: int = DEFAULT_MAX_PAGES
    max_objects_per_page: int = DEFAULT_MAX_OBJECTS_PER_PAGE
    max_content_bytes_per_page: int = DEFAULT_MAX_CONTENT_BYTES_PER_PAGE
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_objects_per_pdf: int = DEFAULT_MAX_OBJECTS_PER_PDF
    max_seconds_per_pdf: float = DEFAULT_MAX_SECONDS_PER_PDF

    def __post_init__(self) -> None:
        if self.layout is not None and not (isinstance(self.layout, str) and self.layout):
            raise ValueError(f"layout: a non-empty name or file, not {self.layout!r}")
        if isinstance(self.layouts, list):
            object.__setattr__(self, "layouts", tuple(self.layouts))
        if not (isinstance(self.layouts, tuple) and all(isinstance(d, str) for d in self.layouts)):
            raise ValueError(f"layouts: folder names, not {self.layouts!r}")
        if self.reader not in READERS:
            raise ValueError(f"reader: one of {', '.join(READERS)}, not {self.reader!r}")
        if self.ocr not in OCR_MODES:
            raise ValueError(f"ocr: one of {', '.join(OCR_MODES)}, not {self.ocr!r}")
        for name, (kind, least, most) in _BOUNDS.items():
            value = getattr(self, name)
            kinds = (int, float) if kind is float else (int,)
            if isinstance(value, bool) or not isinstance(value, kinds) or not least <= value <= most:
                what = "a number of points" if kind is float else "a whole number"
                upto = f" to {most:g}" if most != float("inf") else ""
                raise ValueError(f"{name}: {what} from {least}{upto}, not {value!r}")
            object.__setattr__(self, name, kind(value))
