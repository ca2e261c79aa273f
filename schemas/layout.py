"""The declarative description of one publisher's form (a layout file, see extract/layouts/).

A layout says what differs between forms: which header words name which column, the role each
column plays, how items are numbered, where the title, year, publisher and rating scale are
printed, and which optional behaviours the form needs. The reading code never names a column
of one form; adding a form is writing one of these files.

Patterns are Python regular expressions matched against printed text after NFKC with all
whitespace removed (``squash``), unless a field says otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["number", "group", "title", "department", "rating", "prev_rating", "text"]
# a record key becomes a database column and a JSON path: lower-case ASCII
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


# A layout's name: a slug, the same in `--layout`, the database and the view rows_<name>.
LayoutName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]

# Sizes a layout file may not pass (it is user input, and its texts are stored with every
# report): the file, any string, any list. A query's SQL and a description may be longer.
MAX_LAYOUT_BYTES = 256 * 1024
MAX_STRING = 1_000
MAX_STRING_OF = {"sql": 10_000, "description": 2_000}
MAX_LIST = 200
MAX_DEPTH = 8  # tables and lists inside one another (the shipped layouts go 4 deep)
MAX_KEY = 64


def check_sizes(data: Any, where: str = "", depth: int = 0) -> None:
    """Every string and list of a layout's data within its bound, and no deeper than
    MAX_DEPTH (checked before the model is built: a 5,000-column layout costs nothing to
    refuse); the error names where."""
    if depth > MAX_DEPTH:
        raise ValueError(f"{where.lstrip('.')[:80]}: nested more than {MAX_DEPTH} deep")
    if isinstance(data, str):
        key = where.rsplit(".", 1)[-1].split("[", 1)[0]
        limit = MAX_STRING_OF.get(key, MAX_STRING)
        if len(data) > limit:
            raise ValueError(f"{where.lstrip('.')}: {len(data)} characters, at most {limit}")
    elif isinstance(data, list | dict):
        if len(data) > MAX_LIST:
            raise ValueError(f"{where.lstrip('.') or 'the layout'}: {len(data)} entries, at most {MAX_LIST}")
        if isinstance(data, dict) and (long := next((k for k in data if len(str(k)) > MAX_KEY), None)):
            raise ValueError(f"{where.lstrip('.') or 'the layout'}: a key of {len(str(long))} characters")
        items = data.items() if isinstance(data, dict) else ((f"[{i}]", v) for i, v in enumerate(data))
        for key, value in items:
            check_sizes(value, f"{where}.{key}" if isinstance(data, dict) else f"{where}{key}", depth + 1)


def check_pattern(pattern: str, groups: int = 0, where: str = "") -> str:
    """A layout's regular expression compiles (on the engine that runs it, which stops a slow
    match: extract/reading/patterns.py) and has the groups the reader takes from it."""
    try:
        compiled = regex.compile(pattern)
    except regex.error as exc:
        raise ValueError(f"{where}: {pattern!r} is not a regular expression ({exc})") from None
    if compiled.groups < groups:
        raise ValueError(f"{where}: {pattern!r} needs {groups} group(s) in parentheses")
    return pattern


# A text no real page's detect words are found in: a pattern that matches it (or nothing at
# all) would claim any page, and a layout needs at least one that does not.
_NEUTRAL_TEXT = "abcXYZ0123456789あいうアイウ一二三、。・（）:-"


def check_detect(patterns: list[str]) -> list[str]:
    """Detection needs a pattern that matches printed words, not every page."""
    for p in patterns:
        check_pattern(p, 0, "detect.all")
    try:
        trivial = all(
            regex.search(p, _NEUTRAL_TEXT, timeout=1) or regex.search(p, "", timeout=1) for p in patterns
        )
    except TimeoutError:
        raise ValueError(
            "detect.all: a pattern takes over a second on a short text (it backtracks)"
        ) from None
    if trivial:
        raise ValueError(
            "detect.all: every pattern matches any text (or none at all): give at least one that "
            "matches words the form prints, e.g. its title"
        )
    return patterns


# Names of hyoka's own canned queries and tables: a layout's query of such a name would take
# their place on the site (tests/test_hostile_layouts.py keeps this list complete).
RESERVED_NAMES = frozenset(
    {
        "worst_ratings", "downgrades", "item_history", "prev_rating_audit", "rating_changes_between",
        "ratings_by_department", "build_info", "remarks", "evaluation_links", "evaluation_rows",
        "evaluations", "item_links", "items", "issues", "layout_fields", "layout_queries",
        "sheets", "sources", "rating_audit", "rating_change_pairs", "rating_changes", "rating_scale", "reports",
    }
)  # fmt: skip

_SQL_SKIPPED = re.compile(
    r"--[^\n]*|/\*.*?(?:\*/|$)|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]", re.S
)
_SQL_WRITES = re.compile(
    r"\b(insert|update|delete|create|drop|alter|attach|detach|vacuum|pragma|reindex|analyze|begin|"
    r"commit|rollback|savepoint|release|replace\s+into)\b",
    re.I,
)


def check_read_only_sql(sql: str) -> str:
    """One SELECT (or WITH … SELECT) and nothing else: a layout's query is read, never run to
    write (the site's SQLite authorizer refuses writes again, whatever gets past this)."""
    bare = _SQL_SKIPPED.sub(" ", sql)
    statements = [part for part in bare.split(";") if part.strip()]
    if len(statements) != 1:
        raise ValueError(f"sql: one statement, not {len(statements)}")
    first = statements[0].split(None, 1)[0].lower() if statements[0].split() else ""
    if first not in ("select", "with"):
        raise ValueError(f"sql: a SELECT (or WITH … SELECT), not {first.upper()}")
    if found := _SQL_WRITES.search(statements[0]):
        raise ValueError(f"sql: read-only, but it says {found.group(1).upper()}")
    return sql


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Derived(_Frozen):
    """A field a column's cell yields besides its own text: a flag, a split-off part, a number."""

    field: Key = Field(description="record key of the derived value")
    label: str = Field(description="Japanese label (database column heading)")
    description: str = Field(description="what the value means")


class Marker(Derived):
    marker: str = Field(description="the printed tag, matched literally, e.g. 【重点】")


class Numbering(Derived):
    style: Literal["digits", "paren", "circled"] = Field(
        description="digits: the first whole number in the cell (１, 重点目標１); paren: a leading "
        "(1)/（１）; circled: a leading ①–㊿ (after an optional (n), which then numbers the group)"
    )


class Column(_Frozen):
    """One column of a row table: found by its header words, read into the record as ``name``."""

    name: Key = Field(description="record key (ASCII, becomes a database column)")
    label: str = Field(description="Japanese label as on the form (database column heading)")
    description: str = Field(description="what the column holds, for the Datasette column description")
    header: list[str] = Field(min_length=1, description="alternatives: a header cell matching any names it")
    role: Role = Field(
        default="text",
        description="number / group: numbering of items and of their group; title: names the item; "
        "department: who is responsible; rating / prev_rating: a letter of scale.letters (rating anchors "
        "the rows); text",
    )
    scope: Literal["row", "sheet"] = Field(
        default="row",
        description="row: each item reads its own (or its merged) cell; sheet: one cell spanning every "
        "row, stored once per sheet (it may stand in another table of the page)",
    )
    required: bool = Field(default=False, description="a table without this column is not this form")
    numbering: Numbering | None = Field(default=None, description="the number the cell's text opens with")
    flag: Marker | None = Field(default=None, description="a tag in the cell that sets a yes/no field")
    split: Marker | None = Field(default=None, description="a tag after which the text goes to another field")
    one_line: bool = Field(default=False, description="join every printed line (a name, not paragraphs)")
    split_over_rows: bool = Field(
        default=False,
        description="a cell over k rated rows with k (or a heading plus k) lines names them in order",
    )
    over_item: bool = Field(
        default=False,
        description="one cell over all the rated rows of an item: a page break that cuts it is joined, "
        "and each of the item's rows gets the whole text",
    )


class LabelledField(_Frozen):
    """A value printed next to (or below) its label: a sheet-level box such as 目指す学校像."""

    name: Key
    label: str
    description: str
    pattern: str = Field(description="the label cell's text matches this")


class ItemTitle(Derived):
    """The item's name taken from a numbered list printed once per sheet (本年度の重点目標 １ … ２ …):
    the entry with the item's number, else the ``fallback`` field of the row."""

    from_list: str = Field(description="a sheet field whose lines open with the item numbers")
    fallback: str | None = Field(default=None, description="the row field to use where the list is missing")


class BoxField(_Frozen):
    """A labelled value of a sheet's heading box (基本目標 | 1 福祉のまちづくり), read into ``name``."""

    name: Key = Field(description="record key (ASCII)")
    label: str = Field(description="Japanese label (database column heading)")
    description: str = Field(description="what the value holds")
    pattern: str = Field(description="the label cell's text matches this")
    role: Literal["title", "text"] = Field(
        default="text", description="title: names the sheet (the box is read when its title is)"
    )
    number: Derived | None = Field(
        default=None, description="the number the value opens with (1 …), split off into this field"
    )


class BoxGroups(_Frozen):
    """The numbered groups a heading box lists (施策(1) | title …): a list of {number, title}."""

    name: Key = Field(description="record key of the list")
    label: str = Field(description="Japanese name of one group, in messages (the 項目 of 項目(1))")
    description: str = Field(description="what the list holds")
    pattern: str = Field(description="a group's label cell matches this; group 1 is its number")
    number: Derived = Field(description="the group's number, from the label")
    title: Derived = Field(description="the group's title, the value beside the label")


class HeadingBox(_Frozen):
    """A box printed over each sheet's table (a plan's goal, policy and measures): one record
    per sheet under the report key ``key``; a new title starts a sheet."""

    key: Key = Field(description="the report's key for the boxes")
    marker: str | None = Field(default=None, description="a free line printed over the box, read with it")
    fields: list[BoxField] = Field(min_length=1)
    groups: BoxGroups | None = None
    on_rows: list[Key] = Field(
        default_factory=list, description="box fields every rated row of the sheet carries too"
    )

    def names(self) -> list[str]:
        """Every field of a box record, in order (a number before the value it opens)."""
        out: list[str] = []
        for f in self.fields:
            out += [f.number.field, f.name] if f.number else [f.name]
        return out + ([self.groups.name] if self.groups else [])


RemarkRole = Literal["sheet", "title", "number", "body", "answer", "text"]


class RemarkColumn(_Frozen):
    """One column of a remarks table (a committee's comments and the answers), found by its
    header words like a row column."""

    name: Key = Field(description="record key (ASCII)")
    label: str = Field(description="Japanese label (database column heading)")
    description: str = Field(description="what the column holds")
    header: list[str] = Field(min_length=1, description="alternatives: a header cell matching any names it")
    role: RemarkRole = Field(
        default="text",
        description="sheet: the number of the sheet remarked on (words run together); title: that "
        "sheet's title, kept only beside a sheet number; number: the item remarked on, (1)① (the "
        "(1) goes to ``group``); body: the remark itself, one record per cell; answer, text: texts",
    )
    required: bool = Field(default=False, description="a table without this column is not a remarks table")
    group: Derived | None = Field(default=None, description="a number column's (n): the group's number")
    item_from_body: bool = Field(
        default=False, description="a number column giving the group alone: the item is the body's leading ①"
    )

    def names(self) -> list[str]:
        return [self.group.field, self.name] if self.group else [self.name]


class Remarks(_Frozen):
    """A second table kind: remarks on the sheets (a committee's comments and the answers), one
    record per body cell under the report key ``key``. A first row on a page that names no
    sheet, title or number runs on from the last remark: its texts are joined to it."""

    key: Key = Field(description="the report's key for the remarks")
    columns: list[RemarkColumn] = Field(min_length=1)

    def names(self) -> list[str]:
        return [n for c in self.columns for n in c.names()]


MAX_RATING_CHARS = 3


class Scale(_Frozen):
    """The rating scale: its letters, best first (what a rating cell may print, and the order
    that tells an upgrade from a downgrade), and where a row form prints their meanings:
    lines such as 'A … 達成' and/or a small table."""

    letters: list[str] = Field(
        default_factory=list,
        description="the ratings a cell may print, best first (NFKC: 'Ａ' is read as 'A')",
    )
    line: str | None = Field(default=None, description="a free line; group 1 the letter, group 2 its meaning")
    table_header: str | None = Field(
        default=None, description="a cell whose right-hand neighbours are letter / meaning pairs"
    )

    @model_validator(mode="after")
    def _letters(self) -> Scale:
        check_letters(self.letters)
        return self


# what a rating cell prints for "no rating" (a dash, なし): never a letter of a scale
NO_RATING = frozenset({"", "—", "―", "－", "-", "‐", "‑", "–", "ー", "─", "━", "ｰ", "なし", "無"})


def check_letters(letters: list[str]) -> list[str]:
    """A scale's ratings: short, printed (no space), each once, as NFKC upper-cases them (the
    reader folds a cell's text so before it compares), none a mark of no rating."""
    for letter in letters:
        printed = (
            0 < len(letter) <= MAX_RATING_CHARS
            and letter.isprintable()
            and not any(c.isspace() for c in letter)
        )
        if not printed:
            raise ValueError(
                f"scale.letters: {letter!r} is not a rating (1–{MAX_RATING_CHARS} printed characters, no space)"
            )
        if letter in NO_RATING:
            raise ValueError(f"scale.letters: {letter!r} is read as no rating")
        if unicodedata.normalize("NFKC", letter).upper() != letter:
            folded = unicodedata.normalize("NFKC", letter).upper()
            raise ValueError(f"scale.letters: write {letter!r} as {folded!r} (cells are read so)")
    if len(set(letters)) != len(letters):
        raise ValueError("scale.letters: a rating is given twice")
    return letters


class ReportSpec(_Frozen):
    """Where the report's own facts are printed."""

    title: str | None = Field(
        default=None,
        description="pattern of the title; the match (group 1 if any) is the title. Default: the "
        "largest line of the cover page",
    )
    publisher: str | None = Field(default=None, description="pattern; group 1 is the publisher as printed")
    municipality: str | None = Field(
        default=None, description="pattern of a place name; the one the text names most often"
    )
    issuer: str | None = Field(default=None, description="a cover line naming the issuing department ends so")
    cover: bool = Field(default=False, description="a cover page without tables carries title and dates")


# A layout's query may ask for indexes on its view's columns: its row fields, or these columns
# every row has. Each index costs bytes on every row of the layout (a partial index: that
# layout's rows only), so a layout gets a few, of a few columns each.
INDEXED_BASE = ("fiscal_year", "report_id", "municipality", "publisher", "sheet_no", "change", "page")
MAX_INDEXES = 4
MAX_INDEX_COLUMNS = 4


def check_query_indexes(queries: list[Query], row_fields: set[str]) -> None:
    """Every index a layout's queries ask for names columns of its rows, each once, and the
    layout asks for at most MAX_INDEXES: else one line naming the query."""
    declared = {tuple(index) for q in queries for index in q.indexes}
    if len(declared) > MAX_INDEXES:
        raise ValueError(f"queries: {len(declared)} indexes, at most {MAX_INDEXES} a layout")
    for q in queries:
        for index in q.indexes:
            unknown = [c for c in index if c not in row_fields and c not in INDEXED_BASE]
            if unknown:
                raise ValueError(f"query {q.name}: index on {unknown[0]}: not a column of the layout's rows")
            if len(set(index)) != len(index):
                raise ValueError(f"query {q.name}: an index names a column twice")


class Query(_Frozen):
    """A canned query the layout brings to the site, over its own view rows_<layout name>:
    one read-only SELECT, named apart from hyoka's own queries and tables; with the indexes
    it needs on that view's columns (the build keeps them: a query that filters or sorts on a
    column no index leads reads every row of the layout)."""

    name: Key = Field(description="URL name (ASCII)")
    title: str = Field(max_length=MAX_STRING)
    description: str = Field(max_length=MAX_STRING_OF["description"])
    sql: str = Field(max_length=MAX_STRING_OF["sql"])
    columns: dict[Key, str] = Field(
        default_factory=dict,
        description="the query's own columns (not a field of the layout): name -> 'label: what it holds'",
    )
    indexes: list[Annotated[list[Key], Field(min_length=1, max_length=MAX_INDEX_COLUMNS)]] = Field(
        default_factory=list,
        max_length=MAX_INDEXES,
        description="indexes the query needs: each a list of the view's columns (row fields, or "
        + ", ".join(INDEXED_BASE)
        + ")",
    )

    @model_validator(mode="after")
    def _safe(self) -> Query:
        if self.name in RESERVED_NAMES or self.name.startswith(("rows_", "remarks_")):
            raise ValueError(f"query {self.name}: the name of one of hyoka's own queries or tables")
        try:
            check_read_only_sql(self.sql)
        except ValueError as exc:
            raise ValueError(f"query {self.name}: {exc}") from None
        return self


class Detect(_Frozen):
    """How a PDF picks this layout: every pattern found in one page's text."""

    all: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _words(self) -> Detect:
        check_detect(self.all)
        return self


# The report's own keys (schemas/report.py ``Report``): a box's or the remarks' key may not
# take one's place. A box's fields are columns of its layout's view rows_<name>, a remark's of
# remarks_<name>, beside hyoka's own (extract/database/schema.py): those names are refused
# (tests/test_hostile_layouts.py keeps the three lists whole).
REPORT_KEYS = frozenset(
    {
        "report",
        "layout",
        "rating_scale",
        "boxes",
        "sheets",
        "evaluations",
        "remarks",
        "projects",
        "problems",
        "ocr_pages",
    }
)
BOX_OWN = frozenset(
    {
        "id",
        "fiscal_year",
        "municipality",
        "publisher",
        "sheet_no",
        "change",
        "page",
        "pdf_url",
        "source_file",
        "report_id",
        "item_id",
        "ocr",
    }
)
REMARK_OWN = frozenset(
    {"id", "fiscal_year", "municipality", "page", "pdf_url", "source_file", "report_id", "ocr"}
)


def _unique(names: list[str], own: frozenset[str], where: str) -> None:
    if clash := sorted(own.intersection(names)):
        raise ValueError(f"{where}: {clash[0]!r} is one of hyoka's own fields of the record")
    if len(set(names)) != len(names):
        raise ValueError(f"{where}: field names must be unique")


def _check_box(box: HeadingBox) -> None:
    """One title field; names unique and none of hyoka's; the rows carry declared fields."""
    if box.key in REPORT_KEYS:
        raise ValueError(f"box.key: {box.key!r} is one of the report's own keys")
    if [f.role for f in box.fields].count("title") != 1:
        raise ValueError("box.fields: exactly one field with role 'title' (it starts a sheet)")
    names = box.names() + ([box.groups.number.field, box.groups.title.field] if box.groups else [])
    _unique(names, BOX_OWN, "box")
    if box.groups and box.groups.number.field == box.groups.title.field:
        raise ValueError("box.groups: number and title need two names")
    if unknown := [n for n in box.on_rows if n not in box.names() or box.groups and n == box.groups.name]:
        raise ValueError(f"box.on_rows: {unknown[0]!r} is no field of the box")


def _check_remarks(remarks: Remarks) -> None:
    """One required body column; at most one sheet, title and number column; parts in place."""
    if remarks.key in REPORT_KEYS:
        raise ValueError(f"remarks.key: {remarks.key!r} is one of the report's own keys")
    roles = [c.role for c in remarks.columns]
    body = [c for c in remarks.columns if c.role == "body"]
    if len(body) != 1 or not body[0].required:
        raise ValueError("remarks.columns: exactly one column with role 'body', and it is required")
    if twice := [r for r in ("sheet", "title", "number") if roles.count(r) > 1]:
        raise ValueError(f"remarks.columns: one column with role {twice[0]!r} at most")
    if "title" in roles and "sheet" not in roles:  # the title is kept beside its sheet's number
        raise ValueError("remarks.columns: a column with role 'title' needs one with role 'sheet'")
    for c in remarks.columns:
        if (c.group or c.item_from_body) and c.role != "number":
            raise ValueError(f"remarks.columns.{c.name}: group and item_from_body belong to a number column")
        if c.item_from_body and not c.group:
            raise ValueError(f"remarks.columns.{c.name}: item_from_body needs the column's group")
    _unique(remarks.names(), REMARK_OWN, "remarks")


class RowLayout(_Frozen):
    """A row table: one record per rated row (Koganei's 評価表, a school's 学校評価シート)."""

    name: LayoutName
    kind: Literal["rows"] = "rows"
    label: str
    description: str
    detect: Detect
    report: ReportSpec = ReportSpec()
    scale: Scale = Scale()
    columns: list[Column] = Field(min_length=1)
    sheet_fields: list[LabelledField] = Field(default_factory=list)
    item_title: ItemTitle | None = None
    box: HeadingBox | None = None
    remarks: Remarks | None = None
    continue_rows: bool = Field(
        default=False, description="an unrated, unnumbered first row on a page continues the last row"
    )
    running_head: str | None = Field(
        default=None, description="a free line matching this is a page number or running title"
    )
    boilerplate: list[str] = Field(
        default_factory=list,
        description="printed instructions of the blank form (patterns searched in a line)",
    )
    headings: list[str] = Field(
        default_factory=list, description="headings printed over the column names (自己評価 …): no data"
    )
    text: Literal["wrap", "paragraphs"] = Field(
        default="wrap",
        description="how a cell's printed lines become its text: 'wrap' (a spreadsheet's: a line that "
        "ends with room for the next word was broken by hand) or 'paragraphs' (a word processor's: "
        "breaks only where a paragraph visibly starts)",
    )
    queries: list[Query] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data: Any) -> Any:
        check_sizes(data)
        return data

    @model_validator(mode="after")
    def _consistent(self) -> RowLayout:
        row = [c for c in self.columns if c.scope == "row"]
        if [c.role for c in row].count("rating") != 1:
            raise ValueError("a row layout needs exactly one row column with role 'rating' (the row anchor)")
        if not self.scale.letters:
            raise ValueError(
                "scale.letters: the ratings a row's rating cell may print, best first, e.g. ['A', 'B', 'C', 'D']"
            )
        if not any(c.required for c in row):
            raise ValueError("a row layout needs a required column: a table without it is not this form")
        for c in self.columns:
            if c.scope == "sheet" and (c.role != "text" or c.numbering or c.flag or c.split):
                raise ValueError(f"column {c.name}: a sheet-scope column is plain text")
            if c.numbering and c.role not in ("group", "title", "number"):
                raise ValueError(f"column {c.name}: numbering belongs to a group, title or number column")
            if c.role == "group" and not c.numbering:
                raise ValueError(f"column {c.name}: a group column needs its numbering")
            if c.flag and c.role != "title" or c.split and c.role != "text":
                raise ValueError(f"column {c.name}: a flag marks a title column, a split a text column")
            if c.one_line and c.role != "title":
                raise ValueError(f"column {c.name}: one_line joins a title")
        names = [f for f, _, _ in self.fields()] + [c.name for c in self.columns if c.scope == "sheet"]
        names += [f.name for f in self.sheet_fields]
        if self.box:  # a box's fields are the sheet's columns of the view rows_<name>
            names += [n for n in self.box.names() if not self.box.groups or n != self.box.groups.name]
        if len(set(names)) != len(names):
            raise ValueError("field names must be unique")
        if self.box:
            _check_box(self.box)
        if self.remarks:
            _check_remarks(self.remarks)
        if self.box and self.remarks and self.box.key == self.remarks.key:
            raise ValueError(f"box.key and remarks.key: both {self.box.key!r}")
        check_query_indexes(self.queries, {f for f, _, _ in self.fields()})
        self._check_patterns()
        return self

    def _check_patterns(self) -> None:
        checks: list[tuple[str | None, int, str]] = [
            (self.report.title, 0, "report.title"), (self.report.publisher, 1, "report.publisher"),
            (self.report.issuer, 0, "report.issuer"), (self.scale.line, 2, "scale.line"),
            (self.scale.table_header, 0, "scale.table_header"), (self.running_head, 0, "running_head"),
        ]  # fmt: skip
        checks += [(p, 0, "boilerplate") for p in self.boilerplate] + [
            (p, 0, "headings") for p in self.headings
        ]
        checks += [(p, 0, f"columns.{c.name}.header") for c in self.columns for p in c.header]
        checks += [(f.pattern, 0, f"sheet_fields.{f.name}") for f in self.sheet_fields]
        if self.box:
            checks += [(f.pattern, 0, f"box.fields.{f.name}") for f in self.box.fields]
            if self.box.groups:
                checks.append((self.box.groups.pattern, 1, "box.groups.pattern"))
        if self.remarks:
            checks += [
                (p, 0, f"remarks.columns.{c.name}.header") for c in self.remarks.columns for p in c.header
            ]
        if self.report.municipality:
            check_pattern(self.report.municipality, 1, "report.municipality")
            if regex.compile(self.report.municipality).groups != 1:
                raise ValueError("report.municipality: exactly one group, the place name")
        for pattern, groups, where in checks:
            if pattern is not None:
                check_pattern(pattern, groups, where)

    def column(self, role: Role) -> Column | None:
        return next((c for c in self.columns if c.role == role and c.scope == "row"), None)

    def fields(self) -> list[tuple[str, str, str]]:
        """(record key, label, description) of every item field, in the form's order."""
        out: list[tuple[str, str, str]] = []
        for c in self.columns:
            if c.scope != "row":
                continue
            if c.numbering and c.role != "number":
                out.append((c.numbering.field, c.numbering.label, c.numbering.description))
            if c.role != "group":
                out.append((c.name, c.label, c.description))
            for extra in (c.flag, c.split):
                if extra:
                    out.append((extra.field, extra.label, extra.description))
        if self.item_title:
            out.append((self.item_title.field, self.item_title.label, self.item_title.description))
        return out
