"""Read the front matter: the cover (title, fiscal year, date, issuer) and the rating scale."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from extract.normalise import era_month, fiscal_year, fold_kangxi
from schemas.grid import PageGrid
from schemas.layout import Layout


@dataclass
class FrontReader:
    """Collects what the cover and the scale page say, and counts municipality names."""

    layout: Layout
    title: str | None = None
    fiscal_year_label: str | None = None
    fiscal_year: int | None = None
    published: str | None = None
    issuer: str | None = None
    scale: dict[str, str] = field(default_factory=dict)
    _places: Counter[str] = field(default_factory=Counter)

    def read_cover(self, grid: PageGrid) -> None:
        lines = [fold_kangxi(line.text.strip()) for line in grid.free_lines if line.text.strip()]
        if self.title is not None or not lines:
            return
        biggest = max(grid.free_lines, key=lambda line: line.size)
        self.title = fold_kangxi(biggest.text.strip())
        for text in lines:
            if self.fiscal_year is None and (found := fiscal_year(text)):
                self.fiscal_year_label, self.fiscal_year = found
            if self.published is None and (month := era_month(text)):
                self.published = month
            elif self.issuer is None and re.search(self.layout.markers.issuer, text) and text != self.title:
                self.issuer = text

    def read_scale(self, grid: PageGrid) -> None:
        pattern = re.compile(self.layout.scale.line)
        for line in grid.free_text:
            match = pattern.match(fold_kangxi(line))
            if match:
                code = match.group(1).translate(str.maketrans("ＡＢＣＤ", "ABCD"))
                self.scale.setdefault(code, match.group(2))

    def count_places(self, grid: PageGrid) -> None:
        pattern = re.compile(self.layout.markers.municipality)
        texts = grid.free_text + [c.text for t in grid.tables for c in t.cells]
        for text in texts:
            self._places.update(pattern.findall(fold_kangxi(text.replace("\n", ""))))

    def municipality(self) -> str | None:
        """The place named most often in the report's text (the cover may not name it)."""
        if not self._places:
            return None
        name, count = self._places.most_common(1)[0]
        return name if count >= 2 else None
