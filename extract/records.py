"""Assemble the readers' findings into one validated Report with its provenance."""

from __future__ import annotations

from extract.comments import CommentReader
from extract.front import FrontReader
from extract.read import PdfSource
from extract.sheets import SheetReader
from schemas.report import Problem, Report, ReportInfo, SourceFile


def to_report(
    source: PdfSource,
    front: FrontReader,
    sheets: SheetReader,
    comments: CommentReader,
    problems: list[Problem],
) -> Report:
    info = ReportInfo(
        municipality=front.municipality(),
        title=front.title or source.path.stem,
        fiscal_year=front.fiscal_year,
        fiscal_year_label=front.fiscal_year_label,
        published=front.published,
        issuer=front.issuer,
        source=SourceFile(file=source.path.name, sha256=source.sha256, pages=source.pages),
    )
    return Report(
        report=info,
        rating_scale=front.scale,
        policies=sheets.policies(),
        evaluations=sheets.evaluations(),
        comments=comments.comments(),
        problems=problems + sheets.problems + sheets.check(),
    )
