"""What kind each page is, decided before any row is read."""

from __future__ import annotations

from enum import StrEnum


class PageKind(StrEnum):
    COVER = "cover"
    SCALE = "scale"
    REMARKS = "remarks"
    SHEET = "sheet"
    UNREADABLE = "unreadable"
    OTHER = "other"
