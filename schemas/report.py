"""The validated shape of one extracted report: what `hyoka extract` prints and `hyoka build` loads.

Every description is written once here; the README and the Datasette metadata read them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.form import Project
from schemas.layout import LayoutName, Query, check_query_indexes, check_sizes

_OCR = (
    "OCR: Tesseract's mean word confidence (0–100) on the page the record was read from by OCR "
    "(a scan); null when read from the PDF's text layer"
)


def _role(role: str) -> dict[str, str]:
    """A field's part in the database's record model (``roles_of``): its sheet's title, the
    groups a box lists, an item's number or title, the group (an item's parent) a remark is on."""
    return {"role": role}


def roles_of(model: type[BaseModel]) -> dict[str, str]:
    """role -> the field of ``model`` that plays it (the database keeps those in columns)."""
    out: dict[str, str] = {}
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and isinstance(extra.get("role"), str):
            out.setdefault(extra["role"], name)
    return out


class Rating(StrEnum):
    """The four grades of the rating scale; "no rating" is ``None``."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class SourceFile(_Model):
    file: str = Field(description="File name of the PDF the report was read from")
    sha256: str = Field(description="SHA-256 of the PDF's bytes: the report's identity")
    pages: int = Field(description="Number of pages in the PDF")


class ReportInfo(_Model):
    municipality: str | None = Field(
        description="市区町村 named in the text most often (the cover may not print it)"
    )
    title: str = Field(description="Title as printed on the cover (表題)")
    fiscal_year: int | None = Field(description="Fiscal year reported on, Gregorian (年度)")
    fiscal_year_label: str | None = Field(description="Fiscal year as printed, e.g. 令和2年度")
    published: str | None = Field(description="Publication month, YYYY-MM, from the cover date")
    issuer: str | None = Field(description="Issuing department as printed on the cover (担当部署)")
    publisher: str | None = Field(
        default=None, description="発行者: the publishing body as printed (学校名 …)"
    )
    plan: str | None = Field(default=None, description="総合計画: the plan the report belongs to, as printed")
    notes: list[str] = Field(
        default_factory=list, description="Other lines printed on the cover and scale pages"
    )
    source: SourceFile = Field(description="The PDF this report was extracted from")


class Measure(_Model):
    measure_no: int = Field(description="施策番号: 施策 number, (1) -> 1", json_schema_extra=_role("number"))
    measure_title: str = Field(
        description="施策: title as printed in the 【基本施策】 box", json_schema_extra=_role("title")
    )


class Policy(_Model):
    sheet_no: int = Field(description="Order of the 基本施策 sheet in the report, from 1")
    goal_no: int | None = Field(description="基本目標番号: 基本目標 number")
    goal_title: str | None = Field(description="基本目標: 基本目標 title")
    policy_title: str = Field(description="基本施策: 基本施策 title", json_schema_extra=_role("title"))
    measures: list[Measure] = Field(
        description="The 施策 listed in the sheet's 【基本施策】 box", json_schema_extra=_role("groups")
    )
    page: int = Field(description="PDF page (1-based) where the sheet starts")


class Evaluation(BaseModel):
    """One rated row. Besides its sheet and page it holds the layout's own fields by name
    (``Report.layout.fields`` lists them with their labels and roles)."""

    model_config = ConfigDict(extra="allow")

    sheet_no: int = Field(description="Sheet the row belongs to, in report order from 1")
    page: int = Field(description="PDF page (1-based) where the row starts")
    ocr: float | None = Field(default=None, description=_OCR)


class Sheet(BaseModel):
    """What a sheet prints once for all its rows (a stakeholder comment, a box above the table)."""

    model_config = ConfigDict(extra="allow")

    sheet_no: int = Field(description="Order of the sheet in the report, from 1")
    page: int = Field(description="PDF page (1-based) where the sheet starts")


class FieldInfo(_Model):
    name: str = Field(description="record key and database column")
    label: str = Field(description="Japanese label as on the form")
    description: str = Field(description="what the field holds")
    role: str = Field(
        default="text",
        description="number / group / title / department / rating (the first axis) / prev_rating / axis "
        "(a further rating axis) / rating_label (the meaning printed beside an axis's letter) / text",
    )
    of: str | None = Field(default=None, description="a rating_label's axis: the field whose letter it names")


class LayoutInfo(_Model):
    """The layout a report was read with, so that a loader needs no layout file to store it
    (from a JSON file, as bounded as a layout file: it is user input too)."""

    name: LayoutName
    label: str
    description: str = Field(default="", description="what the layout reads, from its file")
    kind: str = "rows"
    fields: list[FieldInfo] = Field(description="item fields in the form's order")
    sheet_fields: list[FieldInfo] = Field(default_factory=list, description="fields stored once per sheet")
    queries: list[Query] = Field(default_factory=list, description="canned queries over the layout's view")
    tables: list[FieldInfo] = Field(
        default_factory=list, description="a form's embedded tables: each a database table of its own"
    )
    remark_fields: list[FieldInfo] = Field(
        default_factory=list, description="fields of the remarks on its sheets (a committee's comments …)"
    )
    table_columns: list[FieldInfo] = Field(
        default_factory=list, description="the columns of those tables (name: table.column)"
    )
    sha256: str | None = Field(
        default=None,
        description="SHA-256 of the layout file's content: a build reads the PDF again when it changes",
    )

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data: Any) -> Any:
        check_sizes(data)
        return data

    @model_validator(mode="after")
    def _indexed(self) -> LayoutInfo:
        check_query_indexes(self.queries, {f.name for f in self.fields})
        return self


class Comment(_Model):
    sheet_no: int | None = Field(
        description="シート: sheet commented on; null for 計画全体について", json_schema_extra=_role("sheet")
    )
    policy_title: str | None = Field(description="基本施策: 基本施策 title of that sheet")
    measure_no: int | None = Field(
        description="施策番号: 施策 number commented on", json_schema_extra=_role("group")
    )
    initiative_no: int | None = Field(
        description="事業番号: 個別事業 number commented on", json_schema_extra=_role("number")
    )
    opinion: str = Field(
        description="委員会の意見: 委員会による評価(意見および質問), the committee's comment"
    )
    response: str | None = Field(description="市の回答: 市の回答・対応等, the city's answer")
    page: int = Field(description="PDF page (1-based) where the comment starts")
    ocr: float | None = Field(default=None, description=_OCR)


class Problem(_Model):
    code: str = Field(description="Short machine-readable kind, e.g. unreadable_page")
    message: str = Field(description="What was wrong, for a person")
    page: int | None = Field(default=None, description="PDF page (1-based), when known")
    bbox: list[float] | None = Field(
        default=None, description="Where on the page: [x0, top, x1, bottom] in PDF points, top-left origin"
    )


class OcrPage(_Model):
    """A page without a usable text layer (a scan), read by OCR."""

    page: int = Field(description="PDF page (1-based)")
    confidence: float = Field(description="Mean of Tesseract's word confidences on the page, 0–100")
    words: int = Field(description="Words read")
    doubtful: int = Field(description="Words read with a confidence below the threshold (each a problem)")
    skew: float = Field(description="Degrees the scanned page was turned back by")


class Report(_Model):
    report: ReportInfo
    layout: LayoutInfo
    rating_scale: dict[str, str] = Field(description="Rating code -> description as printed")
    policies: list[Policy] = Field(default_factory=list)
    sheets: list[Sheet] = Field(default_factory=list)
    evaluations: list[Evaluation] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    projects: list[Project] = Field(default_factory=list, description="form layouts: one record per sheet")
    problems: list[Problem] = Field(
        default_factory=list, description="What could not be read cleanly; nothing is dropped silently"
    )
    ocr_pages: list[OcrPage] = Field(default_factory=list, description="The pages read by OCR (scans)")
