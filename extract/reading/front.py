"""Read the report's own facts: title, fiscal year, date, issuer, publisher and rating scale.

Where they are printed is the layout's business: a cover page (Koganei), a title line above
the table and a scale box beside it (a school sheet). Each method returns the lines and
cells it read (``Taken``); what else a cover or scale page prints is kept as the report's notes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from extract.reading import patterns as lp
from extract.reading.normalise import era_month, fiscal_year, fold_kangxi, fold_rating, squash
from schemas.grid import NOTHING, Cell, PageGrid, Taken, TextLine, ids_of
from schemas.layout import RowLayout


@dataclass
class FrontReader:
    """Collects what the front pages and the sheets say about the report itself."""

    layout: RowLayout
    title: str | None = None
    fiscal_year_label: str | None = None
    fiscal_year: int | None = None
    published: str | None = None
    issuer: str | None = None
    publisher: str | None = None
    scale: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    _places: Counter[str] = field(default_factory=Counter)

    def read_cover(self, grid: PageGrid) -> Taken:
        lines = [ln for ln in grid.free_lines if ln.text.strip()]
        if self.title is not None or not lines:
            return NOTHING
        biggest = max(lines, key=lambda line: line.size)
        self.title = fold_kangxi(biggest.text.strip())
        for line in lines:
            text = fold_kangxi(line.text.strip())
            if self.fiscal_year is None and (found := fiscal_year(text)):
                self.fiscal_year_label, self.fiscal_year = found
            if self.published is None and (month := era_month(text)):
                self.published = month
            elif (
                self.issuer is None and self.layout.report.issuer
                and lp.search(self.layout.report.issuer, text) and text != self.title
            ):  # fmt: skip
                self.issuer = text
            elif line is not biggest and not fiscal_year(text):
                self.notes.append(text)
        return ids_of(lines)

    def read_facts(self, grid: PageGrid) -> Taken:
        """Title, publisher and fiscal year printed on a sheet page (a line or a cell). A line
        that prints more than that (学校長名, （案）) is kept whole in the report's notes."""
        spec = self.layout.report
        texts: list[tuple[str, int]] = [(ln.text, id(ln)) for ln in grid.free_lines]
        texts += [(c.text, id(c)) for t in grid.tables for c in t.cells if c.text.strip()]
        read: list[int] = []
        for raw, ident in texts:
            text = fold_kangxi(raw.strip())
            rest = squash(text)
            if spec.title and (m := lp.search(spec.title, rest)):
                if self.title is None:
                    self.title = m.group(1) if m.groups() else m.group(0)
                    if self.fiscal_year is None and (found := fiscal_year(text)):
                        self.fiscal_year_label, self.fiscal_year = found
                rest = rest.replace(m.group(0), "", 1)
                if found_year := fiscal_year(text):
                    rest = rest.replace(squash(found_year[0]), "", 1)
            if spec.publisher and (m := lp.search(spec.publisher, text)):
                self.publisher = self.publisher or m.group(1).strip()
                rest = rest.replace(squash(m.group(0)), "", 1)
            if rest == squash(text):
                continue  # neither pattern is on this line
            read.append(ident)
            if rest and text not in self.notes:
                self.notes.append(text)
        return frozenset(read)

    def read_scale(self, grid: PageGrid) -> Taken:
        scale = self.layout.scale
        read: list[TextLine] = []
        if scale.line:
            pattern = lp.compile(scale.line)
            for line in grid.free_lines:
                if match := pattern.match(fold_kangxi(line.text)):
                    match, right = self._meaning_beside(grid, line, pattern, match)
                    read += [right] if right is not None else []
                    letter = fold_rating(match.group(1))
                    if _has_meaning(match) and letter in scale.letters:  # a letter with its meaning
                        self.scale.setdefault(letter, match.group(2))
                        read.append(line)
        if scale.table_header:
            return ids_of(read) | self._read_scale_table(grid, lp.compile(scale.table_header))
        return ids_of(read)

    @staticmethod
    def _meaning_beside(
        grid: PageGrid, line: TextLine, pattern: re.Pattern[str], match: re.Match[str]
    ) -> tuple[re.Match[str], TextLine | None]:
        """A letter and its leaders (A・・・) printed in a cell of their own, the meaning in the
        next cell of the row: the gap between them splits the line in two; join them again.
        Returns the match and the line of the meaning it joined (None: none joined)."""
        if _has_meaning(match):
            return match, None
        beside = [
            other for other in grid.free_lines
            if other.x0 > line.x1 and abs(other.top - line.top) < 0.5 * line.size
        ]  # fmt: skip
        if not beside:
            return match, None
        right = min(beside, key=lambda other: other.x0)
        joined = pattern.match(f"{fold_kangxi(line.text)} {fold_kangxi(right.text)}")
        if joined is None or pattern.match(fold_kangxi(right.text)):
            return match, None
        return joined, right

    def read_scale_page(self, grid: PageGrid) -> Taken:
        """A page of its own for the scale: its other lines (heading, notes) are kept as notes."""
        scale = self.read_scale(grid)
        notes = [ln for ln in grid.free_lines if id(ln) not in scale and ln.text.strip()]
        self.notes += [fold_kangxi(line.text.strip()) for line in notes]
        return scale | ids_of(notes)

    def _read_scale_table(self, grid: PageGrid, header: re.Pattern[str]) -> Taken:
        """A box whose heading cell (達成度) has letter / meaning pairs to its right."""
        read: list[Cell] = []
        for table in grid.tables:
            for head in (c for c in table.cells if header.search(squash(c.text))):
                pairs = _pairs_right_of(table.cells, head, self.layout.scale.letters)
                if len(pairs) >= 2:
                    for letter, meaning in pairs:
                        self.scale.setdefault(
                            fold_rating(letter.text), fold_kangxi(meaning.text).replace("\n", "")
                        )
                        read += [letter, meaning]
                    read.append(head)
        return ids_of(read)

    def count_places(self, grid: PageGrid) -> None:
        if not self.layout.report.municipality:
            return
        pattern = lp.compile(self.layout.report.municipality)
        texts = grid.free_text + [c.text for t in grid.tables for c in t.cells]
        for text in texts:
            self._places.update(pattern.findall(fold_kangxi(text.replace("\n", ""))))

    def municipality(self) -> str | None:
        """The place named most often in the report's text (the cover may not name it)."""
        if not self._places:
            return None
        name, count = self._places.most_common(1)[0]
        return name if count >= 2 else None


def _pairs_right_of(cells: list[Cell], head: Cell, letters: Sequence[str]) -> list[tuple[Cell, Cell]]:
    rated = [
        c for c in cells
        if c.row >= head.row and c.last_row <= head.last_row and c.bbox.x0 >= head.bbox.x1 - 1.5
        and fold_rating(c.text) in letters
    ]  # fmt: skip
    pairs = []
    for letter in rated:
        meaning = next(
            (
                c
                for c in cells
                if c.row == letter.row and abs(c.bbox.x0 - letter.bbox.x1) <= 1.5 and c.text.strip()
            ),
            None,
        )
        if meaning is not None:
            pairs.append((letter, meaning))
    return pairs


def _has_meaning(match: re.Match[str]) -> bool:
    """A scale line's meaning is words, not only the leaders after the letter (A・・・)."""
    return re.search(r"\w", match.group(2)) is not None
