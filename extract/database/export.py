"""CSV that Excel on a Japanese Windows machine opens correctly: UTF-8 with a byte-order mark."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from extract.database.schema import FTS

BOM = "\ufeff"
# What a person would not open: SQLite's own tables, the build's bookkeeping, the search indexes.
_INTERNAL = ("sqlite_", "build_info", *FTS)


# What makes Excel read a cell as a formula (OWASP's list, and its full-width forms, which a
# Japanese Excel may take as the same keys), and a number it reads as a number.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def excel_cell(value: object) -> object:
    """A text cell Excel would run as a formula (=HYPERLINK(…) printed in a PDF) with a ' in
    front, as OWASP recommends: Excel then shows the text. Numbers stay as they are, whether
    SQLite holds them as numbers or as text such as -3 (a CSV from Datasette is all text)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def excel_csv(columns: Sequence[str], rows: Iterable[Sequence[object]], escape_formulas: bool = False) -> str:
    """Rows as CSV text with a BOM and CRLF line ends, as Excel expects; ``escape_formulas``
    puts a ' before text Excel would run as a formula (``excel_cell``), headings included."""
    cell = excel_cell if escape_formulas else (lambda v: v)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(c) for c in columns])
    for row in rows:
        writer.writerow(["" if v is None else cell(v) for v in row])
    return out.getvalue()


def exportable(conn: sqlite3.Connection) -> list[str]:
    """The tables and views of a database that hold its data (each layout's view, a form's
    tables, the rating changes …), by name."""
    sql = "select name from sqlite_master where type in ('table', 'view') order by name"
    return [name for (name,) in conn.execute(sql) if not name.startswith(_INTERNAL)]


def export_table(
    db_path: Path,
    table: str = "evaluation_rows",
    heading: Callable[[str], str] = str,
    escape_formulas: bool = False,
) -> str:
    """The whole table or view as Excel-ready CSV text, each column headed ``heading(name)``;
    every value exact (for programs), or with ``escape_formulas`` text Excel would run as a
    formula escaped (for people, as the site's Excel download)."""
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no database (run `hyoka build` first)")
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        names = exportable(conn)
        if table not in names:
            raise ValueError(f"{db_path} has no table or view {table!r}; choose one of {', '.join(names)}")
        cursor = conn.execute(f"SELECT * FROM [{table}]")
        columns = [heading(d[0]) for d in cursor.description]
        return excel_csv(columns, cursor.fetchall(), escape_formulas)
    finally:
        conn.close()


def format_rows(rows: list[dict], columns: Sequence[str], fmt: str) -> str:
    """Rows as a JSON array, Excel CSV, or an aligned text table for the terminal."""
    if fmt == "json":
        return json.dumps([{c: r.get(c) for c in columns} for r in rows], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return excel_csv(columns, ([r.get(c) for c in columns] for r in rows))
    cells = [[_short(r.get(c)) for c in columns] for r in rows]
    widths = [max([_width(c)] + [_width(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(v, w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _short(value: object, width: int = 40) -> str:
    """A value on one line of a terminal: blanks folded, cut with … past ``width`` characters."""
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def layout_check_text(data: dict) -> str:
    """`hyoka layout check` for a person: per page, the labels and tables found and not found
    with their values whole (wrapped, indented), the marks resolved, the rows, the problems."""
    out = [f"layout {data['layout']} on {data['file']}"]
    report = data["report"]
    facts = {
        k: report.get(k) for k in ("title", "fiscal_year", "fiscal_year_label", "municipality", "publisher")
    }
    out.append("  report: " + ", ".join(f"{k}={v}" for k, v in facts.items() if v is not None))
    out.append("  rating scale: " + ("" if data["rating_scale"] else "none"))
    out += [line for k, v in data["rating_scale"].items() for line in _whole(f"{k}:", v, 4)]
    for page in data["pages"]:
        out.append(f"page {page['page']}: {page['kind']}")
        for i, table in enumerate(page.get("tables", []), 1):
            out += _table_lines(i, table)
        for item in page.get("fields", []):
            out += _field_lines(item)
        for record in page["records"]:
            shown = {k: v for k, v in record.items() if v not in (None, "", [], {}, False)}
            if "pages" in record:  # a form's record: its values are the fields above
                out.append(f"  record: pages {record['pages']}, {len(shown)} values")
                continue
            out.append("  row:")
            out += [line for k, v in shown.items() for line in _whole(f"{k}:", v, 4)]
        for problem in page["problems"]:
            out.append(f"  problem: {problem}")
    out += [f"problem: {p}" for p in data["problems"]]
    return "\n".join(out) + "\n"


def _table_lines(i: int, table: dict) -> list[str]:
    if "header_rows" in table:  # a row layout's table: its columns
        out = [f"  table {i}: header rows {table['header_rows']}; found: {', '.join(table['found'])}"]
        return out + (
            [f"           not found: {', '.join(table['not_found'])}"] if table["not_found"] else []
        )
    if not table["found"]:
        return [f"  table {table['name']} ({table['label']}): NOT FOUND"]
    out = [f"  table {table['name']} ({table['label']}): found, {table['value']}"]
    out += _whole("header row:", " | ".join(table.get("header_row", [])), 4)
    return out + _whole("columns:", " | ".join(table.get("columns", [])), 4)


def _field_lines(item: dict) -> list[str]:
    head = f"  {item['name']} ({item['label']})"
    if not item["found"]:
        return [f"{head}: NOT FOUND"]
    if "mark" in item:
        return [f"{head}: mark: {item['mark']}"]
    where = f" at {item['label_box']}" if item.get("label_box") else ""
    if item["value"] in (None, "", [], {}):
        return [f"{head}: found{where}, blank"]
    return [f"{head}: found{where}", *_whole("", item["value"], 6)]


def _whole(key: str, value: object, indent: int, width: int = 100) -> list[str]:
    """A value whole, over as many lines as it needs: its own line breaks kept, long lines
    wrapped at ``width`` terminal columns, each line indented (after ``key`` on the first)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line = ""
        for ch in para:
            if _width(line + ch) > width - indent:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    pad = " " * indent
    if key:
        return [f"{pad}{key} {lines[0]}".rstrip()] + [f"{pad}  {ln}" for ln in lines[1:]]
    return [f"{pad}{ln}".rstrip() for ln in lines]
