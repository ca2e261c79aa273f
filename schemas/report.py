"""The validated shape of one extracted report: what `hyoka extract` prints and `hyoka build` loads.

Every description is written once here; the README and the Datasette metadata read them.
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from schemas.form import Project
from schemas.layout import (
    REPORT_KEYS,
    Key,
    LayoutName,
    Query,
    check_letters,
    check_query_indexes,
    check_sizes,
)

_OCR = (
    "OCR: Tesseract's mean word confidence (0–100) on the page the record was read from by OCR "
    "(a scan); null when read from the PDF's text layer"
)


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


class Box(BaseModel):
    """A sheet's heading box (a plan's goal and policy, the groups it lists). Besides its sheet
    and page it holds the fields the layout's ``[box]`` declares, by name (``Report.layout``
    lists them with their labels and roles)."""

    model_config = ConfigDict(extra="allow")

    sheet_no: int = Field(description="Order of the sheet in the report, from 1")
    page: int = Field(description="PDF page (1-based) where the sheet starts")

    @model_serializer(mode="wrap")
    def _page_last(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _last(handler(self), ("page",))


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
        "(a further rating axis) / rating_label (the meaning printed beside an axis's letter) / sheet (the "
        "sheet a remark is on) / groups (the list of groups of a heading box) / text",
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
    rating_letters: list[str] = Field(
        default_factory=list,
        description="the ratings of its scale, best first: what tells an upgrade from a downgrade",
    )
    box_key: Key | None = Field(default=None, description="the report's key of its sheets' heading boxes")
    box_groups: FieldInfo | None = Field(default=None, description="a box's list of groups (role: groups)")
    group_fields: list[FieldInfo] = Field(
        default_factory=list, description="the fields of a listed group (roles: number, title)"
    )
    remark_key: Key | None = Field(default=None, description="the report's key of its remarks")

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data: Any) -> Any:
        check_sizes(data)
        return data

    @model_validator(mode="after")
    def _checked(self) -> LayoutInfo:
        check_letters(self.rating_letters)
        check_query_indexes(
            self.queries, {f.name for f in self.fields if f.role != "latest"}
        )  # as row_expressions
        keys = [k for k in (self.box_key, self.remark_key) if k]
        if set(keys) & REPORT_KEYS or len(set(keys)) != len(keys):
            raise ValueError(f"box_key, remark_key: {keys} (one of the report's own keys, or twice)")
        return self

    def box_names(self) -> set[str]:
        """The keys a heading box record may have besides its sheet and page."""
        return {f.name for f in self.sheet_fields} | ({self.box_groups.name} if self.box_groups else set())


class Remark(BaseModel):
    """A remark on the report's sheets (a committee's comment and the answer): the fields the
    layout's ``[remarks]`` declares, by name, then its page."""

    model_config = ConfigDict(extra="allow")

    page: int = Field(description="PDF page (1-based) where the remark starts")
    ocr: float | None = Field(default=None, description=_OCR)

    @model_serializer(mode="wrap")
    def _page_last(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _last(handler(self), ("page", "ocr"))


def _last(out: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """A record with hyoka's own ``keys`` after the layout's fields, as printed."""
    return {**{k: v for k, v in out.items() if k not in keys}, **{k: out[k] for k in keys if k in out}}


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
    boxes: list[Box] = Field(
        default_factory=list, description="the sheets' heading boxes, printed under the layout's box_key"
    )
    sheets: list[Sheet] = Field(default_factory=list)
    evaluations: list[Evaluation] = Field(default_factory=list)
    remarks: list[Remark] = Field(
        default_factory=list, description="remarks on the sheets, printed under the layout's remark_key"
    )
    projects: list[Project] = Field(default_factory=list, description="form layouts: one record per sheet")
    problems: list[Problem] = Field(
        default_factory=list, description="What could not be read cleanly; nothing is dropped silently"
    )
    ocr_pages: list[OcrPage] = Field(default_factory=list, description="The pages read by OCR (scans)")

    @model_validator(mode="before")
    @classmethod
    def _named(cls, data: Any) -> Any:
        """A report as printed: its boxes and remarks under the keys its layout names."""
        if not isinstance(data, dict):
            return data
        layout = data.get("layout")
        named = (
            layout
            if isinstance(layout, dict)
            else layout.model_dump()
            if isinstance(layout, LayoutInfo)
            else {}
        )
        data = dict(data)
        for own, key in (("boxes", named.get("box_key")), ("remarks", named.get("remark_key"))):
            if isinstance(key, str) and key in data and key not in cls.model_fields:
                if own in data:
                    raise ValueError(f"{own} and {key}: the same records twice")
                data[own] = data.pop(key)
        for key in [k for k in data if k not in cls.model_fields]:
            if data[key] != []:  # an empty list under a key another layout names loses nothing
                raise ValueError(
                    f"{str(key)[:40]!r}: not a key of a report read with its layout (written by an "
                    "earlier hyoka? extract the PDF again)"
                )
            del data[key]
        return data

    @model_validator(mode="after")
    def _declared(self) -> Report:
        """Boxes and remarks hold only the fields their layout declares, as plain values."""
        layout = self.layout
        groups = {f.name for f in layout.group_fields}
        remarks = {f.name for f in layout.remark_fields}
        for key, records, names in (
            (layout.box_key, self.boxes, layout.box_names()),
            (layout.remark_key, self.remarks, remarks),
        ):
            for record in records:
                if key is None:
                    raise ValueError("records of a kind the layout does not declare (box_key, remark_key)")
                for name, value in (record.model_extra or {}).items():
                    if name not in names:
                        raise ValueError(f"{key}: {name[:40]!r} is no field the layout declares")
                    if layout.box_groups and name == layout.box_groups.name and key == layout.box_key:
                        _check_groups(key, value, groups)
                    elif not _plain(value):
                        raise ValueError(f"{key}.{name}: a number, a text, true/false or null")
        return self

    @model_serializer(mode="wrap")
    def _print_named(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        named = {"boxes": self.layout.box_key, "remarks": self.layout.remark_key}
        return {named.get(k) or k: v for k, v in handler(self).items() if k not in named or named[k]}


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _check_groups(key: str, value: Any, names: set[str]) -> None:
    """A box's groups: a list of records with the group fields the layout declares."""
    if not isinstance(value, list) or not all(
        isinstance(g, dict) and set(g) <= names and all(_plain(v) for v in g.values()) for g in value
    ):
        raise ValueError(f"{key}: a box's groups are records of {sorted(names)}")
