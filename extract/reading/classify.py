"""Tell page kinds apart by what they print (header words, markers), never by page number."""

from __future__ import annotations

import re

from extract.reading import patterns as lp
from extract.reading.columns import find_table
from extract.reading.comments import find_comment_tables
from extract.reading.normalise import fiscal_year
from schemas.grid import PageGrid
from schemas.layout import RowLayout
from schemas.pages import PageKind

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9d]")


def classify(grid: PageGrid, layout: RowLayout) -> PageKind:
    if grid.unreadable:
        return PageKind.UNREADABLE
    if find_table(grid, layout):
        return PageKind.SHEET
    if find_comment_tables(grid, layout):
        return PageKind.COMMENTS
    if layout.scale.line:
        scale = lp.compile(layout.scale.line)
        if sum(1 for text in grid.free_text if scale.match(text)) >= 2:
            return PageKind.SCALE
    if layout.report.cover and not grid.tables and any(fiscal_year(text) for text in grid.free_text):
        return PageKind.COVER
    return PageKind.OTHER


def page_text(grid: PageGrid) -> str:
    """All the page's text, free lines and cells, for detection rules."""
    return "\n".join(grid.free_text + [c.text for t in grid.tables for c in t.cells])


def has_kana(grid: PageGrid) -> bool:
    """Kana tell Japanese from Chinese: a Japanese report prints some on its pages."""
    return bool(_KANA.search(page_text(grid)))


def rated_table(grid: PageGrid) -> list[str] | None:
    """Header words of a ruled table with a column of A–D letters: a form no layout knows."""
    for table in grid.tables:
        by_col: dict[int, int] = {}
        for cell in table.cells:
            if re.fullmatch(r"\s*[A-DＡ-Ｄ]\s*", cell.text):
                by_col[cell.col] = by_col.get(cell.col, 0) + 1
        if any(n >= 2 for n in by_col.values()):
            short = [c.text.replace("\n", "") for c in table.cells if 0 < len(c.text.strip()) <= 12]
            return [w for w in short if not re.fullmatch(r"\s*[A-DＡ-Ｄ]\s*", w)][:8]
    return None
