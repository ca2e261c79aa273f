"""Tell page kinds apart by what they print (header words, markers), never by page number."""

from __future__ import annotations

import re
from collections.abc import Collection

from extract.reading import patterns as lp
from extract.reading.columns import find_table
from extract.reading.normalise import fiscal_year, fold_rating, squash
from extract.reading.remarks import find_remark_tables
from schemas.grid import PageGrid
from schemas.layout import RowLayout
from schemas.pages import PageKind

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9d]")
# a title that names an evaluation: 事務事業評価シート, 事業評価書, 自己評価結果, 評価表 …
_EVALUATION_TITLE = re.compile(r"評価(シート|表|票|書|調書|結果|報告書)[)）]?$")
_MARK = re.compile(r"\s*[○◯●◎]\s*")


def classify(grid: PageGrid, layout: RowLayout) -> PageKind:
    if grid.unreadable:
        return PageKind.UNREADABLE
    if find_table(grid, layout):
        return PageKind.SHEET
    if find_remark_tables(grid, layout):
        return PageKind.REMARKS
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


def rated_table(grid: PageGrid, letters: Collection[str]) -> tuple[list[str], list[str]] | None:
    """The ratings and header words of a ruled table with a column of ratings (``letters``:
    those of every scale a layout declares): a form no layout knows."""
    for table in grid.tables:
        by_col: dict[int, list[str]] = {}
        for cell in table.cells:
            if (folded := fold_rating(cell.text)) in letters:
                by_col.setdefault(cell.col, []).append(folded)
        if seen := next((found for found in by_col.values() if len(found) >= 2), None):
            short = [c.text.replace("\n", "") for c in table.cells if 0 < len(c.text.strip()) <= 12]
            return sorted(set(seen)), [w for w in short if fold_rating(w) not in letters][:8]
    return None


def evaluation_signs(grid: PageGrid, letters: Collection[str]) -> list[str]:
    """What on the page looks like an evaluation sheet, said as seen: a title naming an
    evaluation (評価シート, 評価書 …, a line of at most 30 letters), a ruled table of ratings
    (``letters``, a column of them), ○/● marks in cells of a page with a heading that ends in 評価 (事業評価, not
    「人事評価を活用している」, a question); then, as further evidence, a grid of
    label cells beside their values. Empty when the page shows none of the first three (a
    list, a budget, minutes: no layout is missing for them)."""
    texts = [t.strip() for t in grid.free_text + [c.text for t in grid.tables for c in t.cells]]
    title = next((t for t in texts if len(s := squash(t)) <= 30 and _EVALUATION_TITLE.search(s)), None)
    signs = [f"the title 「{' '.join(title.split())}」"] if title else []
    if found := rated_table(grid, letters):
        seen, words = found
        signs.append(f"a ruled table with ratings {'/'.join(seen)} (headers: {' / '.join(words)})")
    marks = sum(1 for t in grid.tables for c in t.cells if _MARK.fullmatch(c.text))
    if marks >= 2 and (signs or any(len(s := squash(t)) <= 10 and s.endswith("評価") for t in texts)):
        signs.append(f"○/● marks in {marks} cells")
    if signs and _labels_beside_values(grid) >= 4:  # (not counted aloud: the readers' cells differ a little)
        signs.append("a grid of label cells beside their values")
    return signs


def _labels_beside_values(grid: PageGrid) -> int:
    """Cells of a short label (at most 12 letters, not a number) whose right-hand neighbour in
    the same row holds text: the grid of a form."""
    count = 0
    for table in grid.tables:
        right = {(c.row, c.col): c for c in table.cells}
        for cell in table.cells:
            label = squash(cell.text)
            beside = right.get((cell.row, cell.col + cell.col_span))
            short = 0 < len(label) <= 12 and not re.fullmatch(r"[\d,.%()-]+", label)
            count += bool(short and beside and beside.text.strip())
    return count
