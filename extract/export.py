"""CSV that Excel on a Japanese Windows machine opens correctly: UTF-8 with a byte-order mark."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

BOM = "\ufeff"
EXPORTABLE = ("evaluation_rows", "comments", "evaluations")


def excel_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV text with a BOM and CRLF line ends, as Excel expects."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def export_table(db_path: Path, table: str = "evaluation_rows") -> str:
    """The whole table or view as Excel-ready CSV text."""
    if table not in EXPORTABLE:
        raise ValueError(f"cannot export {table!r}; choose one of {', '.join(EXPORTABLE)}")
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no database (run `hyoka build` first)")
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        cursor = conn.execute(f"SELECT * FROM [{table}]")
        columns = [d[0] for d in cursor.description]
        return excel_csv(columns, cursor.fetchall())
    finally:
        conn.close()
