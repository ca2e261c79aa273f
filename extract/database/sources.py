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
from typing import NamedTuple

from extract.errors import HyokaError

FILES = ("sources.csv", "sources.toml")
MAX_BYTES = 4 * 1024 * 1024  # 40,000 lines of 100 characters
MAX_URL = 2000
_URL = re.compile(r"https?://[!-~]+")  # printable ASCII, no space or control character


class SourcesFileError(HyokaError):
    """A sources file that cannot be read: the build stops and changes nothing."""


class Sources(NamedTuple):
    """What the sources files say, and their fingerprint (part of "nothing changed")."""

    digest: str  # '' when there is no sources file
    urls: dict[str, str]  # PDF file name -> publisher's URL


def _entries(path: Path, text: str) -> list[tuple[str, str]]:
    """(file name, URL) pairs as the file gives them, unchecked."""
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


def read_sources(folders: list[Path]) -> Sources:
    """File name -> publisher's URL from every sources file in these folders, each read once."""
    urls: dict[str, str] = {}
    digest = hashlib.sha256()
    found = _present(folders)
    for path in found:
        try:
            if path.stat().st_size > MAX_BYTES:
                raise SourcesFileError(path, f"over {MAX_BYTES // (1024 * 1024)} MiB: not a list of sources")
            data = path.read_bytes()
            entries = _entries(path, data.decode("utf-8-sig"))
        except (OSError, ValueError, UnicodeDecodeError, tomllib.TOMLDecodeError, csv.Error) as exc:
            why = exc.strerror if isinstance(exc, OSError) else exc
            raise SourcesFileError(path, f"cannot read the sources ({why})") from None
        digest.update(str(path).encode() + b"\0" + data)
        for name, url in entries:
            if not name or "/" in name or "\\" in name or name.startswith("."):
                raise SourcesFileError(path, f"{name!r}: a PDF's file name, without a folder")
            if len(url) > MAX_URL or not _URL.fullmatch(url):
                raise SourcesFileError(path, f"{name}: not an http(s) address: {url[:80]!r}")
            if urls.setdefault(name, url) != url:
                raise SourcesFileError(path, f"{name}: two addresses ({urls[name]} and {url})")
    return Sources(digest.hexdigest() if found else "", urls)
