"""Assemble the readers' findings into one validated Report with its provenance."""

from __future__ import annotations

from extract.comments import CommentReader
from extract.front import FrontReader
from extract.read import PdfSource
from extract.rows import RowReader
from schemas.form import FormLayout, Project
from schemas.layout import RowLayout
from schemas.report import FieldInfo, LayoutInfo, Problem, Report, ReportInfo, SourceFile

_NESTED = {"costs", "indicators", "page"}  # a project's tables go to tables of their own


def describe_layout(layout: RowLayout | FormLayout) -> LayoutInfo:
    """Any layout's fields with labels, descriptions and roles, as a report carries them."""
    return form_layout_info(layout) if isinstance(layout, FormLayout) else layout_info(layout)


def layout_info(layout: RowLayout) -> LayoutInfo:
    roles = {c.name: c.role for c in layout.columns}
    fields = [
        FieldInfo(name=n, label=lb, description=d, role=roles.get(n, "text")) for n, lb, d in layout.fields()
    ]
    flags = {c.flag.field for c in layout.columns if c.flag}
    for f in fields:
        f.role = "flag" if f.name in flags else f.role
        if layout.item_title and f.name == layout.item_title.field:
            f.role = "title"
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


def form_layout_info(layout: FormLayout) -> LayoutInfo:
    """A form's fields in the record's order, labelled and described by its layout file."""
    described = {f.name: (f.label, f.description) for f in layout.fields}
    described |= {c.name: (c.label, c.description) for c in layout.choices}
    for r in layout.ratings:
        described[r.name] = (r.label, r.description)
        described[r.label_field] = (f"{r.label}(区分)", r.label_description)
    role_of = {field: role for role, field in layout.roles.items()}
    fields = [
        FieldInfo(
            name=name,
            label=described.get(name, (name, ""))[0],
            description=described.get(name, ("", info.description or name))[1],
            role=role_of.get(name, "text"),
        )
        for name, info in Project.model_fields.items()
        if name not in _NESTED
    ]
    return LayoutInfo(
        name=layout.name, label=layout.label, kind="form", fields=fields, queries=layout.queries
    )


def to_form_report(
    source: PdfSource, layout: FormLayout, facts: dict, projects: list[Project], problems: list[Problem]
) -> Report:
    info = ReportInfo(
        municipality=facts.get("municipality"),
        title=facts.get("title") or layout.label,
        fiscal_year=facts.get("fiscal_year"),
        fiscal_year_label=facts.get("fiscal_year_label"),
        published=None,
        issuer=None,
        plan=facts.get("plan"),
        source=SourceFile(file=source.path.name, sha256=source.sha256, pages=source.pages),
    )
    return Report(
        report=info, layout=form_layout_info(layout), rating_scale={}, projects=projects, problems=problems
    )
