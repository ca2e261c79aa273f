"""Compose the stages: read -> grid -> (pick a layout) -> classify -> readers -> records."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from extract.errors import NotAnEvaluationReport, PdfTooCostly, PdfUnreadable, SlowLayoutPattern
from extract.reading.classify import classify, evaluation_signs, has_kana, page_text
from extract.reading.columns import find_table
from extract.reading.form_trace import trace_pages
from extract.reading.forms import FormReader
from extract.reading.front import FrontReader
from extract.reading.layout import (
    Layout,
    all_layouts,
    available_layouts,
    detects_words,
    layout_digest,
    load_layout,
    pattern_field,
)
from extract.reading.leftovers import Leftovers
from extract.reading.normalise import squash
from extract.reading.paragraphs import TEXT_RULES
from extract.reading.patterns import TIME_LIMIT, SlowPattern
from extract.reading.records import mark_ocr, to_form_report, to_report
from extract.reading.remarks import RemarkReader
from extract.reading.rows import RowReader
from extract.settings import ExtractSettings
from schemas.form import FormLayout
from schemas.grid import NOTHING, OcrRead, PageGrid, PageSource, Table, Taken, ids_of
from schemas.layout import RowLayout
from schemas.pages import PageKind
from schemas.report import Problem, Report

MAX_PENDING = 30  # pages held while no layout has recognised the document yet
NEW_LAYOUT = "start one with hyoka layout draft PDF -o layouts/NAME.toml (next to raw/), then hyoka layout check NAME PDF"


def _dirs(settings: ExtractSettings) -> tuple[Path, ...]:
    return tuple(Path(d) for d in settings.layouts)


def candidate_layouts(settings: ExtractSettings) -> list[Layout]:
    if settings.layout:
        return [load_layout(settings.layout, _dirs(settings))]
    return all_layouts(_dirs(settings))


@dataclass
class _FormSession:
    """One document read with a form layout: every sheet (a page, or the pages from one start
    to the next) is one record, or a problem."""

    layout: FormLayout
    reader: FormReader = field(init=False)
    fed: list[tuple[int, bool]] = field(default_factory=list)  # each page: number, unreadable

    def __post_init__(self) -> None:
        self.reader = FormReader(self.layout)

    def feed(self, grid: PageGrid) -> PageGrid:
        """Read one page; returns the grid as read (the form reader reads it as it comes)."""
        self.reader.read_page(grid)
        self.fed.append((grid.page_no, bool(grid.unreadable)))
        return grid

    def finish(self) -> None:
        self.reader.finish()

    @property
    def kinds(self) -> list[PageKind]:
        """Each page's kind: a sheet's page once its sheet was read (after ``finish``)."""
        read = self.reader.sheet_pages
        return [
            PageKind.SHEET if no in read else PageKind.UNREADABLE if bad else PageKind.OTHER
            for no, bad in self.fed
        ]

    @property
    def problems(self) -> list[Problem]:
        return self.reader.problems

    def report(self, source: PageSource) -> Report:
        self.finish()
        facts = self.reader.report_fields(source.path.name)
        return to_form_report(source, self.layout, facts, self.reader.projects(), self.problems)


def _session(layout: Layout) -> _RowSession | _FormSession:
    return _FormSession(layout) if isinstance(layout, FormLayout) else _RowSession(layout)


@dataclass
class _RowSession:
    """One document read with one row layout: every page goes to the reader its kind names."""

    layout: Layout
    front: FrontReader = field(init=False)
    rows: RowReader = field(init=False)
    remarks: RemarkReader = field(init=False)
    leftovers: Leftovers = field(init=False)
    problems: list[Problem] = field(default_factory=list)
    kinds: list[PageKind] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.front, self.rows = FrontReader(self.layout), RowReader(self.layout)
        self.remarks = RemarkReader(self.layout)
        self.leftovers = Leftovers(self.layout.running_head, self.layout.boilerplate)

    def finish(self) -> None:
        """Nothing is held back: every page was read as it came."""

    def feed(self, grid: PageGrid) -> PageGrid:
        """Read one page; returns the grid as read (its cells' text by the layout's rule)."""
        grid = texts_by_layout(grid, self.layout)
        kind = classify(grid, self.layout)
        self.kinds.append(kind)
        handlers: dict[PageKind, Callable[[PageGrid], Taken]] = {
            PageKind.COVER: self.front.read_cover,
            PageKind.SCALE: self.front.read_scale_page,
            PageKind.REMARKS: self.remarks.read_page,
            PageKind.SHEET: self._sheet,
            PageKind.UNREADABLE: self._unreadable,
            PageKind.OTHER: self._other,
        }
        taken = handlers[kind](grid)
        if kind is not PageKind.UNREADABLE:
            self.front.count_places(grid)
            self.leftovers.collect(grid, taken)
        return grid

    def _sheet(self, grid: PageGrid) -> Taken:
        taken = self.front.read_facts(grid) | self.front.read_scale(grid)
        return taken | self.rows.read_page(grid, taken)

    def _unreadable(self, grid: PageGrid) -> Taken:
        self.problems.append(
            Problem(code="unreadable_page", message=grid.unreadable or "", page=grid.page_no)
        )
        return NOTHING

    def _other(self, grid: PageGrid) -> Taken:
        continued = self.rows.read_continued(grid)
        if continued is not None:  # the last page's table, its heads not repeated
            self.kinds[-1] = PageKind.SHEET
            return continued
        text = page_text(grid).strip()
        if text:
            self.problems.append(
                Problem(code="page_not_read", message=f"no table of layout {self.layout.name}: "
                        f"{text.splitlines()[0][:60]!r}", page=grid.page_no)
            )  # fmt: skip
            return ids_of([*grid.free_lines, *(c for t in grid.tables for c in t.cells)])
        return NOTHING

    def report(self, source: PageSource) -> Report:
        problems = self.problems + self.leftovers.problems(self.front.title)
        return to_report(source, self.layout, self.front, self.rows, self.remarks, problems)


def texts_by_layout(grid: PageGrid, layout: RowLayout) -> PageGrid:
    """The grid reads cells as a spreadsheet wraps; a layout of a word processor's form
    (``text = "paragraphs"``) reads them again by its paragraphs, in a new grid."""
    return TEXT_RULES[layout.text].grid(grid)


def load_readers() -> None:
    """Load the reading stages and PDF libraries now, and put everything loaded so far (this
    pipeline and pydantic's models too) out of the garbage collector's sight: a caller that
    forks a reading process for each PDF (`hyoka build`, `hyoka extract DIR`) then loads
    them once, and no fork scans them again (and copies their memory) at each collection.
    Measured: without the freeze a build spent 40 ms more per PDF."""
    import extract.reading.grid
    import extract.reading.read  # noqa: F401

    gc.freeze()


def _read_here(path: Path, settings: ExtractSettings) -> PageSource:
    """The PDF's pages read in this process. (Imported here: a caller reading them apart,
    read_apart.py, does not load the PDF libraries at all.)"""
    from extract.reading.grid import LocalPages
    from extract.reading.read import read_pdf

    return LocalPages(read_pdf(path, settings))


def extract_pdf(
    path: Path, settings: ExtractSettings | None = None, pages: PageSource | None = None
) -> Report:
    """Extract one report; raises PdfUnreadable or NotAnEvaluationReport for bad input.
    ``pages``: the PDF's pages already being read (read_apart.py); else read here."""
    settings = settings or ExtractSettings()
    candidates = candidate_layouts(settings)
    try:
        report = _extract(path, settings, candidates, pages)
    except SlowPattern as exc:
        raise _slow_pattern(path, candidates, exc.pattern) from None
    layout = next(lay for lay in candidates if lay.name == report.layout.name)
    digest = layout_digest(layout)  # a build reads the PDF again when the layout file changes
    return report.model_copy(update={"layout": report.layout.model_copy(update={"sha256": digest})})


def _slow_pattern(path: Path, layouts: list[Layout], pattern: str) -> SlowLayoutPattern:
    """The one line for a layout pattern cut short, naming the layout and the field."""
    where = next(((lay.name, f) for lay in layouts if (f := pattern_field(lay, pattern))), None)
    named = f"layout {where[0]}, {where[1]}" if where else "a layout"
    return SlowLayoutPattern(
        path,
        f"{named}: the pattern {pattern!r} took over {TIME_LIMIT:g} s on one text (it backtracks: rewrite it)",
    )


def _within_budget(path: Path, grids: Iterator[PageGrid], settings: ExtractSettings) -> Iterator[PageGrid]:
    """The pages while the file stays within its budget: objects summed over pages, and time
    (a page that hangs inside the reader is stopped by the process waiting for it)."""
    deadline = time.monotonic() + settings.max_seconds_per_pdf
    objects = 0
    for grid in grids:
        objects += grid.objects
        if objects > settings.max_objects_per_pdf:
            raise PdfTooCostly.too_many_objects(path, objects, grid.page_no, settings.max_objects_per_pdf)
        yield grid
        if time.monotonic() > deadline:
            raise PdfTooCostly.too_slow(path, settings.max_seconds_per_pdf)


def _extract(
    path: Path, settings: ExtractSettings, candidates: list[Layout], pages: PageSource | None
) -> Report:
    source = _read_here(path, settings) if pages is None else pages
    pending: list[PageGrid] = []
    ocr: dict[int, OcrRead] = {}  # the pages read by OCR
    seen: list[tuple[bool, str | None]] = []  # of each page looked at for a layout: printed?, unreadable
    dropped, kana, looks = False, False, None
    session: _RowSession | _FormSession | None = None
    chosen: tuple[Layout, int] | None = None  # the layout detected, and on which page
    for grid in _noting_ocr(_within_budget(path, source.grids(), settings), ocr):
        if session is None:
            kana = kana or has_kana(grid)
            found = _detect(path, candidates, grid) if settings.layout is None else None
            chosen = (found, grid.page_no) if found else None
            if found is None and settings.layout is None:
                signs = evaluation_signs(grid, {x for c in candidates for x in c.scale.letters})
                if len(signs) > len(looks[1] if looks else []):
                    looks = (grid.page_no, signs)  # the page that shows the most of a sheet
                seen.append((bool(grid.tables or grid.free_lines or grid.unreadable), grid.unreadable))
                pending.append(grid)
                if len(pending) > MAX_PENDING:
                    pending.pop(0)
                    dropped = True
                continue
            if dropped:  # the layout was recognised late: read the document again from page 1
                read = _read_with(path, source, found or candidates[0], settings, candidates, chosen, ocr)
                return mark_ocr(read, ocr)
            session = _session(found or candidates[0])
            for held in pending:
                session.feed(held)
            pending, seen = [], []
        elif chosen:
            _no_rival(path, candidates, chosen, grid)
        session.feed(grid)
    if session is not None:
        session.finish()
    if session is None or PageKind.SHEET not in session.kinds:
        _reject(path, session, seen, kana, looks, settings)
    assert session is not None
    return mark_ocr(session.report(source), ocr)


def _noting_ocr(grids: Iterable[PageGrid], pages: dict[int, OcrRead]) -> Iterator[PageGrid]:
    """The grids, each page read by OCR noted in ``pages`` (for mark_ocr)."""
    for grid in grids:
        if grid.ocr is not None:
            pages[grid.page_no] = grid.ocr
        yield grid


def _detect(path: Path, candidates: list[Layout], grid: PageGrid) -> Layout | None:
    """The layout whose detect words the page prints (and, for a row table, whose header it
    carries); two layouts claiming one page is an error, not a guess by file name."""
    words = squash(page_text(grid))
    found = [
        lay for lay in candidates
        if detects_words(lay, words) and (isinstance(lay, FormLayout) or find_table(grid, lay))
    ]  # fmt: skip
    if len(found) > 1:
        names = " and ".join(lay.name for lay in found)
        raise NotAnEvaluationReport(
            path, f"page {grid.page_no} matches the layouts {names}: choose one with --layout"
        )
    return found[0] if found else None


def _no_rival(path: Path, candidates: list[Layout], chosen: tuple[Layout, int], grid: PageGrid) -> None:
    """Another layout claiming a later page of the PDF: the two are named, neither is guessed
    (a layout whose detect words every page prints would else take over other forms)."""
    layout, page = chosen
    if grid.page_no != page and (rival := _detect(path, [c for c in candidates if c is not layout], grid)):
        raise NotAnEvaluationReport(
            path, f"page {page} matches the layout {layout.name} and page {grid.page_no} the layout "
            f"{rival.name}: choose one with --layout"
        )  # fmt: skip


def _read_with(
    path: Path,
    source: PageSource,
    layout: Layout,
    settings: ExtractSettings,
    candidates: list[Layout],
    chosen: tuple[Layout, int] | None,
    ocr: dict[int, OcrRead],
) -> Report:
    session = _session(layout)
    for grid in _noting_ocr(_within_budget(path, source.grids(), settings), ocr):
        if chosen:
            _no_rival(path, candidates, chosen, grid)
        session.feed(grid)
    return session.report(source)


def _reject(
    path: Path,
    session: _RowSession | _FormSession | None,
    seen: list[tuple[bool, str | None]],
    kana: bool,
    looks: tuple[int, list[str]] | None,
    settings: ExtractSettings,
) -> None:
    """Say why a PDF is not a report, as precisely as its pages allow (``seen``: each page the
    layouts were looked for on, whether it prints anything and why it is unreadable)."""
    printed = [unreadable for shows, unreadable in seen if shows]  # a blank page says nothing
    if seen and not printed and session is None:
        raise NotAnEvaluationReport(path, "every page is blank")
    grids_unreadable = printed and all(printed)
    session_unreadable = session and all(k is PageKind.UNREADABLE for k in session.kinds)
    if grids_unreadable or session_unreadable:
        reasons = sorted(
            {why or "" for why in printed} | {p.message for p in (session.problems if session else [])}
        )
        raise PdfUnreadable(path, f"cannot read any page: {'; '.join(r for r in reasons if r)}")
    if not kana and session is None:
        raise NotAnEvaluationReport(
            path, "no Japanese text (no kana on any page: Chinese or another language)"
        )
    if looks:  # a form no layout knows yet: the user's next step is a layout, not another PDF
        page, signs = looks
        raise NotAnEvaluationReport(
            path, f"page {page} looks like an evaluation sheet ({'; '.join(signs)}) but no layout matches it "
            f"(layouts: {', '.join(available_layouts(_dirs(settings)))}): {NEW_LAYOUT}"
        )  # fmt: skip
    name = session.layout.name if session else ", ".join(available_layouts(_dirs(settings)))
    raise NotAnEvaluationReport(
        path, f"not an evaluation report: no page has the table of a known layout ({name})"
    )


def check_layout(path: Path, settings: ExtractSettings) -> dict:
    """What a layout finds on each page, for its author: columns matched and not, rows, stray
    text and problems. The layout is forced (``settings.layout``); the PDF is read once."""
    layout = candidate_layouts(settings)[0]
    source = _read_here(path, settings)
    session = _session(layout)
    pages: list[dict] = []
    grids = [session.feed(grid) for grid in source.grids()]
    session.finish()
    for grid, kind in zip(grids, session.kinds, strict=True):
        page: dict = {"page": grid.page_no, "kind": kind.value}
        if isinstance(layout, RowLayout):
            names = [c.name for c in layout.columns if c.scope == "row"]
            page["tables"] = [
                {"found": [n for n in names if n in cmap.spans or n in cmap.cuts],
                 "not_found": [n for n in names if n not in cmap.spans and n not in cmap.cuts],
                 "header_rows": [cmap.header_first_row, cmap.header_last_row]}
                for _, cmap in find_table(grid, layout)
            ]  # fmt: skip
        pages.append(page)
    report = session.report(source)
    records = [*report.evaluations, *report.projects]
    trace_pages(
        layout,
        grids,
        [r.model_dump() for r in report.projects],
        [s.model_dump() for s in report.sheets],
        pages,
    )
    for page in pages:
        page["records"] = [r.model_dump(exclude={"page"}) for r in records if r.page == page["page"]]
        page["problems"] = [f"{p.code}: {p.message}" for p in report.problems if p.page == page["page"]]
    return {"layout": layout.name, "file": path.name, "report": report.report.model_dump(exclude={"source"}),
            "rating_scale": report.rating_scale, "sheets": [s.model_dump() for s in report.sheets],
            "pages": pages,
            "problems": [f"{p.code}: {p.message}" for p in report.problems if p.page is None]}  # fmt: skip


def inspect_page(path: Path, page_no: int, settings: ExtractSettings | None = None) -> dict:
    """One page as the pipeline sees it: its kind, its rebuilt tables and its free text."""
    settings = settings or ExtractSettings()
    source = _read_here(path, settings)
    if not 1 <= page_no <= source.pages:
        raise ValueError(f"{path.name}: no page {page_no} (it has {source.pages})")
    candidates, layout, wanted = candidate_layouts(settings), None, None
    for grid in source.grids():  # the document's layout may show on another page
        layout = layout or (candidates[0] if settings.layout else _detect(path, candidates, grid))
        wanted = grid if grid.page_no == page_no else wanted
        if wanted is not None and layout is not None:
            break
    if wanted is None:
        raise ValueError(f"{path.name}: page {page_no} could not be read")
    if isinstance(layout, RowLayout):
        wanted = texts_by_layout(wanted, layout)
        kind = classify(wanted, layout).value
    else:
        kind = (PageKind.SHEET if layout else PageKind.OTHER).value
    return {
        "page": page_no,
        "layout": layout.name if layout else None,
        "kind": kind,
        "unreadable": wanted.unreadable,
        "tables": [_table_dump(t) for t in wanted.tables],
        "free_text": wanted.free_text,
    }


def _table_dump(table: Table) -> dict:
    return {
        "bbox": [table.bbox.x0, table.bbox.top, table.bbox.x1, table.bbox.bottom],
        "cells": [
            {"row": c.row, "col": c.col, "row_span": c.row_span, "col_span": c.col_span,
             "bbox": [round(v, 1) for v in (c.bbox.x0, c.bbox.top, c.bbox.x1, c.bbox.bottom)], "text": c.text}
            for c in table.cells
        ],
    }  # fmt: skip
