"""Draft a row layout (``kind = "rows"``) for a PDF whose sheets hold one rated row per item.

A row table is told apart from a form by its content, not by its words: a column whose body
cells each print one letter of a scale (A, Ｂ …) under a header cell, in a table whose header
row names three or more columns. What the draft guesses, each a plain piece of data
(``RowDraft``) that draft_toml.write_rows writes as a layout file, every choice commented:

- columns: every header cell of that row, its printed text as the header pattern; a one-line
  header printing two words apart (具体的取組　評価指標) names two columns;
- roles, by the body cells: the letter column with the most letters is the rating (a letter
  column whose header says 前 is last year's); short cells of digits number the items, ``(1)``
  cells number groups, cells opening with ①… are the items' titles; a header naming who is in
  charge (担当, 所管, 部署, …課) is the department;
- a cell over several rated rows: ``over_item``; one cell over every rated row: a sheet field;
- a tag 【…】 opening a line inside most cells of a text column splits it; a tag in some title
  cells is a flag;
- the headings printed over the header row, the rating scale (a table of letters beside their
  meanings, or lines ``A・・・…``), the labelled boxes beside the table (sheet fields), the
  title, and how cell lines join (a word processor's hand-broken lines or a spreadsheet's wrap).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from extract.reading.draft import DraftField, _fields, is_label, pattern_of
from extract.reading.form_cells import TOL, FormPage, right_stack
from extract.reading.normalise import fold_rating, numbered_entries, squash
from extract.reading.text import line_text
from schemas.grid import Cell, PageGrid, Table

MAX_HEADER = 30  # characters: a longer cell is content, not a column's name (columns.py's bound)
_LETTER = re.compile(r"[A-EＡ-Ｅ]")
_DIGITS = re.compile(r"\D{0,6}[0-9]{1,3}")
_PAREN = re.compile(r"[(（][0-9]{1,2}[)）]")
_CIRCLED = re.compile(r"\s*[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]")
_TAG = re.compile(r"【[^】\n]{1,12}】")
_IN_CHARGE = re.compile(r"担当|所管|部署|部局|課$|所属")
_LAST_YEAR = "前"
_SCALE_LINE = r"^\s*([A-DＡ-Ｄ])\s*[・･.．…:：]+\s*(.+?)\s*$"
_ERA_YEAR = re.compile(r"^(?:令和|平成)?(?:元|[0-9]{1,2})年度")
_SENTENCE_END = "。．.)）」』】：:"
_OPENS = "○〇●◎・※→◆◇■□①②③④⑤⑥⑦⑧⑨⑩（(【「＜<［[0123456789０１２３４５６７８９-－"


@dataclass
class DraftColumn:
    name: str
    label: str  # the printed header (NFKC, no whitespace)
    header: str  # its pattern
    role: str = "text"  # a Role of schemas/layout.py
    numbering: str | None = None  # digits / paren / circled
    flag: str | None = None  # a tag in some title cells: a yes/no field
    split: str | None = None  # a tag after which the text goes to a field of its own
    scope: str = "row"
    over_item: bool = False
    one_line: bool = False
    required: bool = False  # besides the rating: the header row names it too (not a lone 達成度 box)
    sample: str | None = None
    why: str = ""  # the guess, for the comment


@dataclass
class RowDraft:
    """A row layout's guesses, for draft_toml.write_rows."""

    name: str
    title: str  # the sheet's title as printed, its year cut off
    detect: list[str]
    page: int  # the page the table was drafted from
    pages: int
    columns: list[DraftColumn]
    headings: list[str] = field(default_factory=list)
    scale_line: str | None = None
    scale_table: str | None = None
    letters: list[str] = field(default_factory=list)  # the rating column's letters, A before B
    text: str = "wrap"
    continue_rows: bool = False
    cover: bool = False
    sheet_fields: list[DraftField] = field(default_factory=list)
    item_title: tuple[str, str | None] | None = None  # (sheet field listing 1 … n, fallback column)


@dataclass
class _Found:
    grid: PageGrid
    table: Table
    header_row: int
    heads: list[Cell]
    body: dict[int, list[Cell]]  # index in heads -> its body cells
    rating: int


def draft_rows(grids: list[PageGrid], name: str) -> RowDraft | None:
    """A row layout for the pages, or None when no page holds a table of rated rows."""
    pages = [g for g in grids if not g.unreadable]
    found = next((f for g in pages for t in g.tables if (f := _rated_table(g, t)) is not None), None)
    if found is None:
        return None
    columns = _columns(found, pages)
    title = _sheet_title(pages, found.grid)
    named = [c for c in columns if c.role != "rating"]
    rating = next(c for c in columns if c.role == "rating")
    detect = [pattern_of(c.label, anchored=False) for c in [rating, *named[:1], *named[-1:]]]
    draft = RowDraft(name, title, detect, found.grid.page_no, len(grids), columns)
    draft.headings = _headings(found)
    draft.scale_line = _SCALE_LINE if _scale_lines(pages) >= 2 else None
    draft.scale_table = _scale_table(pages)
    draft.letters = sorted({fold_rating(c.text) for c in found.body[found.rating] if _is_letter(c)})
    draft.text = _text_rule(found)
    draft.continue_rows = sum(1 for g in pages if g.tables) > 1
    draft.cover = not pages[0].tables and found.grid is not pages[0]
    draft.sheet_fields = _sheet_fields(found, title)
    draft.item_title = _item_title(draft)
    return draft


# -- the table --------------------------------------------------------------------------


def _is_letter(cell: Cell) -> bool:
    return _LETTER.fullmatch(squash(cell.text)) is not None


def _rated_table(grid: PageGrid, table: Table) -> _Found | None:
    """The table's header row over a column of scale letters, with each header cell's body."""
    letters = [c for c in table.cells if _is_letter(c)]
    for top in sorted(letters, key=lambda c: c.bbox.top):
        head = _cell_above(table, top)
        if head is None:
            continue
        row = head.last_row
        heads = sorted(
            (
                c
                for c in table.cells
                if c.row <= row <= c.last_row and 0 < len(squash(c.text)) <= MAX_HEADER and not _is_letter(c)
            ),
            key=lambda c: c.bbox.x0,
        )
        if len(heads) < 3:
            continue
        body = {i: [] for i in range(len(heads))}
        for cell in table.cells:
            if cell.row > row and (i := _column_of(heads, cell)) is not None:
                body[i].append(cell)
        rating = _rating_column(heads, body)
        if rating is not None:
            return _Found(grid, table, row, heads, body, rating)
    return None


def _cell_above(table: Table, cell: Cell) -> Cell | None:
    """The nearest cell with text above ``cell`` over its middle (its column's header)."""
    mid = (cell.bbox.x0 + cell.bbox.x1) / 2
    above = [
        c
        for c in table.cells
        if c.bbox.bottom <= cell.bbox.top + TOL
        and c.bbox.x0 - TOL <= mid <= c.bbox.x1 + TOL
        and squash(c.text)
    ]
    if not above:
        return None
    head = max(above, key=lambda c: c.bbox.bottom)
    return None if _is_letter(head) or len(squash(head.text)) > MAX_HEADER else head


def _column_of(heads: list[Cell], cell: Cell) -> int | None:
    """As columns.ColumnMap.column_of: the header whose extent the cell's left edge opens into."""
    x = cell.bbox.x0 + min(4.0, cell.bbox.width / 2)
    return next((i for i, h in enumerate(heads) if h.bbox.x0 - 1.0 <= x <= h.bbox.x1 + 1.0), None)


def _filled(cells: list[Cell]) -> list[Cell]:
    return [c for c in cells if squash(c.text)]


def _share(cells: list[Cell], test: re.Pattern[str]) -> float:
    filled = _filled(cells)
    return sum(1 for c in filled if test.fullmatch(squash(c.text))) / len(filled) if filled else 0.0


def _rating_column(heads: list[Cell], body: dict[int, list[Cell]]) -> int | None:
    """The column of two or more letters, most of its cells: the one with the most (not a
    header saying 前, last year's, while another is there)."""
    rated = [i for i in body if _share(body[i], _LETTER) >= 0.6 and len(_filled(body[i])) >= 2]
    if not rated:
        return None
    this_year = [i for i in rated if _LAST_YEAR not in squash(heads[i].text)] or rated
    return max(this_year, key=lambda i: (len(_filled(body[i])), heads[i].bbox.x0))


# -- the columns ------------------------------------------------------------------------


def _columns(found: _Found, pages: list[PageGrid]) -> list[DraftColumn]:
    out: list[DraftColumn] = []
    ratings = _filled(found.body[found.rating])
    numbered = False
    for i, head in enumerate(found.heads):
        every = _filled(_under_all(pages, head))  # tags: in the column on every page
        for label, pattern in _header_words(head):
            column = _column(label, pattern, found.body[i], ratings, i == found.rating, every)
            if column.role in ("number", "group"):
                if numbered and column.role == "number":
                    column.role, column.numbering = "text", None
                numbered = True
            out.append(column)
    _one_each(out)
    _name(out)
    first = next(c for c in out if c.scope == "row")
    first.required = first.required or first.role != "rating"
    return out


def _header_words(head: Cell) -> list[tuple[str, str]]:
    """The header's text and pattern; a single line of two words printed apart names two
    columns (the reader cuts the body between them: columns.py)."""
    if len(head.lines) == 1:
        words = line_text(head.lines[0]).split()
        if len(words) == 2 and all(is_label(squash(w)) for w in words):
            return [(squash(w), pattern_of(squash(w))) for w in words]
    key = squash(head.text)
    return [(key, pattern_of(key))]


def _under_all(pages: list[PageGrid], head: Cell) -> list[Cell]:
    """The cells under a header printing the same text, in every table of every page."""
    key, out = squash(head.text), []
    for grid in pages:
        for table in grid.tables:
            for top in (c for c in table.cells if squash(c.text) == key):
                out += [
                    c for c in table.cells
                    if c.row > top.last_row and top.bbox.x0 - 1.0 <= c.bbox.x0 + min(4.0, c.bbox.width / 2) <= top.bbox.x1 + 1.0
                ]  # fmt: skip
    return out


def _column(
    label: str, pattern: str, cells: list[Cell], ratings: list[Cell], rating: bool, every: list[Cell]
) -> DraftColumn:
    column = DraftColumn("", label, pattern, sample=next((c.text for c in _filled(cells)), None))
    filled = _filled(cells)
    if rating:
        column.role, column.why = "rating", "a scale letter in each row: the rating, one record per letter"
    elif _share(cells, _LETTER) >= 0.6 and len(filled) >= 2:
        last = _LAST_YEAR in label
        column.role = "prev_rating" if last else "text"
        column.why = (
            "letters, the header says 前: last year's rating" if last else "letters over several rows"
        )
    elif _share(cells, _PAREN) >= 0.6:
        column.role, column.numbering, column.why = "group", "paren", "(1), (2) …: numbers the groups"
    elif _share(cells, _DIGITS) >= 0.6:
        column.role, column.why = "number", "short cells with a number: numbers the items"
    elif filled and sum(1 for c in filled if _CIRCLED.match(c.text)) >= len(filled) / 2:
        column.role, column.numbering, column.one_line = "title", "circled", True
        column.why = "cells open with ①, ②: the items' titles, numbered"
        tags = Counter(t for c in every for t in set(_TAG.findall(c.text)))
        column.flag = next((t for t, n in tags.most_common() if n < len(every)), None)
    elif _IN_CHARGE.search(label):
        column.role, column.why = "department", "the header names who is in charge"
    else:
        column.split = _split_tag(every)
    if column.role == "text":
        column.over_item, column.scope = _over(filled, ratings)
    return column


def _split_tag(cells: list[Cell]) -> str | None:
    """A tag opening a line inside (not at the start of) two cells or more of the column."""
    inside = Counter(
        t
        for c in cells
        for t in {m.group() for m in _TAG.finditer(c.text) if m.start() > 0 and c.text[m.start() - 1] == "\n"}
    )
    tag, n = inside.most_common(1)[0] if inside else ("", 0)
    return tag if n >= 2 else None


def _over(cells: list[Cell], ratings: list[Cell]) -> tuple[bool, str]:
    """(over_item, scope): a cell over several rated rows goes to each; one cell over every
    rated row is the sheet's."""

    def covers(cell: Cell) -> int:
        return sum(1 for r in ratings if cell.row <= r.row and r.last_row <= cell.last_row)

    if len(cells) == 1 and len(ratings) >= 2 and covers(cells[0]) == len(ratings):
        return False, "sheet"
    return any(covers(c) >= 2 for c in cells), "row"


def _one_each(columns: list[DraftColumn]) -> None:
    """One department and one title: the rest are text."""
    for role in ("department", "title", "prev_rating"):
        for extra in [c for c in columns if c.role == role][1:]:
            extra.role, extra.numbering, extra.flag, extra.one_line = "text", None, None, False


def _name(columns: list[DraftColumn]) -> None:
    """ASCII names: the role's where there is one of it, else col_NN."""
    for n, column in enumerate(columns, 1):
        column.name = column.role if column.role not in ("text", "group") else f"col_{n:02d}"


# -- around the table -------------------------------------------------------------------


def _headings(found: _Found) -> list[str]:
    """Short texts in the table's rows above the header row: headings over the columns."""
    heads = {id(c) for c in found.heads}
    above = [
        squash(c.text)
        for c in found.table.cells
        if c.last_row < found.header_row and id(c) not in heads and 0 < len(squash(c.text)) <= MAX_HEADER
        and c.bbox.top >= min(h.bbox.top for h in found.heads) - 3 * (found.heads[0].bbox.height + TOL)
    ]  # fmt: skip
    return list(dict.fromkeys(pattern_of(t) for t in above))


def _scale_lines(pages: list[PageGrid]) -> int:
    return sum(1 for g in pages for ln in g.free_lines if re.match(_SCALE_LINE, ln.text))


def _scale_table(pages: list[PageGrid]) -> str | None:
    """A cell whose right-hand neighbours are the letters A, B, … in order (each beside its
    meaning): the scale's table, by its printed heading."""
    for grid in pages:
        for table in grid.tables:
            for cell in table.cells:
                right = sorted(
                    (
                        c
                        for c in table.cells
                        if abs(c.bbox.x0 - cell.bbox.x1) <= TOL and cell.row <= c.row <= cell.last_row
                    ),
                    key=lambda c: c.bbox.top,
                )
                letters = [squash(c.text) for c in right]
                key = squash(cell.text)
                if (
                    len(letters) >= 3
                    and letters == sorted(letters)
                    and all(_LETTER.fullmatch(x) for x in letters)
                ):
                    return pattern_of(key) if 0 < len(key) <= MAX_HEADER else None
    return None


def _sheet_title(pages: list[PageGrid], grid: PageGrid) -> str:
    """The largest free line in the top half of page 1 or of the table's page, its era year cut."""
    top = [
        ln for g in {id(p): p for p in (pages[0], grid)}.values()
        for ln in g.free_lines if ln.top < g.height / 2 and is_label(squash(ln.text))
    ]  # fmt: skip
    if not top:
        return ""
    text = squash(max(top, key=lambda ln: (round(ln.size, 1), -ln.top)).text)
    return _ERA_YEAR.sub("", text) or text


def _sheet_fields(found: _Found, title: str) -> list[DraftField]:
    """Labelled boxes outside the row table (目指す… | its text), as the form draft finds them;
    a longer label beside a list numbered 1 … n too (本年度の重点目標(…) | １… ２…)."""
    page = FormPage.of(found.grid)
    band = min(h.bbox.top for h in found.heads) - _band_height(found)
    taken = {id(c) for c in found.table.cells if c.bbox.bottom > band + TOL}
    taken |= {id(c) for _, c in page.cells if _LETTER.fullmatch(page.key(c))}  # a scale's letters
    out: list[DraftField] = []
    fields, took = _fields(page, frozenset(taken), title)
    taken |= took  # the cells beside those labels are no list's
    for f in fields:  # 施策(1), 施策(2): one pattern, one field
        if not f.rating and not f.chosen and f.pattern not in {o.pattern for o in out}:
            f.name = f"field_{len(out) + 1:02d}"
            out.append(f)
    for _, cell in page.cells:
        right = [] if id(cell) in taken else right_stack(page, cell)
        key = page.key(cell)
        if right and 0 < len(key) <= 2 * MAX_HEADER and key not in {f.label for f in out}:
            listed = "\n".join(c.text for c in right)
            if len(numbered_entries(listed)) >= 2:
                out.append(DraftField(f"field_{len(out) + 1:02d}", key, pattern_of(key), sample=listed))
                out[-1].page = found.grid.page_no
    return out


def _band_height(found: _Found) -> float:
    """How far above the header row its headings reach (the rows of short texts over it)."""
    heads = {id(c) for c in found.heads}
    over = [
        c.bbox.top for c in found.table.cells
        if c.last_row < found.header_row and id(c) not in heads and 0 < len(squash(c.text)) <= MAX_HEADER
        and c.bbox.bottom >= min(h.bbox.top for h in found.heads) - 3 * (found.heads[0].bbox.height + TOL)
    ]  # fmt: skip
    return min(h.bbox.top for h in found.heads) - min(over, default=min(h.bbox.top for h in found.heads))


def _item_title(draft: RowDraft) -> tuple[str, str | None] | None:
    """Items numbered 1 … n and a sheet field listing entries 1 … n (本年度の重点目標 １ … ２ …):
    each item's title is its entry; the text column right of the numbers stands in without."""
    number = next((i for i, c in enumerate(draft.columns) if c.role == "number"), None)
    if number is None:
        return None
    listing = next((f for f in draft.sheet_fields if len(numbered_entries(f.sample)) >= 2), None)
    if listing is None:
        return None
    after = next((c.name for c in draft.columns[number + 1 :] if c.role == "text" and c.scope == "row"), None)
    return listing.name, after


def _text_rule(found: _Found) -> str:
    """'paragraphs' when the text cells' lines break mid-sentence: read as a spreadsheet's
    (a short line ends a paragraph), a word processor's hand-shaped cells break after a word
    that does not end a sentence, before one that opens no bullet, in one break of seven or
    more; a spreadsheet's breaks are where its author typed them."""
    breaks = mid = 0
    for i, cells in found.body.items():
        if i == found.rating:
            continue
        for cell in _filled(cells):
            for before, after in re.findall(r"(.)\n(.)", cell.text):
                breaks += 1
                mid += before not in _SENTENCE_END and after not in _OPENS
    return "paragraphs" if breaks and mid / breaks >= 0.15 else "wrap"
