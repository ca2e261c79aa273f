"""Draft a form layout for a PDF no layout reads yet, from its pages' geometry alone.

What a draft guesses, each guess a plain piece of data (``Draft``) that draft_toml.py writes
as a layout file with every choice commented:

- the title: the largest free line near the top of page 1 (else its top-most cell);
- the sheet's start: the title when some pages do not print it, else the first label printed on
  page 1 and not on page 2 (a sheet over several pages); none when each page is a sheet;
- embedded tables: a row of two or more cells naming a fiscal year (Ｒ４年度, 25年度決算) is
  a header row; the cell left of its first year cell is the corner (when printed); a corner
  printed before is found ``after`` the heading (a free line, else the cell) right above it;
  whole numbers everywhere make it ``type = "int"``; a header right of the years naming no year
  (差引（増減）) a named column of that kind;
- fields: outside the tables, a short text cell is a label and the cell right of it (else below
  it) its value; a value printing ● among ○ is an inline choice, a value ``A``/``Ｂ．…`` a rating;
- report facts: the title, an era year (令和５年度) printed outside the tables or in the file
  name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from extract.reading import patterns as lp
from extract.reading.form_cells import TOL, FormPage, below, joined_text, right_stack, value_text
from extract.reading.form_sheets import block_pages, stack
from extract.reading.normalise import squash
from extract.settings import ExtractSettings
from schemas.form import BlockSpec
from schemas.grid import NOTHING, Cell, PageGrid, Table, Taken

MAX_LABEL = 20  # characters (NFKC, no whitespace): a longer text is a value, not a label
_YEAR = re.compile(r"(?:R|令和|H|平成)?(?:元|[0-9]{1,2})年度")
KINDS = ["決算", "予算", "実績", "見込み", "見込", "目標", "計画"]
_NUMBERISH = re.compile(r"[0-9,.\-－―‐%％()（）/／:：~～年月日度件人円千]+")
_ERA_YEAR_RE = re.compile(r"(?P<value>(?:令和|平成)\s*(?:[0-9０-９]{1,2}|元)\s*年度)")
_ERA_YEAR = _ERA_YEAR_RE.pattern


@dataclass
class DraftField:
    name: str
    label: str  # the printed label (NFKC, no whitespace)
    pattern: str
    value: str = "right"  # right / below
    sample: str | None = None  # the value printed on the PDF drafted from
    chosen: bool = False  # an inline choice: ● among ○
    rating: bool = False  # a rating cell: letter + label
    page: int = 1


@dataclass
class DraftTable:
    name: str
    label: str
    corner: str | None  # a pattern of the printed corner cell, or
    header: str | None  # a pattern of the header row's first cell when the corner is blank
    after: str | None
    years: list[str]  # the header row as printed
    rows: list[str]  # the row keys as printed
    page: int = 1
    top: float = 0.0
    row_kind: bool = False  # the header names years only: the kind is the row's (決算)
    whole: bool = False  # every value a whole number (1,234, ▲56): type = "int"
    columns: list[tuple[str, str]] = field(default_factory=list)  # (header, kind) right of the years


@dataclass
class DraftBlock:
    name: str
    label: str
    start: str
    number: bool  # a number printed left of the start label
    fields: list[DraftField] = field(default_factory=list)
    tables: list[DraftTable] = field(default_factory=list)


@dataclass
class DraftReport:
    name: str
    label: str
    how: str  # free / cell / file_name
    pattern: str
    era: str | None = None


@dataclass
class Draft:
    """A layout's guesses, for draft_toml.write_form."""

    name: str
    title: str
    title_free: bool
    detect: list[str]
    start: str | None
    era: str
    pages: int
    sheet_pages: list[int]
    fields: list[DraftField] = field(default_factory=list)
    tables: list[DraftTable] = field(default_factory=list)
    report: list[DraftReport] = field(default_factory=list)
    blocks: list[DraftBlock] = field(default_factory=list)


def pattern_of(text: str, anchored: bool = True) -> str:
    """A printed text as a pattern: escaped, its numbers any number (R4 -> R[0-9]+)."""
    body = "[0-9]+".join(lp.escape(part) for part in re.split(r"[0-9]+", text))
    return f"^{body}$" if anchored else body


def is_label(key: str) -> bool:
    return (
        0 < len(key) <= MAX_LABEL
        and not _NUMBERISH.fullmatch(key)
        and "。" not in key
        and not any(m in key for m in "●○◎")
        and key[0] not in "・①②③④⑤-－"
    )


def draft_pdf(path: Path, settings: ExtractSettings | None = None, name: str | None = None) -> Draft:
    """Read the PDF and draft a form layout for it (``name``: the layout's, default from the file)."""
    return draft_grids(read_grids(path, settings), path.name, name or slug(path.stem))


def read_grids(path: Path, settings: ExtractSettings | None = None) -> list[PageGrid]:
    """The PDF's pages as grids, the way the readers see them."""
    from extract.reading.grid import LocalPages
    from extract.reading.read import read_pdf

    return list(LocalPages(read_pdf(path, settings or ExtractSettings())).grids())


def slug(stem: str) -> str:
    """An ASCII layout name from a file name: kobe-r25-001 -> draft-kobe-r25-001."""
    return ("draft-" + re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-"))[:64].rstrip("-")


def draft_grids(grids: list[PageGrid], file_name: str, name: str) -> Draft:
    pages = [g for g in grids if not g.unreadable]
    if not pages:
        raise ValueError(f"{file_name}: no readable page to draft from")
    title, title_free = _title(pages[0])
    start, sheet = _sheet(pages, title)
    page = stack(sheet)
    draft = Draft(
        name, title, title_free, [], start, _era(pages, file_name), len(grids), [g.page_no for g in sheet]
    )
    # each step takes cells the next ones leave alone: what it took, returned
    draft.tables, taken = _tables(page)
    key, areas = _block_areas(page, taken) if start is not None else ("", [])  # blocks need a [sheet]
    if areas:
        block, draft.tables, took = _block(key, areas, draft.tables, taken, title)
        draft.blocks, taken = [block], taken | took
    draft.fields, _ = _fields(page.outside(areas) if areas else page, taken, title, len(_all_fields(draft)))
    first = [f for f in draft.fields if f.page == sheet[0].page_no and not f.chosen]
    draft.detect = [pattern_of(title, anchored=False)] + [pattern_of(f.label, False) for f in first[:3]]
    draft.report = _report(page, pages[0], title, title_free, file_name, draft.era)
    return draft


def _texts(grid: PageGrid) -> list[str]:
    return [k for k in (squash(c.text) for t in grid.tables for c in t.cells) if k] + [
        k for k in (squash(ln.text) for ln in grid.free_lines) if k
    ]


def _title(grid: PageGrid) -> tuple[str, bool]:
    """The page's title: the largest free line in its top third, else the top-most cell."""
    top = [ln for ln in grid.free_lines if ln.top < grid.height / 3 and is_label(squash(ln.text))]
    if top:
        line = max(top, key=lambda ln: (round(ln.size, 1), -ln.top))
        return squash(line.text), True
    cells = sorted((c for t in grid.tables for c in t.cells if squash(c.text)), key=lambda c: c.bbox.top)
    if not cells:
        raise ValueError(f"page {grid.page_no}: nothing printed to draft from")
    return squash(cells[0].text)[:MAX_LABEL], False


def _sheet(pages: list[PageGrid], title: str) -> tuple[str | None, list[PageGrid]]:
    """The start marker and the first sheet's pages."""
    if len(pages) == 1:
        return None, pages
    if not all(title in _texts(g) for g in pages):
        start = title
    else:
        later = set(_texts(pages[1]))
        labels = [squash(c.text) for _, c in FormPage.of(pages[0]).cells]
        start = next((k for k in labels if is_label(k) and k not in later), None)
    if start is None:
        return None, pages[:1]
    sheet = [pages[0]]
    for grid in pages[1:]:
        if start in _texts(grid):
            break
        sheet.append(grid)
    return start, sheet


def _era(pages: list[PageGrid], file_name: str) -> str:
    """The era the document prints most; printing neither, 平成 when the file name's year
    (r25) is past any 令和 year yet, else 令和."""
    text = "".join(t for g in pages for t in _texts(g))
    if text.count("平成") != text.count("令和"):
        return "平成" if text.count("平成") > text.count("令和") else "令和"
    named = re.search(r"(?i)(?:^|[^a-z])[rh]([0-9]{1,2})(?![0-9])", file_name)
    return "平成" if named and int(named.group(1)) >= 20 else "令和"


def _is_year(key: str) -> bool:
    return len(key) <= 16 and _YEAR.search(key) is not None


def _tables(page: FormPage) -> tuple[list[DraftTable], Taken]:
    """Every header row of year cells, and the cells of the tables' heads and bodies."""
    out: list[DraftTable] = []
    taken = NOTHING
    for table in page.grid.tables:
        for first, heads in _year_rows(page, table):
            corner = next(
                (
                    c
                    for c in table.cells
                    if abs(c.bbox.x1 - first.bbox.x0) <= TOL
                    and c.bbox.top <= first.bbox.top + TOL
                    and c.bbox.bottom >= first.bbox.bottom - TOL
                ),
                None,
            )
            corner_key = page.key(corner) if corner is not None else ""
            x0 = corner.bbox.x0 if corner is not None and corner_key else table.bbox.x0
            rows, values, body = _body(page, table, first, x0)
            taken |= body | {id(c) for c in heads} | ({id(corner)} if corner is not None else set())
            n = len(out) + 1
            pattern = pattern_of(corner_key if corner_key else page.key(first))
            after = None
            if any(pattern in (t.corner, t.header) for t in out):  # printed before: after its heading
                after = _heading_above(page, first) or _cell_above(page, corner if corner_key else first)
            out.append(
                DraftTable(
                    name=f"table_{n:02d}",
                    label=after and after.strip("^$") or f"表{n}",
                    corner=pattern if corner_key else None,
                    header=None if corner_key else pattern,
                    after=after,
                    years=[page.key(c) for c in heads],
                    rows=rows,
                    page=page.page_at(first.bbox.top),
                    top=first.bbox.top,
                    row_kind=not any(k in page.key(c) for c in heads for k in KINDS),
                    whole=bool(values) and all(_WHOLE.fullmatch(v) for v in values),
                    columns=_named_columns(page, heads, first),
                )
            )
    return out, taken


_WHOLE = re.compile(r"[▲△\-－]?[0-9]{1,3}(?:,[0-9]{3})*|[▲△\-－]?[0-9]+|[-－―‐ー]")


def _named_columns(page: FormPage, heads: list[Cell], first: Cell) -> list[tuple[str, str]]:
    """(header, kind) of the header row's cells right of the years that name no year
    (差引（増減）): a column of a figure with no fiscal year, its kind the header without its
    bracketed note."""
    out = []
    for cell in heads:
        key = page.key(cell)
        if cell.bbox.x0 > first.bbox.x0 + TOL and key and not _is_year(key) and is_label(key):
            out.append((pattern_of(key), re.sub(r"[(（][^()（）]*[)）]$", "", key) or key))
    return out


def _cell_above(page: FormPage, cell: Cell) -> str | None:
    """The text of the nearest cell above ``cell`` over its left part (a label over the table)."""
    x = cell.bbox.x0 + min(4.0, cell.bbox.width / 2)
    above = [
        c for _, c in page.cells
        if c.bbox.bottom <= cell.bbox.top + TOL and c.bbox.x0 - TOL <= x <= c.bbox.x1 + TOL and page.key(c)
    ]  # fmt: skip
    return pattern_of(page.key(max(above, key=lambda c: c.bbox.bottom))) if above else None


def _year_rows(page: FormPage, table: Table) -> list[tuple[Cell, list[Cell]]]:
    rows: dict[int, list[Cell]] = {}
    for cell in table.cells:
        if _is_year(page.key(cell)):
            rows.setdefault(round(cell.bbox.top), []).append(cell)
    out = []
    for cells in rows.values():
        if len(cells) >= 2:
            cells.sort(key=lambda c: c.bbox.x0)
            heads = [c for c in table.cells if abs(c.bbox.top - cells[0].bbox.top) <= TOL]
            out.append((cells[0], sorted(heads, key=lambda c: c.bbox.x0)))
    return out


def _body(page: FormPage, table: Table, first: Cell, x0: float) -> tuple[list[str], list[str], Taken]:
    """The table's rows under its header row, up to a row whose key cell runs past the corner
    (as the form reader stops): their keys, filled values and cells."""
    keys: list[str] = []
    values: list[str] = []
    taken: set[int] = set()
    for r in range(len(table.ys) - 1):
        if table.ys[r] < first.bbox.bottom - TOL:
            continue
        starts = [c for c in table.cells if c.row == r and c.bbox.x0 >= x0 - TOL]
        if not starts:
            continue
        key = min(starts, key=lambda c: c.bbox.x0)
        if key.bbox.x1 > first.bbox.x0 + TOL:
            break
        taken.update(id(c) for c in starts)
        keys += [page.key(c) for c in starts if c.bbox.x1 <= first.bbox.x0 + TOL and page.key(c)]
        values += [page.key(c) for c in starts if c.bbox.x0 >= first.bbox.x0 - TOL and page.key(c)]
    return keys, values, frozenset(taken)


def _heading_above(page: FormPage, cell: Cell) -> str | None:
    above = [ln for ln in page.grid.free_lines if ln.bottom <= cell.bbox.top + TOL and squash(ln.text)]
    if not above:
        return None
    return pattern_of(squash(max(above, key=lambda ln: ln.bottom).text))


def _all_fields(draft: Draft) -> list[DraftField]:
    return draft.fields + [f for b in draft.blocks for f in b.fields]


def _block_areas(page: FormPage, taken: Taken) -> tuple[str, list[FormPage]]:
    """A label printed twice or more in one column with a value beside it opens a block each
    time (細事業 1, 2, …): the areas from each to the next."""
    cells = [
        c for _, c in page.cells if id(c) not in taken and is_label(page.key(c)) and right_stack(page, c)
    ]
    counts = Counter((page.key(c), round(c.bbox.x0)) for c in cells)
    starts = [c for c in cells if counts[(page.key(c), round(c.bbox.x0))] >= 2]
    if not starts:
        return "", []
    key = page.key(min(starts, key=lambda c: c.bbox.top))
    spec = BlockSpec(name="b", label="b", description="b", start=[pattern_of(key)])
    return key, block_pages(page, spec)


def _span(area: FormPage) -> tuple[float, float]:
    return min(c.bbox.top for _, c in area.cells) - TOL, max(c.bbox.bottom for _, c in area.cells)


def _block(
    key: str, areas: list[FormPage], tables: list[DraftTable], taken: Taken, title: str
) -> tuple[DraftBlock, list[DraftTable], Taken]:
    """The first block's fields and tables (renumbered after the sheet's), the sheet's tables
    outside every block, and the cells it took: its fields' and all of the other blocks'."""
    first = areas[0]
    label = next(c for _, c in first.cells if first.key(c) == key)
    number = any(first.key(c).isdigit() and c.bbox.x1 <= label.bbox.x0 + TOL for _, c in first.cells)
    spans = [_span(a) for a in areas]
    inside = [t for t in tables if spans[0][0] <= t.top < spans[0][1]]
    later = [t for t in tables if any(top <= t.top < bottom for top, bottom in spans[1:])]
    outside = [t for t in tables if t not in inside and t not in later]
    own = [replace(t, name=f"table_{n:02d}") for n, t in enumerate(inside, len(outside) + 1)]
    block = DraftBlock("block_01", key, pattern_of(key), number, tables=own)
    block.fields, took = _fields(first, taken, title, 0)
    return block, outside, took | {id(c) for area in areas[1:] for _, c in area.cells}


def _fields(page: FormPage, before: Taken, title: str, numbered: int = 0) -> tuple[list[DraftField], Taken]:
    """Label cells outside the tables (none of ``before``) with the value right of (else
    below) each, and the cells they took."""
    out: list[DraftField] = []
    seen = {title}
    taken = set(before)
    for _, cell in page.cells:
        key = page.key(cell)
        if id(cell) in taken or key in seen or not is_label(key):
            continue
        right = [c for c in right_stack(page, cell) if id(c) not in taken]
        if right and _heading(page, right[0]):
            continue
        mode = "right"
        if not right:
            under = below(page, cell)
            if under is None or id(under) in taken or is_label(page.key(under)):
                continue
            right, mode = [under], "below"
        seen.add(key)
        taken.update(id(c) for c in (cell, *right))
        sample = value_text(joined_text(right))
        spec = DraftField(f"field_{numbered + len(out) + 1:02d}", key, pattern_of(key), mode, sample)
        spec.page = page.page_at(cell.bbox.top)
        spec.chosen = sample is not None and "●" in sample and "○" in sample
        spec.rating = sample is not None and re.match(r"[A-DＡ-Ｄ](?:$|[.．。、:：・\s])", sample) is not None
        out.append(spec)
    return out, frozenset(taken) - before


def _heading(page: FormPage, right: Cell) -> bool:
    """A label whose right neighbour is itself a short label with a value beside it: the
    first is a heading over several labels (歳出予算科目 | 款 | …)."""
    key = page.key(right)
    if not is_label(key) or len(key) > 8:
        return False
    beyond = right_stack(page, right)
    return bool(beyond) and not is_label(page.key(beyond[0]))


def _report(
    page: FormPage, first: PageGrid, title: str, title_free: bool, file_name: str, era: str
) -> list[DraftReport]:
    out = [
        DraftReport(
            "title", "表題", "free" if title_free else "cell", f"^(?P<value>{pattern_of(title)[1:-1]})$"
        )
    ]
    if any(_ERA_YEAR_RE.search(ln.text) for ln in first.free_lines):
        out.append(DraftReport("fiscal_year_label", "年度", "free", _ERA_YEAR))
    elif any(_ERA_YEAR_RE.search(c.text) for _, c in page.cells):
        out.append(DraftReport("fiscal_year_label", "年度", "cell", _ERA_YEAR))
    elif re.search(r"(?i)(?:^|[^a-z])[rh][0-9]{1,2}(?![0-9])", Path(file_name).stem):
        pattern = r"(?i)(?:^|[^a-z])[rh](?P<value>[0-9]{1,2})(?![0-9])"
        out.append(DraftReport("fiscal_year_label", "年度", "file_name", pattern, era))
    return out
