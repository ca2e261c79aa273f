"""Form layouts (one record per page, found by printed labels) and the records they yield.

A form layout file (extract/layouts/NAME.toml with ``kind = "form"``) says where each value of
a 事務事業評価シート-like page is printed: beside or below a label, in a row of cells, in an
embedded table keyed by its row and column headers, or as the item a ○ mark stands beside.
Every field carries a Japanese label and a description: they become the database's column
descriptions.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.layout import Query


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_patterns(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad pattern {pattern!r}: {exc}") from exc
    return patterns


class Detect(_Frozen):
    all: list[str] = Field(
        min_length=1,
        description="Regexes that must all be found in the page's NFKC text without whitespace",
    )

    _patterns = field_validator("all")(_check_patterns)


class Described(_Frozen):
    name: str = Field(description="Field name in the records (and database column)")
    label: str = Field(description="Japanese name of the field, as a reader knows it")
    description: str = Field(description="What the field holds: the database column description")


class FieldSpec(Described):
    """One value of the record. Exactly one way of finding it is given."""

    labels: list[str] = Field(
        default_factory=list, description="Regexes for the printed label cell (variants, first wins)"
    )
    value: Literal["right", "below", "row", "free_below"] = Field(
        default="right",
        description="right/below: the cell beside/under the label; row: every cell right of the "
        "label in its row, joined by a space; free_below: the text lines below a free-text label",
    )
    after: str | None = Field(
        default=None, description="Regex of another label: take the first label cell below it"
    )
    free: str | None = Field(
        default=None, description="Regex over the page's free text lines; group 'value' is kept"
    )
    source: str | None = Field(default=None, description="Name of an earlier field this one is derived from")
    era_year: int | None = Field(
        default=None, description="With source: take the N-th era year (令和5年度 -> 2023) of that field"
    )
    table: str | None = Field(default=None, description="Name of an embedded table to read the value from")
    row: str | None = Field(default=None, description="With table: regex of the row's header")
    column: Literal["last"] = Field(default="last", description="With table: which column's cell")
    type: Literal["text", "int"] = Field(default="text", description="int: the value as a whole number")
    vocabulary: list[str] = Field(
        default_factory=list, description="Allowed values; anything else is reported as a problem"
    )
    required: bool = Field(default=False, description="A page without this value is not read as a record")

    @model_validator(mode="after")
    def _one_way(self) -> FieldSpec:
        ways = [bool(self.labels), self.free is not None, self.source is not None, self.table is not None]
        if sum(ways) != 1:
            raise ValueError(f"field {self.name}: give exactly one of labels, free, source, table")
        _check_patterns(self.labels + [p for p in (self.after, self.free, self.row) if p])
        return self


class RatingSpec(Described):
    """A rating cell printed as letter + label ("A.…": a letter, a separator, the printed label)."""

    labels: list[str] = Field(min_length=1, description="Regexes for the rating's printed label cell")
    label_field: str = Field(description="Field name that receives the printed label after the letter")
    label_description: str = Field(description="Description of the label field")


class MarkSpec(Described):
    """Items chosen by a mark (○) printed in the cell left of them, inside labelled groups."""

    groups: list[str] = Field(
        min_length=1,
        description="Regexes of the group label cells; a group runs right of its label and down "
        "to the next label in the same column",
    )
    item: str = Field(default="(?P<value>.+)", description="Regex over the item's text; group 'value' kept")
    type: Literal["text", "int"] = Field(default="text", description="int: items as numbers, ascending")


class ColumnSpec(Described):
    """A named (not year) column of an embedded table."""

    header: str = Field(description="Regex of the column's header text")
    type: Literal["text", "mark"] = Field(default="text", description="mark: true when a mark is printed")


class TableSpec(Described):
    """A table embedded in the form: row headers and year column headers become keys."""

    shape: Literal["cells", "rows"] = Field(
        description="cells: one entry per filled cell (key, fiscal_year, kind, value); "
        "rows: one entry per named row with its year cells as a list of values"
    )
    corner: str = Field(description="Regex of the header cell above the row keys")
    key: str = Field(description="Entry field for the row header (e.g. item, name)")
    value: str = Field(description="Entry field for a year cell's content (e.g. amount, value)")
    type: Literal["text", "int"] = Field(default="text", description="int: amounts as whole numbers")
    until: str | None = Field(default=None, description="Regex of a header where the table's columns end")
    stop: list[str] = Field(default_factory=list, description="Regexes of row headers that end the table")
    strip: str | None = Field(default=None, description="Regex removed from row headers (e.g. Ａ/Ｂ markers)")
    columns: list[ColumnSpec] = Field(default_factory=list, description="Named columns besides the years")


class Years(_Frozen):
    """How a column header names a fiscal year and what kind of figure the column holds."""

    pattern: str = Field(description="Regex with groups 'era' and 'year' (NFKC text, no whitespace)")
    eras: dict[str, str] = Field(description="Abbreviation -> era name: R -> 令和")
    kinds: list[str] = Field(min_length=1, description="Kinds of figure: 決算, 予算, 実績, 見込")


class FormLayout(_Frozen):
    """A whole form layout file."""

    name: str
    kind: Literal["form"]
    label: str = Field(description="Japanese name of the form")
    description: str
    detect: Detect
    empty: list[str] = Field(
        default_factory=list, description="Cell texts that mean 'no value' (dashes): left out"
    )
    marks: list[str] = Field(min_length=1, description="Glyphs that mark a chosen item (○)")
    rating_pattern: str = Field(description="Regex with groups 'letter' and 'label' for rating cells")
    ignore: list[str] = Field(
        default_factory=list, description="Regexes of printed texts that carry no value (headings)"
    )
    years: Years
    report: list[FieldSpec] = Field(description="Fields of the whole publication, read on every sheet")
    fields: list[FieldSpec]
    ratings: list[RatingSpec] = Field(default_factory=list)
    choices: list[MarkSpec] = Field(default_factory=list)
    tables: list[TableSpec] = Field(default_factory=list)
    roles: dict[str, str] = Field(
        default_factory=dict,
        description="role -> field: which field numbers, names, rates (the first axis) and directs the "
        "project, for the database's flat view and for matching projects across years",
    )
    queries: list[Query] = Field(default_factory=list, description="canned queries over rows_<layout name>")

    @model_validator(mode="after")
    def _names(self) -> FormLayout:
        names = [f.name for f in self.fields] + [t.name for t in self.tables] + [c.name for c in self.choices]
        names += [n for r in self.ratings for n in (r.name, r.label_field)]
        bad = [n for n in names if not re.fullmatch(r"[a-z][a-z0-9_]*", n) or n == "page"]
        if bad:
            raise ValueError(f"layout {self.name}: field names must be lower-case ASCII (not page): {bad}")
        if unknown := {f.name for f in self.report} - REPORT_FIELDS:
            raise ValueError(
                f"layout {self.name}: [[report]] names are {sorted(REPORT_FIELDS)}, not {sorted(unknown)}"
            )
        if clash := {t.name for t in self.tables} & RESERVED_TABLES:
            raise ValueError(f"layout {self.name}: tables may not be named {sorted(clash)}")
        if len(set(names)) != len(names):
            raise ValueError(f"layout {self.name}: a field is given twice")
        _check_patterns([self.rating_pattern, self.years.pattern] + self.ignore)
        if any(f.free is None for f in self.report):
            raise ValueError(f"layout {self.name}: report fields are read from free text: give free")
        earlier: set[str] = set()
        for spec in self.fields:
            if spec.source is not None and spec.source not in earlier:
                raise ValueError(f"field {spec.name}: source {spec.source!r} is not an earlier field")
            if spec.table is not None and spec.table not in {t.name for t in self.tables}:
                raise ValueError(f"field {spec.name}: no table {spec.table!r}")
            earlier.add(spec.name)
        return self


# what a form's [[report]] fields may fill in the report's facts
REPORT_FIELDS = {"fiscal_year_label", "plan", "title", "municipality", "publisher", "issuer"}

# tables every hyoka database has: a form's embedded table may not take one of their names
RESERVED_TABLES = {
    "reports", "rating_scale", "policies", "measures", "initiatives", "evaluations", "comments",
    "issues", "layout_fields", "layout_queries", "build_info", "rating_changes", "initiative_links",
    "evaluation_links", "evaluation_rows",
}  # fmt: skip


class Project(BaseModel):
    """One sheet of a form: its page, and the layout's fields by name (values, ○ choices,
    ratings and embedded tables, as the layout file names and describes them)."""

    model_config = ConfigDict(extra="allow")

    page: int = Field(description="PDF page (1-based) of the sheet")
    ocr: float | None = Field(
        default=None,
        description="OCR: Tesseract's mean word confidence (0–100) on the page, when read by OCR",
    )
