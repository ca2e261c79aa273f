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
from dataclasses import dataclass, field
from pathlib import Path

BUILTIN_LAYOUTS = Path(__file__).parent / "layouts"
_NAME_SCAN_BYTES = 256 * 1024  # a larger layout file is refused when loaded (schemas.layout)
REPORT_KEY = ("municipality", "publisher", "fiscal_year", "title")  # one report per key; --replace swaps
SHAPE_VERSION = "10"  # of the tables, views and search indexes: a database of another is rebuilt once


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


def _layout_name(path: Path) -> str:
    """The ``name`` a layout file gives its layout, read with the standard library (its file
    name's stem when it cannot be read: loading it then says why)."""
    import tomllib

    try:
        if path.stat().st_size <= _NAME_SCAN_BYTES:
            name = tomllib.loads(path.read_text(encoding="utf-8")).get("name")
            if isinstance(name, str) and name:
                return name
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        pass
    return path.stem


@dataclass
class LayoutFiles:
    """The layout files a command may read, by the ``name`` each gives its layout: the
    built-in ones, then each user folder's, a user's file of a built-in name replacing it.
    ``stems``: a file's name without .toml, an alias of its layout's name; ``clashes``: names
    that two user files give."""

    by_name: dict[str, Path] = field(default_factory=dict)
    stems: dict[str, str] = field(default_factory=dict)
    clashes: dict[str, list[Path]] = field(default_factory=dict)


def layout_files(folders: tuple[Path, ...]) -> LayoutFiles:
    found = LayoutFiles()
    builtin: set[str] = set()
    for folder in (BUILTIN_LAYOUTS, *folders):
        try:
            files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
        except OSError:
            files = []
        for path in files:
            name = _layout_name(path)
            if name in found.by_name and name not in builtin and found.by_name[name] != path:
                found.clashes.setdefault(name, [found.by_name[name]]).append(path)
            if folder == BUILTIN_LAYOUTS:
                builtin.add(name)
            else:
                builtin.discard(name)
            found.by_name[name] = path
            found.stems.setdefault(path.stem, name)
    return found


def layout_digests(folders: tuple[Path, ...], forced: str | None = None) -> dict[str, str]:
    """SHA-256 of each layout file's content, by layout name (``forced``: a --layout given as
    a file's path counts too): what a report read with that layout was read with."""
    paths = dict(layout_files(folders).by_name)
    if forced and (forced.endswith(".toml") or Path(forced).is_file()):
        paths[_layout_name(Path(forced))] = Path(forced)
    digests = {}
    for name, path in paths.items():
        try:
            digests[name] = sha256_of(path)
        except OSError:
            continue
    return digests


def up_to_date(
    pdfs: list[Path],
    db_path: Path,
    identity: Path | None,
    prune: bool,
    digests: dict[str, str],
    sources: str = "",
) -> bool:
    """True when every PDF is loaded under its own name, read with the layout files as they
    are now (``digests``), with the sources files as they are (``sources``: their digest), and
    nothing else would change."""
    try:
        wanted = [(sha256_of(p), p.name, None) for p in pdfs]
    except OSError:
        return False
    return (_setting(db_path, "sources_digest") or "") == sources and holds(
        wanted, db_path, identity, prune, digests
    )


def extracted_source(path: Path) -> tuple[str, str, str | None] | None:
    """(SHA-256, file name) of the PDF an extracted report (JSON) came from and the SHA-256 of
    the layout file it was read with (None from a JSON of before), read cheaply."""
    try:
        data = json.loads(path.read_bytes())
        source, layout = data["report"]["source"], data.get("layout") or {}
        return source["sha256"], source["file"], layout.get("sha256")
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
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


def holds(
    wanted: list[tuple[str, str, str | None]],
    db_path: Path,
    identity: Path | None,
    prune: bool,
    digests: dict[str, str] | None = None,
) -> bool:
    """True when the database holds exactly these (SHA-256, file name, layout file's SHA-256)
    and nothing would change. ``digests``: the layout files' SHA-256 by layout name, which a
    report's must equal (for PDFs, whose layout is known once read); else the one wanted."""
    rows = read_rows(db_path, "select sha256, file, layout, layout_sha256 from reports")
    if rows is None or _setting(db_path, "identity_digest") != overrides_digest(identity):
        return False
    if _setting(db_path, "shape_version") != SHAPE_VERSION:
        return False
    loaded = {sha: (name, layout, digest) for sha, name, layout, digest in rows}
    if len({sha for sha, _, _ in wanted}) != len(wanted):
        return False
    for sha, name, digest in wanted:
        held = loaded.get(sha)
        if held is None or held[0] != name:
            return False
        if held[2] != (digests.get(held[1]) if digests is not None else digest):
            return False
    return not (prune and set(loaded) - {sha for sha, _, _ in wanted})


def stored_shape(db_path: Path) -> tuple[str | None, list[str]]:
    """(shape version, files of its reports) of a database hyoka built; (None, []) when there is
    no such database, ('', files) for one from before shape versions."""
    files = read_rows(db_path, "select file from reports")
    if files is None:
        return None, []
    return _setting(db_path, "shape_version") or "", [row[0] for row in files]
