"""Where each PDF was published: ``sources.csv`` (file,url) or ``sources.toml`` ([sources]
"file.pdf" = "https://…") beside the PDFs, so that a journalist cites the publisher's page,
not only this site's copy.

User input: each file is bounded before it is parsed, every URL is an http(s) address of
printable characters, every name a plain file name; anything else stops the build in one line
(nothing is changed). The build keeps the mapping in the table ``sources`` and reads the files
again on every run (their digest is part of "nothing changed").
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tomllib
from pathlib import Path

from extract.errors import HyokaError

FILES = ("sources.csv", "sources.toml")
MAX_BYTES = 4 * 1024 * 1024  # 40,000 lines of 100 characters
MAX_URL = 2000
_URL = re.compile(r"https?://[!-~]+")  # printable ASCII, no space or control character


class SourcesFileError(HyokaError):
    """A sources file that cannot be read: the build stops and changes nothing."""


def _entries(path: Path) -> list[tuple[str, str]]:
    """(file name, URL) pairs as the file gives them, unchecked."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".toml":
        table = tomllib.loads(text).get("sources", {})
        if not isinstance(table, dict):
            raise ValueError("[sources] is not a table of file = url")
        return [(str(k), v if isinstance(v, str) else repr(v)) for k, v in table.items()]
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    if rows and [c.strip().lower() for c in rows[0][:2]] == ["file", "url"]:
        rows = rows[1:]
    if any(len(r) != 2 for r in rows):
        raise ValueError("each line is file,url")
    return [(r[0].strip(), r[1].strip()) for r in rows]


def _present(folders: list[Path]) -> list[Path]:
    """The sources files in these folders (a folder that cannot be looked into has none: its
    PDFs fail on their own, in one line each)."""
    found = []
    for path in (folder / name for folder in folders for name in FILES):
        try:
            if path.is_file():
                found.append(path)
        except OSError:
            continue
    return found


def read_sources(folders: list[Path]) -> dict[str, str]:
    """File name -> publisher's URL, from every sources file in these folders."""
    out: dict[str, str] = {}
    for path in _present(folders):
        try:
            if path.stat().st_size > MAX_BYTES:
                raise SourcesFileError(path, f"over {MAX_BYTES // (1024 * 1024)} MiB: not a list of sources")
            entries = _entries(path)
        except (OSError, ValueError, UnicodeDecodeError, tomllib.TOMLDecodeError, csv.Error) as exc:
            why = exc.strerror if isinstance(exc, OSError) else exc
            raise SourcesFileError(path, f"cannot read the sources ({why})") from None
        for name, url in entries:
            if not name or "/" in name or "\\" in name or name.startswith("."):
                raise SourcesFileError(path, f"{name!r}: a PDF's file name, without a folder")
            if len(url) > MAX_URL or not _URL.fullmatch(url):
                raise SourcesFileError(path, f"{name}: not an http(s) address: {url[:80]!r}")
            if out.setdefault(name, url) != url:
                raise SourcesFileError(path, f"{name}: two addresses ({out[name]} and {url})")
    return out


def sources_digest(folders: list[Path]) -> str:
    """Fingerprint of the sources files in these folders ('' when there is none)."""
    found = _present(folders)
    if not found:
        return ""
    digest = hashlib.sha256()
    for path in found:
        try:
            with path.open("rb") as fh:
                digest.update(str(path).encode() + b"\0" + fh.read(MAX_BYTES + 1))
        except OSError:
            digest.update(str(path).encode() + b"\0unreadable")  # read_sources says why
    return digest.hexdigest()
