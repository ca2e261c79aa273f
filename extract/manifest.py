"""What a database already holds, read with the standard library only.

A rerun with nothing new must finish in well under a second, so this check runs before
pdfplumber, sqlite-utils or pydantic are even imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

REPORT_KEY = ("municipality", "publisher", "fiscal_year", "title")  # one report per key; --replace swaps
SHAPE_VERSION = "6"  # of the tables, views and search indexes: a database of another is rebuilt once


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cannot_read(path: Path, exc: OSError) -> str:
    """Why a given PDF could not be opened, in one line (a folder given is one that could not
    be listed; a symbolic link loop is ELOOP)."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    try:
        os.listdir(path)
    except NotADirectoryError:
        return f"cannot read the file ({exc.strerror})"
    except OSError as why:
        if os.path.isdir(path):
            return f"cannot read the folder ({why.strerror})"
        return f"cannot read the file ({exc.strerror})"
    return "a folder, not a PDF"


def unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be read as a PDF; None when it opens."""
    try:
        with path.open("rb"):
            return None
    except OSError as exc:
        return cannot_read(path, exc)


def name_clashes(
    pdfs: list[Path], key: Callable[[Path], str], held: Callable[[str], str | None]
) -> dict[Path, str]:
    """The PDFs refused because another PDF given has the same name (``key``: the file name, or
    the JSON's), and why. A report is known by its file name (its /pdfs/ link, --prune, its
    JSON), so one PDF per name is kept: the one whose SHA-256 is ``held`` under that name already
    (loaded, or extracted), else the first given; the same choice on every rerun, in any order."""
    groups: dict[str, list[Path]] = {}
    for pdf in pdfs:
        groups.setdefault(key(pdf), []).append(pdf)
    refused: dict[Path, str] = {}
    for name, group in groups.items():
        if len(group) < 2:
            continue
        shas = {}
        for pdf in group:
            try:
                shas[pdf] = sha256_of(pdf)
            except OSError:
                continue  # it fails on its own, as unreadable
        kept = next((p for p in shas if shas[p] == held(name)), next(iter(shas), None))
        for pdf in shas:
            if pdf is kept:
                continue
            refused[pdf] = (
                f"duplicate of {kept} (same SHA-256): read once"
                if shas[pdf] == shas[kept]
                else f"same file name as {kept}, another PDF: rename one (a report is known by its file name)"
            )
    return refused


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
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
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
