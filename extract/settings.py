"""Extraction settings: one validated object with named defaults, checked before page 1."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_SNAP_TOLERANCE = 3.0
DEFAULT_JOIN_TOLERANCE = 3.0
DEFAULT_MIN_EDGE_LENGTH = 3.0
DEFAULT_MAX_PAGES = 1000
DEFAULT_MAX_OBJECTS_PER_PAGE = 200_000
DEFAULT_MAX_CONTENT_BYTES_PER_PAGE = 8 * 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 200 * 1024 * 1024
READERS = ("pdfium", "pdfplumber")


class ExtractSettings(BaseModel):
    """Tolerances are in PDF points; limits keep a hostile PDF from exhausting the machine."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    layout: str | None = Field(
        default=None, min_length=1, description="force a layout (name or file); None: detect"
    )
    layouts: tuple[str, ...] = Field(
        default=(), description="folders of user layout files, besides the built-in ones"
    )
    # pdfium reads glyphs and paths about ten times faster; pdfplumber stays as a cross-check
    reader: Literal["pdfium", "pdfplumber"] = "pdfium"
    snap_tolerance: float = Field(default=DEFAULT_SNAP_TOLERANCE, ge=0, le=20)
    join_tolerance: float = Field(default=DEFAULT_JOIN_TOLERANCE, ge=0, le=20)
    min_edge_length: float = Field(default=DEFAULT_MIN_EDGE_LENGTH, ge=0)
    max_pages: int = Field(default=DEFAULT_MAX_PAGES, ge=1)
    max_objects_per_page: int = Field(default=DEFAULT_MAX_OBJECTS_PER_PAGE, ge=1)
    max_content_bytes_per_page: int = Field(default=DEFAULT_MAX_CONTENT_BYTES_PER_PAGE, ge=1)
    max_file_bytes: int = Field(default=DEFAULT_MAX_FILE_BYTES, ge=1)
