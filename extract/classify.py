"""Tell page kinds apart by what they print (header words, markers), never by page number."""

from __future__ import annotations

import re

from extract.columns import map_columns
from extract.normalise import fiscal_year
from schemas.grid import PageGrid
from schemas.layout import Layout
from schemas.pages import PageKind

SHEET_REQUIRED = {"initiative", "department", "rating", "results"}
COMMENT_REQUIRED = {"sheet", "opinion", "response"}


def classify(grid: PageGrid, layout: Layout) -> PageKind:
    if grid.unreadable:
        return PageKind.UNREADABLE
    sheet_cols = layout.sheet_columns.model_dump()
    comment_cols = layout.comment_columns.model_dump()
    for table in grid.tables:
        if map_columns(table, sheet_cols, SHEET_REQUIRED):
            return PageKind.SHEET
        if map_columns(table, comment_cols, COMMENT_REQUIRED):
            return PageKind.COMMENTS
    scale = re.compile(layout.scale.line)
    if sum(1 for text in grid.free_text if scale.match(text)) >= 2:
        return PageKind.SCALE
    if not grid.tables and any(fiscal_year(text) for text in grid.free_text):
        return PageKind.COVER
    return PageKind.OTHER
