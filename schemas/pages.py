"""What kind each page is, decided before any row is read."""

from __future__ import annotations

from enum import Enum


class PageKind(str, Enum):
    COVER = "cover"
    SCALE = "scale"
    COMMENTS = "comments"
    SHEET = "sheet"
    UNREADABLE = "unreadable"
    OTHER = "other"
