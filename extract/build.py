"""Build the database from PDFs: extract and load each new or changed PDF, then swap atomically.

The build works on a copy of the database and renames it over the old one only at the end,
so a reader (or a crash, or a kill) never sees a half-written file and a failed file never
costs what was loaded before. A PDF already loaded (same SHA-256) is not parsed again.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from extract.errors import HyokaError
from extract.history import link_reports, load_overrides, overrides_digest
from extract.load import (
    REPORT_KEY,
    Database,
    delete_report,
    ensure_db_shape,
    load_report,
    loaded_reports,
    open_database,
    store_setting,
    stored_setting,
)
from extract.pipeline import extract_pdf
from extract.read import sha256_of
from extract.settings import ExtractSettings


@dataclass
class BuildResult:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    partial: list[tuple[str, list[str]]] = field(default_factory=list)  # loaded, with problems
    written: bool = False


class StrictBuildFailed(HyokaError):
    """--strict: the first bad file stops the build and nothing is written."""


def build_database(
    pdfs: list[Path],
    db_path: Path,
    *,
    prune: bool = False,
    strict: bool = False,
    replace: bool = False,
    identity: Path | None = None,
    settings: ExtractSettings | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> BuildResult:
    """Bring ``db_path`` up to date with ``pdfs``; bad files are listed, good ones still load."""
    result = BuildResult()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
    for stale in db_path.parent.glob(f"{db_path.name}.tmp-*"):
        stale.unlink()
    if db_path.exists():
        shutil.copyfile(db_path, tmp)
    db = open_database(tmp)
    try:
        known = loaded_reports(db)
        by_file = {row["file"]: sha for sha, row in known.items()}
        seen: set[str] = set()
        for pdf in pdfs:
            if on_file:
                on_file(pdf)
            reason = _add(db, pdf, known, by_file, seen, result, settings, replace)
            if reason:
                result.failed.append((pdf.name, reason))
                if strict:
                    raise StrictBuildFailed(pdf, reason)
        if prune:
            names = {p.name for p in pdfs}
            for sha, row in list(known.items()):
                if row["file"] not in names and sha not in seen:
                    delete_report(db, sha)
                    result.removed.append(row["file"])
        digest = overrides_digest(identity)
        changed = bool(result.loaded or result.removed or not db_path.exists())
        changed = changed or stored_setting(db, "identity_digest") != digest
        if changed:
            ensure_db_shape(db)
            link_reports(db, load_overrides(identity))
            store_setting(db, "identity_digest", digest)
        db.close()
        if changed:
            os.replace(tmp, db_path)
            result.written = True
        else:
            tmp.unlink()
    finally:
        db.close()
        if tmp.exists():
            tmp.unlink()
    return result


def _add(
    db: Database,
    pdf: Path,
    known: dict[str, dict],
    by_file: dict[str, str],
    seen: set[str],
    result: BuildResult,
    settings: ExtractSettings | None,
    replace: bool,
) -> str | None:
    """Load one PDF unless it is already there; the reason it could not be loaded, or None."""
    try:
        sha = sha256_of(pdf)
    except OSError as exc:
        return f"cannot read the file ({exc.strerror})"
    if sha in known:
        if known[sha]["file"] != pdf.name:
            return f"duplicate of {known[sha]['file']} (same SHA-256): not loaded twice"
        seen.add(sha)
        result.unchanged.append(pdf.name)
        return None
    try:
        report = extract_pdf(pdf, settings)
    except HyokaError as exc:
        return exc.reason
    except Exception as exc:  # a PDF that breaks the parser must not stop the other files
        return f"cannot extract ({type(exc).__name__}: {exc})"
    key = tuple(getattr(report.report, k) for k in REPORT_KEY)
    clash = next(
        (
            sha
            for sha, row in known.items()
            if row["file"] != pdf.name and tuple(row[k] for k in REPORT_KEY) == key
        ),
        None,
    )
    if clash and not replace:
        label = " / ".join(str(k) for k in key)
        return f"same report as {known[clash]['file']} ({label}): remove one, or rebuild with --replace"
    if clash:
        delete_report(db, clash)
        by_file.pop(known[clash]["file"], None)
        result.removed.append(known.pop(clash)["file"])
    if pdf.name in by_file:  # the PDF changed: its new content replaces the old report
        delete_report(db, by_file[pdf.name])
        known.pop(by_file[pdf.name], None)
    load_report(db, report)
    if report.problems:
        result.partial.append((pdf.name, [f"p.{p.page}: {p.message}" for p in report.problems]))
    known[sha] = {"file": pdf.name, **dict(zip(REPORT_KEY, key, strict=True))}
    by_file[pdf.name] = sha
    seen.add(sha)
    result.loaded.append(pdf.name)
    return None
