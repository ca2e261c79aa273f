"""A drafted layout (extract/reading/draft.py) as a layout file, every guess commented.

The text is checked by loading it as a FormLayout (schemas/form.py) before it is written:
a draft is a valid layout, only not yet a good one.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from extract.reading.draft import (
    KINDS,
    Draft,
    DraftBlock,
    DraftField,
    DraftTable,
    draft_grids,
    pattern_of,
    read_grids,
    slug,
)
from extract.reading.draft_rows import DraftColumn, RowDraft, draft_rows
from schemas.form import FormLayout
from schemas.layout import RowLayout

_MARKS = ["○", "●"]
_EMPTY = ["-", "‐", "－", "―", "—", "ー", "−"]
_RATING = r"^(?P<letter>[A-EＡ-Ｅ])\s*[.．。、:：・]?\s*(?P<label>.*)$"
_LETTERS = ["A", "B", "C", "D", "E"]  # the letters _RATING reads, NFKC


def q(text: str) -> str:
    """A TOML string: literal ('…') when it can be, else basic with escapes."""
    if "'" not in text and "\n" not in text and all(ch >= " " for ch in text):
        return f"'{text}'"
    return json.dumps(text, ensure_ascii=False)


def _qs(items: list[str]) -> str:
    return "[" + ", ".join(q(i) for i in items) + "]"


def _sample(text: str | None) -> str:
    if text is None:
        return "(blank on the drafted PDF)"
    one = " ".join(text.split())
    return one if len(one) <= 60 else one[:59] + "…"


def draft_layout(path: Path, name: str | None = None) -> str:
    """The layout file a PDF gets: a row layout when a page holds a table of rated rows
    (draft_rows.py), else a form layout (draft.py)."""
    grids = read_grids(path)
    name = name or slug(path.stem)
    rows = draft_rows(grids, name)
    return write_rows(rows) if rows is not None else write_form(draft_grids(grids, path.name, name))


def write_form(draft: Draft) -> str:
    """The layout file's text; raises ValueError when it would not load."""
    out = _head(draft)
    for spec in draft.fields:
        out += _field(spec)
    for table in draft.tables:
        out += _table(table)
    for block in draft.blocks:
        out += _block(block)
    out += _roles(draft)
    text = "\n".join(out) + "\n"
    FormLayout.model_validate(tomllib.loads(text))
    return text


def _head(d: Draft) -> list[str]:
    sheet = f"pages {d.sheet_pages[0]}–{d.sheet_pages[-1]}" if len(d.sheet_pages) > 1 else "one page"
    out = [
        f"# DRAFT layout written by `hyoka layout draft` from a PDF of {d.pages} page(s); the first sheet is {sheet}.",
        "# Every value below is a guess from the page geometry: check it with",
        f"#   hyoka layout check layouts/{d.name}.toml THE.pdf --html check.html",
        "# then rename the fields (field_01 …), give them descriptions, delete what is noise, and",
        "# mark the field that names a project `required = true`.",
        "",
        f"name = {q(d.name)}",
        'kind = "form"',
        f"label = {q(d.title)}",
        f"description = {q(d.title + ' (drafted: describe the form)')}",
        "",
        f"empty = {_qs(_EMPTY)}  # cell texts meaning 'no value'",
        f"marks = {_qs(_MARKS)}  # glyphs that mark a chosen item",
        f"rating_pattern = {q(_RATING)}  # a rating cell: letter, separator, label",
        f"ignore = [{q('^' + d.title + '$')}]  # printed headings that carry no value",
        "",
        "[detect]  # the title and the first labels of the first page: a page printing all is this form",
        f"all = {_qs(d.detect)}",
        "",
    ]
    if any(f.rating for f in d.fields):
        out += [
            "[scale]",
            f"letters = {_qs(_LETTERS)}  # what rating_pattern reads, best first: keep those the form prints",
            "",
        ]
    if d.start is not None:
        why = "the title is not on every page" if d.start == d.title else "on the first page only"
        out += [
            "[sheet]  # a sheet runs from a page printing this to the next: " + why,
            f"start = {_qs(['^' + d.start + '$'])}",
            "",
        ]
    else:
        out += ["# no [sheet]: each page is one sheet (its labels repeat on every page)", ""]
    out += [
        f"[years]  # year headers; a year printed without an era counts in {d.era}",
        f"pattern = {q('(?P<era>R|令和|H|平成)?(?P<year>元|[0-9]{1,2})年度')}",
        'eras = { R = "令和", H = "平成" }',
        f'era = "{d.era}"',
        f"kinds = {_qs(KINDS)}",
        "",
    ]
    for r in d.report:
        out += [
            f"[[report]]  # {r.label}: read by {r.how}",
            f'name = "{r.name}"',
            f"label = {q(r.label)}",
            f"description = {q(r.label + ' (drafted)')}",
            f"{r.how} = {q(r.pattern)}",
        ]
        out += [f"era = {q(r.era)}"] if r.era else []
        out.append("")
    if not any(r.name == "publisher" for r in d.report):
        out += ['# publisher / municipality: not found printed; add a [[report]] with constant = "…"', ""]
    return out


def _block(b: DraftBlock) -> list[str]:
    out = [
        f"[[blocks]]  # {b.label} is printed once per block: one item per block, read from it down to the next",
        f'name = "{b.name}"',
        f"label = {q(b.label)}",
        f"description = {q(b.label + ' (one item per block)')}",
        f"start = {_qs([b.start])}",
    ]
    out += (
        ["number = '^(?P<value>[0-9]+)$'  # the block's number, printed left of its start"]
        if b.number
        else []
    )
    out.append("")
    for f in b.fields:
        out += _field(f, "blocks.fields")
    for t in b.tables:
        out += _table(t, "blocks.tables")
    return out


def _field(f: DraftField, key: str = "fields") -> list[str]:
    if f.rating and key == "fields":
        return [
            f"[[ratings]]  # page {f.page}: {f.label} | {_sample(f.sample)} (a letter and its label: a rating)",
            f'name = "{f.name}"',
            f"label = {q(f.label)}",
            f"description = {q(f.label)}",
            f"labels = {_qs([f.pattern])}",
            f'label_field = "{f.name}_label"',
            f"label_description = {q(f.label + ' (printed label)')}",
            "",
        ]
    how = {"right": "the cell right of the label", "below": "the cell below the label"}[f.value]
    out = [
        f"[[{key}]]  # page {f.page}: value = {how}: {_sample(f.sample)}",
        f'name = "{f.name}"',
        f"label = {q(f.label)}",
        f"description = {q(f.label)}",
        f"labels = {_qs([f.pattern])}",
    ]
    if f.value != "right":
        out.append(f'value = "{f.value}"')
    if f.chosen:
        out += ["chosen = ['●']  # options printed inline, the one after ● chosen", "options = ['○']"]
    return out + [""]


def _table(t: DraftTable, key: str = "tables") -> list[str]:
    anchor = (
        f"corner = {q(t.corner)}  # the printed cell above the row keys"
        if t.corner
        else (f"header = {q(t.header or '')}  # the corner is blank: the header row's first cell")
    )
    out = [
        f"[[{key}]]  # page {t.page}: header row {' | '.join(t.years)}",
        f"#   rows: {' | '.join(t.rows[:12])}{' …' if len(t.rows) > 12 else ''}",
        f'name = "{t.name}"',
        f"label = {q(t.label)}",
        f"description = {q(t.label + ' by year')}",
        'shape = "cells"  # one entry per filled cell: item × year × kind → value',
        anchor,
        'key = "item"',
        'value = "value"',
    ]
    if t.row_kind:
        out.append("row_kind = true  # the header names years only: the row header is the kind (決算)")
    if t.after:
        out.append(f"after = {q(t.after)}  # the same header is printed before: the first after this heading")
    if t.whole:
        out.append('type = "int"  # every value a whole number (1,234; ▲56 is -56)')
    out.append("")
    for n, (header, kind) in enumerate(t.columns, 1):
        out += [
            f"[[{key}.columns]]  # a figure with no fiscal year, its kind {kind}",
            f'name = "{t.name}_col_{n:02d}"',
            f"label = {q(kind)}",
            f"description = {q(kind)}",
            f"header = {q(header)}",
            f"kind = {q(kind)}",
            "",
        ]
    return out


def _roles(d: Draft) -> list[str]:
    plain = [f for f in d.fields if not f.rating and not f.chosen]
    if not plain:
        return []
    out = [
        "[roles]  # which field names the project (guessed: the first label)",
        f'title = "{plain[0].name}"',
    ]
    rating = next((f for f in d.fields if f.rating), None)
    return out + ([f'rating = "{rating.name}"'] if rating else [])


def write_rows(d: RowDraft) -> str:
    """A row layout's text; raises ValueError when it would not load."""
    out = [
        f"# DRAFT row layout written by `hyoka layout draft` from a PDF of {d.pages} page(s): the rated",
        f"# table of page {d.page}, one record per row with a scale letter. Every value below is a guess",
        "# from the page: check it with",
        f"#   hyoka layout check layouts/{d.name}.toml THE.pdf --html check.html",
        "# then rename the columns (col_01 …), give them descriptions, delete what is noise.",
        "",
        f"name = {q(d.name)}",
        'kind = "rows"',
        f"label = {q(d.title or d.name)}",
        f"description = {q((d.title or d.name) + ' (drafted: describe the form)')}",
        f'text = "{d.text}"  # {_TEXT_WHY[d.text]}',
    ]
    if d.continue_rows:
        out.append(
            "continue_rows = true  # tables on several pages: an unrated first row goes on from the last page"
        )
    if d.headings:
        out.append(f"headings = {_qs(d.headings)}  # printed over the column names: no data")
    out += [
        "",
        "[detect]  # the rating's header and two other headers on one page: this form",
        f"all = {_qs(d.detect)}",
        "",
    ]
    out += ["[report]"]
    out += (
        [f"title = {q('(' + lp_escape(d.title) + ')')}  # the sheet's title, its year cut"] if d.title else []
    )
    out += ["cover = true  # page 1 has no table: a cover with the title and dates"] if d.cover else []
    out += ["# publisher: not guessed; add publisher = '…(.+)' (group 1 the name as printed)", ""]
    out += [
        "[scale]",
        f"letters = {_qs(d.letters)}  # the ratings seen, A before B: list them best first, add the unseen",
    ]
    if d.scale_line or d.scale_table:
        out.append("# the rating scale as printed")
        out += [f"line = {q(d.scale_line)}  # lines 'A・・・meaning'"] if d.scale_line else []
        out += (
            [f"table_header = {q(d.scale_table)}  # beside letters and their meanings"]
            if d.scale_table
            else []
        )
    out.append("")
    for c in d.columns:
        out += _row_column(c)
    for f in d.sheet_fields:
        out += [
            f"[[sheet_fields]]  # page {f.page}: printed once per sheet: {_sample(f.sample)}",
            f'name = "{f.name}"',
            f"label = {q(f.label)}",
            f"description = {q(f.label)}",
            f"pattern = {q(f.pattern)}",
            "",
        ]
    if d.item_title:
        listing, fallback = d.item_title
        out += [
            f"[item_title]  # the items are numbered and {listing} lists entries 1 … n: each item's title",
            'field = "item_title"',
            "label = '項目名'",
            "description = 'the entry of the item number in the listed field'",
            f'from_list = "{listing}"',
        ]
        out += [f'fallback = "{fallback}"  # where the list is missing'] if fallback else []
        out.append("")
    text = "\n".join(out) + "\n"
    RowLayout.model_validate(tomllib.loads(text))
    return text


_TEXT_WHY = {
    "wrap": "cell lines wrap where full (a spreadsheet): a short line ends a paragraph",
    "paragraphs": "lines broken by hand mid-sentence (a word processor): only bullets, indents, ends of sentences start a paragraph",
}
_NUMBERING = {"paren": "(1) -> 1", "circled": "① -> 1", "digits": "the first number"}


def lp_escape(text: str) -> str:
    return pattern_of(text, anchored=False)


def _row_column(c: DraftColumn) -> list[str]:
    out = [
        f"[[columns]]  # {c.label}: {c.why or 'text'}; e.g. {_sample(c.sample)}",
        f'name = "{c.name}"',
        f"label = {q(c.label)}",
        f"description = {q(c.label)}",
        f"header = {_qs([c.header])}",
    ]
    out += [f'role = "{c.role}"'] if c.role != "text" else []
    if c.role == "rating":
        out.append("required = true  # a table without it is not this form")
    elif c.required:
        out.append(
            "required = true  # the header row names it too: a lone box of the rating's name is not it"
        )
    out += (
        ['scope = "sheet"  # one cell over every rated row: stored once per sheet']
        if c.scope == "sheet"
        else []
    )
    out += ["over_item = true  # a cell over several rated rows: each gets its text"] if c.over_item else []
    out += ["one_line = true  # a name: its printed lines joined"] if c.one_line else []
    if c.role == "department":
        out.append("split_over_rows = true  # a cell over k rows printing k names gives one to each")
    if c.numbering:
        field = f"{c.name}_no"
        out.append(
            f'numbering = {{ style = "{c.numbering}", field = "{field}", label = {q(c.label + " 番号")}, '
            f"description = {q(_NUMBERING[c.numbering])} }}"
        )
    if c.flag:
        out.append(
            f'flag = {{ marker = {q(c.flag)}, field = "{c.name}_flag", label = {q(c.flag)}, '
            f"description = {q('printed ' + c.flag)} }}"
        )
    if c.split:
        out.append(
            f'split = {{ marker = {q(c.split)}, field = "{c.name}_after", label = {q(c.label + c.split)}, '
            f"description = {q('the text after ' + c.split)} }}"
        )
    return out + [""]
