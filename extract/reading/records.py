"""Assemble the readers' findings into one validated Report with its provenance."""

from __future__ import annotations

import json
from typing import TypeVar

from extract.reading.front import FrontReader
from extract.reading.remarks import RemarkReader
from extract.reading.rows import RowReader
from schemas.form import FormLayout, Project
from schemas.grid import OcrRead, PageSource
from schemas.layout import HeadingBox, Remarks, RowLayout
from schemas.report import (
    Evaluation,
    FieldInfo,
    LayoutInfo,
    OcrPage,
    Problem,
    Remark,
    Report,
    ReportInfo,
    SourceFile,
)


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
    box, groups = _box_fields(layout.box) if layout.box else ([], [])
    return LayoutInfo(
        name=layout.name,
        label=layout.label,
        description=layout.description,
        kind=layout.kind,
        fields=fields,
        sheet_fields=box + sheet,
        remark_fields=_remark_fields(layout.remarks) if layout.remarks else [],
        queries=layout.queries,
        box_key=layout.box.key if layout.box else None,
        box_groups=groups[0] if groups else None,
        group_fields=groups[1:],
        remark_key=layout.remarks.key if layout.remarks else None,
        rating_letters=layout.scale.letters,
    )


def _box_fields(box: HeadingBox) -> tuple[list[FieldInfo], list[FieldInfo]]:
    """A heading box's fields as a sheet's (a number split off a value first), and its list of
    groups followed by a group's number and title (empty without groups)."""
    fields: list[FieldInfo] = []
    for f in box.fields:
        if f.number:
            fields.append(
                FieldInfo(name=f.number.field, label=f.number.label, description=f.number.description)
            )
        fields.append(FieldInfo(name=f.name, label=f.label, description=f.description, role=f.role))
    if not box.groups:
        return fields, []
    g = box.groups
    return fields, [
        FieldInfo(name=g.name, label=g.label, description=g.description, role="groups"),
        FieldInfo(name=g.number.field, label=g.number.label, description=g.number.description, role="number"),
        FieldInfo(name=g.title.field, label=g.title.label, description=g.title.description, role="title"),
    ]


# the database's record model knows a remark's sheet, group and item number (the rest is text)
_REMARK_ROLES = {"sheet": "sheet", "number": "number"}


def _remark_fields(remarks: Remarks) -> list[FieldInfo]:
    """A remark's fields: a number column's group (role group) before its item (role number)."""
    out: list[FieldInfo] = []
    for c in remarks.columns:
        if c.group:
            out.append(
                FieldInfo(
                    name=c.group.field, label=c.group.label, description=c.group.description, role="group"
                )
            )
        out.append(
            FieldInfo(
                name=c.name, label=c.label, description=c.description, role=_REMARK_ROLES.get(c.role, "text")
            )
        )
    return out


def to_report(
    source: PageSource,
    layout: RowLayout,
    front: FrontReader,
    rows: RowReader,
    remarks: RemarkReader,
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
        boxes=rows.boxes(),
        sheets=rows.sheets(),
        evaluations=rows.evaluations(),
        remarks=remarks.remarks(),
        problems=problems + rows.problems + remarks.problems + rows.check(),
    )


def form_layout_info(layout: FormLayout) -> LayoutInfo:
    """A form's fields, tables and their columns, labelled and described by its layout file."""
    role_of = {field: role for role, field in layout.roles.items()}
    named = [(f.name, f.label, f.description) for f in layout.fields]
    named += [(c.name, c.label, c.description) for c in layout.choices]
    fields = [FieldInfo(name=n, label=lb, description=d, role=role_of.get(n, "text")) for n, lb, d in named]
    for r in layout.ratings:  # each axis with the meaning printed beside its letter: its own scale
        fields += [
            FieldInfo(name=r.name, label=r.label, description=r.description, role=role_of.get(r.name, "axis")),
            FieldInfo(name=r.label_field, label=f"{r.label}(区分)", description=r.label_description,
                      role="rating_label", of=r.name),
        ]  # fmt: skip
    tables = [
        FieldInfo(name=t.name, label=t.label, description=t.description, role="table") for t in layout.tables
    ]
    columns = []
    for t in layout.tables:
        kinds = "/".join(layout.years.kinds)
        columns += [
            FieldInfo(name=f"{t.name}.{t.key}", label=t.label, description=f"{t.label}: the row as printed"),
            FieldInfo(name=f"{t.name}.fiscal_year", label="年度", description="fiscal year of the column, Gregorian"),
            FieldInfo(name=f"{t.name}.kind", label="区分", description=f"kind of figure: {kinds}"),
            FieldInfo(name=f"{t.name}.{t.value}", label=f"{t.label}（{t.unit}）" if t.unit else "値",
                      description=f"{t.label}: the cell's value" + (f", in {t.unit}" if t.unit else ""),
                      role="money" if t.unit else "text"),
            *(FieldInfo(name=f"{t.name}.{c.name}", label=c.label, description=c.description) for c in t.columns),
        ]  # fmt: skip
    fields += [
        FieldInfo(
            name=f"latest_{t.name}", label=f"直近の{t.total}（{t.unit}）", role="latest",
            description=f"直近の{t.total}: {t.unit}, the latest year's figure ({' before '.join(layout.years.kinds)})",
            of=json.dumps({"table": t.name, "key": t.key, "value": t.value, "total": t.total,
                           "kinds": layout.years.kinds}, ensure_ascii=False),
        )
        for t in layout.tables
        if t.total and t.unit and t.key
    ]  # fmt: skip
    return LayoutInfo(
        name=layout.name, label=layout.label, description=layout.description, kind="form", fields=fields,
        queries=layout.queries,
        tables=tables, table_columns=columns,
        rating_letters=layout.scale.letters,
    )  # fmt: skip


def to_form_report(
    source: PageSource, layout: FormLayout, facts: dict, projects: list[Project], problems: list[Problem]
) -> Report:
    info = ReportInfo(
        municipality=facts.get("municipality"),
        title=facts.get("title") or layout.label,
        fiscal_year=facts.get("fiscal_year"),
        fiscal_year_label=facts.get("fiscal_year_label"),
        published=None,
        issuer=facts.get("issuer"),
        publisher=facts.get("publisher"),
        plan=facts.get("plan"),
        source=SourceFile(file=source.path.name, sha256=source.sha256, pages=source.pages),
    )
    return Report(
        report=info, layout=form_layout_info(layout), rating_scale={}, projects=projects, problems=problems
    )


_Marked = TypeVar("_Marked", Evaluation, Remark, Project)


def mark_ocr(report: Report, pages: dict[int, OcrRead]) -> Report:
    """A copy of the report with what OCR read marked (the readers' report is left as they
    made it): each record from a page read by OCR carries that page's confidence (``ocr``),
    the pages are listed (``ocr_pages``), and each word read below the threshold is a problem
    with its page and box. A report read from text: the same."""
    if not pages:
        return report

    def marked(records: list[_Marked]) -> list[_Marked]:
        return [
            r.model_copy(update={"ocr": pages[r.page].confidence}) if r.page in pages else r for r in records
        ]

    listed = [
        OcrPage(
            page=no, confidence=read.confidence, words=read.words, doubtful=len(read.doubtful), skew=read.skew
        )
        for no, read in sorted(pages.items())
    ]
    doubtful = [
        Problem(
            code="ocr_doubtful",
            message=f"OCR is unsure of the line {word.text!r} (least word confidence {word.confidence:g})",
            page=no,
            bbox=[round(v, 1) for v in (word.bbox.x0, word.bbox.top, word.bbox.x1, word.bbox.bottom)],
        )
        for no, read in sorted(pages.items())
        for word in read.doubtful
    ]
    return report.model_copy(
        update={
            "evaluations": marked(report.evaluations),
            "remarks": marked(report.remarks),
            "projects": marked(report.projects),
            "ocr_pages": [*report.ocr_pages, *listed],
            "problems": [*report.problems, *doubtful],
        }
    )
