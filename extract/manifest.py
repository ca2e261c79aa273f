"""What a database already holds, read with the standard library only.

A rerun with nothing new must finish in well under a second, so this check runs before
pdfplumber, sqlite-utils or pydantic are even imported.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

REPORT_KEY = ("municipality", "publisher", "fiscal_year", "title")  # one report per key; --replace swaps
SHAPE_VERSION = "7"  # of the tables, views and search indexes: a database of another is rebuilt once


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def overrides_digest(path: Path | None) -> str:
    """Fingerprint of the identity overrides file ('' when there is none)."""
    return sha256_of(path) if path and path.is_file() else ""


def up_to_date(pdfs: list[Path], db_path: Path, identity: Path | None, prune: bool) -> bool:
    """True when every PDF is loaded under its own name and nothing else would change."""
    try:
        wanted = [(sha256_of(p), p.name) for p in pdfs]
    except OSError:
        return False
    return holds(wanted, db_path, identity, prune)


def extracted_source(path: Path) -> tuple[str, str] | None:
    """(SHA-256, file name) of the PDF an extracted report (JSON) came from, read cheaply."""
    try:
        source = json.loads(path.read_bytes())["report"]["source"]
        return source["sha256"], source["file"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_rows(db_path: Path, sql: str) -> list[tuple] | None:
    """The rows of a read-only query, None when there is no such database or it cannot answer."""
    if not db_path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _setting(db_path: Path, name: str) -> str | None:
    rows = read_rows(db_path, f"select value from build_info where name = '{name}'")
    return rows[0][0] if rows else None


def holds(wanted: list[tuple[str, str]], db_path: Path, identity: Path | None, prune: bool) -> bool:
    """True when the database holds exactly these (SHA-256, file name) and nothing would change."""
    rows = read_rows(db_path, "select sha256, file from reports")
    if rows is None or _setting(db_path, "identity_digest") != overrides_digest(identity):
        return False
    if _setting(db_path, "shape_version") != SHAPE_VERSION:
        return False
    loaded = dict(rows)
    if len(dict(wanted)) != len(wanted) or any(loaded.get(sha) != name for sha, name in wanted):
        return False
    return not (prune and set(loaded) - {sha for sha, _ in wanted})


def stored_shape(db_path: Path) -> tuple[str | None, list[str]]:
    """(shape version, files of its reports) of a database hyoka built; (None, []) when there is
    no such database, ('', files) for one from before shape versions."""
    files = read_rows(db_path, "select file from reports")
    if files is None:
        return None, []
    return _setting(db_path, "shape_version") or "", [row[0] for row in files]
