"""The validated shape of one extracted report: what `hyoka extract` prints and `hyoka build` loads.

Every description is written once here; the README and the Datasette metadata read them.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


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
    source: SourceFile = Field(description="The PDF this report was extracted from")


class Measure(_Model):
    measure_no: int = Field(description="施策 number: (1) -> 1")
    measure_title: str = Field(description="施策 title as printed in the 【基本施策】 box")


class Policy(_Model):
    sheet_no: int = Field(description="Order of the 基本施策 sheet in the report, from 1")
    goal_no: int | None = Field(description="基本目標 number")
    goal_title: str | None = Field(description="基本目標 title")
    policy_title: str = Field(description="基本施策 title")
    measures: list[Measure] = Field(description="The 施策 listed in the sheet's 【基本施策】 box")
    page: int = Field(description="PDF page (1-based) where the sheet starts")


class Evaluation(_Model):
    sheet_no: int = Field(description="Sheet (基本施策) the row belongs to")
    goal_no: int | None = Field(description="基本目標 number")
    policy_title: str = Field(description="基本施策 title")
    measure_no: int | None = Field(description="施策 number")
    initiative_no: int | None = Field(description="個別事業 number: ① -> 1")
    initiative_title: str = Field(description="個別事業・取り組み title, without 【新規】")
    is_new: bool = Field(description="True when the initiative is marked 【新規】 (new)")
    department: str | None = Field(description="担当課: department responsible for this row")
    results: str | None = Field(description="事業実績: what was done this year")
    results_covid: str | None = Field(description="事業実績 text after 【感染症対応】 (COVID-19)")
    prev_rating: Rating | None = Field(description="前年度事業評価: last year's rating, A-D")
    rating: Rating | None = Field(description="事業評価: this year's rating, A-D")
    outlook: str | None = Field(description="今後の事業計画・展望: plans, before 【感染症対応】")
    outlook_covid: str | None = Field(description="今後の事業計画・展望 after 【感染症対応】")
    page: int = Field(description="PDF page (1-based) where the row starts")


class Comment(_Model):
    sheet_no: int | None = Field(description="Sheet commented on; null for 計画全体について")
    policy_title: str | None = Field(description="基本施策 title of that sheet")
    measure_no: int | None = Field(description="施策 number commented on")
    initiative_no: int | None = Field(description="個別事業 number commented on")
    opinion: str = Field(description="委員会による評価(意見および質問): the committee's comment")
    response: str | None = Field(description="市の回答・対応等: the city's answer")
    page: int = Field(description="PDF page (1-based) where the comment starts")


class Problem(_Model):
    code: str = Field(description="Short machine-readable kind, e.g. unreadable_page")
    message: str = Field(description="What was wrong, for a person")
    page: int | None = Field(default=None, description="PDF page (1-based), when known")


class Report(_Model):
    report: ReportInfo
    rating_scale: dict[str, str] = Field(description="Rating code -> description as printed")
    policies: list[Policy]
    evaluations: list[Evaluation]
    comments: list[Comment]
    problems: list[Problem] = Field(
        default_factory=list, description="What could not be read cleanly; nothing is dropped silently"
    )
