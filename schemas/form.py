"""Form layouts (one record per page, found by printed labels) and the records they yield.

A form layout file (extract/layouts/NAME.toml with ``kind = "form"``) says where each value of
a 事務事業評価シート-like page is printed: beside or below a label, in a row of cells, in an
embedded table keyed by its row and column headers, or as the item a ○ mark stands beside.
Every field carries a Japanese label and a description: they become the database's column
descriptions.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.layout import (
    RESERVED_NAMES,
    Detect,
    LayoutName,
    Query,
    Scale,
    check_pattern,
    check_query_indexes,
    check_sizes,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_patterns(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        check_pattern(pattern, 0, "pattern")
    return patterns


class Described(_Frozen):
    name: str = Field(description="Field name in the records (and database column)")
    label: str = Field(description="Japanese name of the field, as a reader knows it")
    description: str = Field(description="What the field holds: the database column description")


class FieldSpec(Described):
    """One value of the record. Exactly one way of finding it is given."""

    labels: list[str] = Field(
        default_factory=list, description="Regexes for the printed label cell (variants, first wins)"
    )
    value: Literal["right", "below", "left", "row", "free_below"] = Field(
        default="right",
        description="right/below/left: the cell beside/under/left of the label; row: every cell right "
        "of the label in its row, joined by a space; free_below: the text lines below a free-text label",
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
    constant: str | None = Field(default=None, description="A fact the form does not print: this value")
    file_name: str | None = Field(
        default=None,
        description="Regex over the PDF's file name (stem); group 'value' kept (with era: a year in that era)",
    )
    cell: str | None = Field(
        default=None, description="Regex over every cell's printed text (first match); group 'value' kept"
    )
    era: str | None = Field(
        default=None, description="With file_name: the era a bare year counts in (25 -> 平成25年度)"
    )
    chosen: list[str] = Field(
        default_factory=list,
        description="Marks printed inline before options in the value cell (● among ○): the value is "
        "the option after the one chosen mark; none or two chosen is a problem",
    )
    options: list[str] = Field(
        default_factory=list, description="With chosen: the marks before the options not chosen (○)"
    )
    join: Literal["nothing", "space", "newline"] | None = Field(
        default=None,
        description="How the value's printed lines are joined (default: wrapped lines joined, "
        "paragraph breaks kept)",
    )
    part: Literal["first", "rest"] | None = Field(
        default=None,
        description="first: only the value's first paragraph (to its first kept line break); "
        "rest: what follows it (a name cell that also lists details)",
    )
    group: str | None = Field(
        default=None, description="Name of an object in the record the value is stored in (nested)"
    )
    type: Literal["text", "int"] = Field(default="text", description="int: the value as a whole number")
    vocabulary: list[str] = Field(
        default_factory=list, description="Allowed values; anything else is reported as a problem"
    )
    required: bool = Field(default=False, description="A page without this value is not read as a record")
    optional: bool = Field(
        default=False, description="Printed on some sheets only: null without a problem where it is not"
    )

    @model_validator(mode="after")
    def _one_way(self) -> FieldSpec:
        ways = [self.labels, self.free, self.source, self.table, self.constant, self.file_name, self.cell]
        if sum(w is not None and w != [] for w in ways) != 1:
            raise ValueError(
                f"field {self.name}: give exactly one of labels, free, source, table, constant, file_name, cell"
            )
        _check_patterns(
            self.labels + [p for p in (self.after, self.free, self.row, self.file_name, self.cell) if p]
        )
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
    kind: str | None = Field(
        default=None,
        description="A value column with this kind of figure and no fiscal year (差引 of 差引（増減）)",
    )


def _hyokas_own(name: str) -> bool:
    """A name the database already gives a table, view or search index of its own."""
    return name in RESERVED_NAMES or name.startswith(("rows_", "remarks_", "sqlite_")) or "_fts" in name


class TableSpec(Described):
    """A table embedded in the form: row headers and year column headers become keys."""

    shape: Literal["cells", "rows", "lines", "columns"] = Field(
        description="cells: one entry per filled cell (key, fiscal_year, kind, value); "
        "rows: one entry per named row with its year cells as a list of values; "
        "lines: one entry per line of a row header spanning several lines (key, line, item, values), "
        "a line being a caption across the year columns and/or a row of year cells; "
        "columns: one entry per header column (key = its stacked headers, value = its first body cell)"
    )
    corner: str | None = Field(default=None, description="Regex of the header cell above the row keys")
    header: str | None = Field(
        default=None,
        description="Instead of corner, when the corner is blank: regex of a cell of the header row; "
        "the row keys are the cells left of the header row's first cell",
    )
    after: str | None = Field(
        default=None,
        description="Regex of a text (a cell or a free line) printed before the table: the corner or "
        "header is the first one after it in reading order",
    )
    start: str | None = Field(default=None, description="Regex of the row header where the rows begin")
    row_kind: bool = Field(
        default=False,
        description="The row header is the kind of figure (決算) and the column header only the year",
    )
    key: str | None = Field(default=None, description="Entry field for the row header (e.g. item, name)")
    key_text: str | None = Field(
        default=None, description="With row_kind: the key's value on every entry (e.g. 細事業費)"
    )
    value: str = Field(description="Entry field for a year cell's content (e.g. amount, value)")
    type: Literal["text", "int"] = Field(default="text", description="int: amounts as whole numbers")
    total: str | None = Field(
        default=None,
        description="With unit: the row (its key as read) whose latest figure the layout's view shows as "
        "latest_<table>: the latest year's, of the first kind in [years] kinds that it has",
    )
    unit: str | None = Field(
        default=None,
        max_length=20,
        description="Money: the unit the amounts are printed in (千円); the site shows them with thousands "
        "separators and the unit in the column heading",
    )
    remarks: str | None = Field(
        default=None,
        description="With type int: name of a record field listing text printed in an amount cell "
        "that is no amount ({key, fiscal_year, kind, text}) instead of a problem for each",
    )
    until: str | None = Field(default=None, description="Regex of a header where the table's columns end")
    stop: list[str] = Field(default_factory=list, description="Regexes of row headers that end the table")
    strip: str | None = Field(default=None, description="Regex removed from row headers (e.g. Ａ/Ｂ markers)")
    known: list[str] = Field(
        default_factory=list,
        description="Row names the form is known to print: on a page read by OCR, a row name one glyph "
        "in four off one of them (read_ocr.known_reading) is read as it",
    )
    columns: list[ColumnSpec] = Field(default_factory=list, description="Named columns besides the years")

    @model_validator(mode="after")
    def _anchored(self) -> TableSpec:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", self.name) or _hyokas_own(self.name):
            raise ValueError(f"table {self.name}: a lower-case ASCII name, not one of hyoka's own tables")
        if (self.corner is None) == (self.header is None):
            raise ValueError(f"table {self.name}: give exactly one of corner, header")
        if self.key is None and not self.row_kind:
            raise ValueError(f"table {self.name}: give key (only a row_kind table may leave it out)")
        _check_patterns([p for p in (self.corner, self.header, self.after, self.start) if p])
        return self


class Years(_Frozen):
    """How a column header names a fiscal year and what kind of figure the column holds."""

    pattern: str = Field(description="Regex with groups 'era' and 'year' (NFKC text, no whitespace)")
    eras: dict[str, str] = Field(description="Abbreviation -> era name: R -> 令和")
    era: str | None = Field(
        default=None, description="The era of a year printed without one (20年度 in a 平成 form)"
    )
    kinds: list[str] = Field(min_length=1, description="Kinds of figure: 決算, 予算, 実績, 見込")


class AppendixSpec(Described):
    """Pages printed after a sheet as its appendix (別紙): each read as its title line, its ruled
    tables (a header row naming every column, then one entry per row) and its other lines."""

    marker: list[str] = Field(
        min_length=1,
        description="Regexes of a free line or cell (whitespace removed) printed on an appendix page "
        "only: the page belongs to the sheet before it, even where it prints the sheet's start",
    )

    @model_validator(mode="after")
    def _patterns(self) -> AppendixSpec:
        _check_patterns(self.marker)
        return self


class SheetSpec(_Frozen):
    """A sheet printed over several pages: where each one starts."""

    start: list[str] = Field(
        min_length=1,
        description="Regexes of a cell or free line (whitespace removed) printed on a sheet's first "
        "page only: a sheet runs from such a page to the next one (or the end of the PDF)",
    )
    appendix: AppendixSpec | None = Field(
        default=None, description="Appendix pages (別紙) of a sheet, read into a list field of the record"
    )


class BlockSpec(Described):
    """A block repeated inside a sheet (細事業 1, 2, …): a list of items with their own fields."""

    start: list[str] = Field(
        min_length=1,
        description="Regexes of the label cell that opens each block: a block runs from it down to "
        "the next one (or the end of its table)",
    )
    number: str | None = Field(
        default=None,
        description="Regex of the block's number in a cell left of the start label; group 'value' "
        "kept as the item's `no`",
    )
    fields: list[FieldSpec] = Field(default_factory=list)
    tables: list[TableSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _patterns(self) -> BlockSpec:
        _check_patterns(self.start + ([self.number] if self.number else []))
        return self


class FormLayout(_Frozen):
    """A whole form layout file."""

    name: LayoutName
    kind: Literal["form"]
    label: str = Field(description="Japanese name of the form")
    description: str
    detect: Detect
    empty: list[str] = Field(
        default_factory=list, description="Cell texts that mean 'no value' (dashes): left out"
    )
    marks: list[str] = Field(min_length=1, description="Glyphs that mark a chosen item (○)")
    rating_pattern: str = Field(description="Regex with groups 'letter' and 'label' for rating cells")
    scale: Scale = Field(
        default_factory=Scale,
        description="the ratings' letters, best first (a form prints each meaning beside its letter)",
    )
    ignore: list[str] = Field(
        default_factory=list, description="Regexes of printed texts that carry no value (headings)"
    )
    years: Years
    report: list[FieldSpec] = Field(description="Fields of the whole publication, read on every sheet")
    fields: list[FieldSpec]
    ratings: list[RatingSpec] = Field(default_factory=list)
    choices: list[MarkSpec] = Field(default_factory=list)
    tables: list[TableSpec] = Field(default_factory=list)
    sheet: SheetSpec | None = Field(
        default=None, description="A sheet over several pages (default: every form page is one sheet)"
    )
    blocks: list[BlockSpec] = Field(
        default_factory=list, description="Blocks repeated inside a sheet, each read as a list of items"
    )
    roles: dict[str, str] = Field(
        default_factory=dict,
        description="role -> field: which field numbers, names, rates (the first axis) and directs the "
        "project, for the database's flat view and for matching projects across years",
    )
    queries: list[Query] = Field(default_factory=list, description="canned queries over rows_<layout name>")

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data: Any) -> Any:
        check_sizes(data)
        return data

    @model_validator(mode="after")
    def _names(self) -> FormLayout:
        names = [f.name for f in self.fields] + [t.name for t in self.tables] + [c.name for c in self.choices]
        names += [n for r in self.ratings for n in (r.name, r.label_field)] + [b.name for b in self.blocks]
        names += [self.sheet.appendix.name] if self.sheet and self.sheet.appendix else []
        names += [t.remarks for t in self.tables if t.remarks]
        bad = [n for n in names if not re.fullmatch(r"[a-z][a-z0-9_]*", n) or n == "page"]
        if bad:
            raise ValueError(f"layout {self.name}: field names must be lower-case ASCII (not page): {bad}")
        if unknown := {f.name for f in self.report} - REPORT_FIELDS:
            raise ValueError(
                f"layout {self.name}: [[report]] names are {sorted(REPORT_FIELDS)}, not {sorted(unknown)}"
            )
        if len(set(names)) != len(names):
            raise ValueError(f"layout {self.name}: a field is given twice")
        rows = {f.name for f in self.fields} | {n for r in self.ratings for n in (r.name, r.label_field)}
        check_query_indexes(self.queries, rows | {c.name for c in self.choices})
        _check_patterns([self.rating_pattern, self.years.pattern] + self.ignore)
        if any(f.labels or f.source or f.table for f in self.report):
            raise ValueError(
                f"layout {self.name}: report fields are read by free, cell, constant or file_name"
            )
        if self.ratings and not self.scale.letters:
            raise ValueError(f"layout {self.name}: [[ratings]] need scale.letters, the ratings best first")
        if self.scale.line or self.scale.table_header:
            raise ValueError(
                f"layout {self.name}: a form reads each rating's meaning beside it: scale takes letters only"
            )
        if self.blocks and self.sheet is None:
            raise ValueError(f"layout {self.name}: blocks need a [sheet] (start)")
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


class Project(BaseModel):
    """One sheet of a form: its page, and the layout's fields by name (values, ○ choices,
    ratings and embedded tables, as the layout file names and describes them)."""

    model_config = ConfigDict(extra="allow")

    page: int = Field(description="PDF page (1-based) of the sheet (its first page)")
    # a sheet over several pages (a layout with [sheet]) also carries `pages`, its PDF pages, and
    # each [[blocks]] item its own `pages`
    ocr: float | None = Field(
        default=None,
        description="OCR: Tesseract's mean word confidence (0–100) on the page, when read by OCR",
    )
