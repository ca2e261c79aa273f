"""Extraction settings: one checked, frozen object with named defaults, checked before page 1.

A plain dataclass, not a pydantic model: the reading processes (extract/reading/read_apart.py)
take it, and they never import pydantic, which costs more to load than reading a page.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

DEFAULT_SNAP_TOLERANCE = 3.0
DEFAULT_JOIN_TOLERANCE = 3.0
DEFAULT_MIN_EDGE_LENGTH = 3.0
DEFAULT_MAX_PAGES = 1000
DEFAULT_MAX_OBJECTS_PER_PAGE = 200_000
DEFAULT_MAX_CONTENT_BYTES_PER_PAGE = 8 * 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024
READERS = ("pdfium", "pdfplumber")


@dataclass(frozen=True)
class ExtractSettings:
    """Tolerances are in PDF points; limits keep a hostile PDF from exhausting the machine."""

    layout: str | None = None  # force a layout (name or file); None: detect
    layouts: tuple[str, ...] = ()  # folders of user layout files, besides the built-in ones
    # pdfium reads glyphs and paths about ten times faster; pdfplumber stays as a cross-check
    reader: str = "pdfium"
    snap_tolerance: float = DEFAULT_SNAP_TOLERANCE
    join_tolerance: float = DEFAULT_JOIN_TOLERANCE
    min_edge_length: float = DEFAULT_MIN_EDGE_LENGTH
    max_pages: int = DEFAULT_MAX_PAGES
    max_objects_per_page: int = DEFAULT_MAX_OBJECTS_PER_PAGE
    max_content_bytes_per_page: int = DEFAULT_MAX_CONTENT_BYTES_PER_PAGE
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES

    def __post_init__(self) -> None:
        if self.layout is not None and not (isinstance(self.layout, str) and self.layout):
            raise ValueError(f"layout: a non-empty name or file, not {self.layout!r}")
        if not (isinstance(self.layouts, tuple) and all(isinstance(d, str) for d in self.layouts)):
            raise ValueError(f"layouts: a tuple of folder names, not {self.layouts!r}")
        if self.reader not in READERS:
            raise ValueError(f"reader: one of {', '.join(READERS)}, not {self.reader!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if f.name.endswith("_tolerance") and not (number and 0 <= value <= 20):
                raise ValueError(f"{f.name}: a number of points from 0 to 20, not {value!r}")
            if f.name == "min_edge_length" and not (number and value >= 0):
                raise ValueError(f"{f.name}: a number of points from 0, not {value!r}")
            if f.name.startswith("max_") and not (number and isinstance(value, int) and value >= 1):
                raise ValueError(f"{f.name}: a whole number from 1, not {value!r}")
            if f.type == "float":
                object.__setattr__(self, f.name, float(value))
