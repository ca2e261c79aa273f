"""Compose the stages: read -> grid -> classify -> interpret -> records. Nothing else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from extract.classify import classify
from extract.comments import CommentReader
from extract.errors import NotAnEvaluationReport, PdfUnreadable
from extract.front import FrontReader
from extract.grid import build_grid
from extract.layout import load_layout
from extract.read import read_pdf
from extract.records import to_report
from extract.settings import ExtractSettings
from extract.sheets import SheetReader
from schemas.grid import PageGrid
from schemas.pages import PageKind
from schemas.report import Problem, Report


def extract_pdf(path: Path, settings: ExtractSettings | None = None) -> Report:
    """Extract one report; raises PdfUnreadable or NotAnEvaluationReport for bad input."""
    settings = settings or ExtractSettings()
    layout = load_layout(settings.layout)
    source = read_pdf(path, settings)
    front, sheets, comments = FrontReader(layout), SheetReader(layout), CommentReader(layout)
    problems: list[Problem] = []
    kinds: list[PageKind] = []

    def unreadable(grid: PageGrid) -> None:
        problems.append(Problem(code="unreadable_page", message=grid.unreadable or "", page=grid.page_no))

    handlers: dict[PageKind, Callable[[PageGrid], None]] = {
        PageKind.COVER: front.read_cover,
        PageKind.SCALE: front.read_scale,
        PageKind.COMMENTS: comments.read_page,
        PageKind.SHEET: sheets.read_page,
        PageKind.UNREADABLE: unreadable,
        PageKind.OTHER: lambda grid: None,
    }
    for raw in source.iter_pages():
        grid = build_grid(raw, settings)
        kind = classify(grid, layout)
        kinds.append(kind)
        handlers[kind](grid)
        if kind is not PageKind.UNREADABLE:
            front.count_places(grid)
    if PageKind.SHEET not in kinds:
        if all(k is PageKind.UNREADABLE for k in kinds):
            reasons = sorted({p.message for p in problems})
            raise PdfUnreadable(path, f"cannot read any page: {'; '.join(reasons)}")
        raise NotAnEvaluationReport(
            path, "not an evaluation report: no page has an evaluation table (担当課 / 事業評価 columns)"
        )
    return to_report(source, front, sheets, comments, problems)


def inspect_page(path: Path, page_no: int, settings: ExtractSettings | None = None) -> dict:
    """One page as the pipeline sees it: its kind, its rebuilt tables and its free text."""
    settings = settings or ExtractSettings()
    layout = load_layout(settings.layout)
    source = read_pdf(path, settings)
    if not 1 <= page_no <= source.pages:
        raise ValueError(f"{path.name}: no page {page_no} (it has {source.pages})")
    for raw in source.iter_pages():
        if raw.page_no == page_no:
            grid = build_grid(raw, settings)
            return {
                "page": page_no,
                "kind": classify(grid, layout).value,
                "unreadable": grid.unreadable,
                "tables": [
                    {
                        "bbox": [t.bbox.x0, t.bbox.top, t.bbox.x1, t.bbox.bottom],
                        "cells": [
                            {"row": c.row, "col": c.col, "row_span": c.row_span, "col_span": c.col_span,
                             "bbox": [round(v, 1) for v in (c.bbox.x0, c.bbox.top, c.bbox.x1, c.bbox.bottom)],
                             "text": c.text}
                            for c in t.cells
                        ],
                    }
                    for t in grid.tables
                ],
                "free_text": grid.free_text,
            }  # fmt: skip
    raise ValueError(f"{path.name}: page {page_no} could not be read")
