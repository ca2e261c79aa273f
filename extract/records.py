"""Assemble the readers' findings into one validated Report with its provenance."""

from __future__ import annotations

from extract.comments import CommentReader
from extract.front import FrontReader
from extract.read import PdfSource
from extract.rows import RowReader
from schemas.layout import RowLayout
from schemas.report import FieldInfo, LayoutInfo, Problem, Report, ReportInfo, SourceFile


def layout_info(layout: RowLayout) -> LayoutInfo:
    roles = {c.name: c.role for c in layout.columns}
    fields = [
        FieldInfo(name=n, label=lb, description=d, role=roles.get(n, "text")) for n, lb, d in layout.fields()
    ]
    flags = {c.flag.field for c in layout.columns if c.flag}
    for f in fields:
        f.role = "flag" if f.name in flags else f.role
    for column in layout.columns:
        if column.numbering and column.role != "number":
            next(f for f in fields if f.name == column.numbering.field).role = (
                "group" if column.role == "group" else "number"
            )
    sheet = [
        FieldInfo(name=c.name, label=c.label, description=c.description)
        for c in layout.columns
        if c.scope == "sheet"
    ]
    sheet += [FieldInfo(name=f.name, label=f.label, description=f.description) for f in layout.sheet_fields]
    return LayoutInfo(
        name=layout.name, label=layout.label, kind=layout.kind, fields=fields, sheet_fields=sheet,
        queries=layout.queries,
    )  # fmt: skip


def to_report(
    source: PdfSource,
    layout: RowLayout,
    front: FrontReader,
    rows: RowReader,
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
        publisher=front.publisher,
        notes=front.notes,
        source=SourceFile(file=source.path.name, sha256=source.sha256, pages=source.pages),
    )
    return Report(
        report=info,
        layout=layout_info(layout),
        rating_scale=front.scale,
        policies=rows.policies(),
        sheets=rows.sheets(),
        evaluations=rows.evaluations(),
        comments=comments.comments(),
        problems=problems + rows.problems + comments.problems + rows.check(),
    )
