"""Whatever a page printed that no reader took: a problem with its page, unless it repeats.

Each reader returns the cells and lines it put into a record (``schemas.grid.Taken``); the
session unions them for the page and hands them to ``collect``. What is left is kept here; at the end of the document a line that stands outside every table on two
or more pages (a running title, a page number) is a running head and dropped, and so is a
line the layout declares printed instructions of the blank form. A line in the margin that
opens with the report's own title (read from its cover) is its running title even when it
is printed once, above a table that fits on one page. Everything else becomes a
``stray_text`` / ``stray_cell`` problem naming its page.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from extract.reading import patterns as lp
from extract.reading.normalise import squash
from schemas.grid import PageGrid, Taken
from schemas.report import Problem

MARGIN = 0.15  # a running head stands in the top or bottom 15 % of the page
# what may follow the report's title in its running title: a bracketed part (its year), a page
_TITLE_TAIL = re.compile(r"(\(.*\)|\[.*\]|【.*】)?[0-9/\-]*(頁|ページ)?")


def _shape(text: str) -> str:
    """A line with its digits folded, so that '- 7 -' and '- 8 -' are one running head."""
    return re.sub(r"\d+", "#", squash(text))


@dataclass
class Leftovers:
    running_head: str | None = None
    boilerplate: list[str] = field(default_factory=list)
    _lines: list[tuple[int, str, bool]] = field(default_factory=list)  # page, text, in a margin
    _cells: list[tuple[int, str]] = field(default_factory=list)
    _pages_of: Counter[str] = field(default_factory=Counter)

    def collect(self, grid: PageGrid, taken: Taken) -> None:
        """Keep what the page prints outside ``taken`` (what its readers put into records)."""
        shapes = set()
        for line in grid.free_lines:
            text = line.text.strip()
            margin = line.bottom < MARGIN * grid.height or line.top > (1 - MARGIN) * grid.height
            if text and margin:
                shapes.add(_shape(text))
            if text and id(line) not in taken:
                self._lines.append((grid.page_no, text, margin))
        self._pages_of.update(shapes)
        for table in grid.tables:
            for cell in table.cells:
                if cell.text.strip() and id(cell) not in taken:
                    self._cells.append((grid.page_no, cell.text.strip()))

    def _ignored(self, text: str, margin: bool, title: str) -> bool:
        if self.running_head and lp.fullmatch(self.running_head, text):
            return True
        if any(lp.search(p, squash(text)) for p in self.boilerplate):
            return True
        if margin and title and (line := squash(text)).startswith(title):
            return _TITLE_TAIL.fullmatch(line[len(title) :]) is not None
        return margin and self._pages_of[_shape(text)] >= 2

    def problems(self, title: str | None = None) -> list[Problem]:
        """What no reader took; ``title`` is the report's title as its cover prints it."""
        own = squash(title) if title and len(squash(title)) >= 4 else ""
        out = [
            Problem(code="stray_text", message=f"text outside the tables: {text[:60]!r}", page=page)
            for page, text, margin in self._lines
            if not self._ignored(text, margin, own)
        ]
        out += [
            Problem(code="stray_cell", message=f"cell outside every column: {text[:60]!r}", page=page)
            for page, text in self._cells
            if not any(lp.search(p, squash(text)) for p in self.boilerplate)
        ]
        return out
