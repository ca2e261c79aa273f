"""Build the database from PDFs: extract and load each new or changed PDF, then swap atomically.

A rerun with nothing new is answered from the manifest before the heavy stages are imported.

The build works on a copy of the database and renames it over the old one only at the end,
so a reader (or a crash, or a kill) never sees a half-written file and a failed file never
costs what was loaded before. A PDF already loaded (same SHA-256) is not parsed again.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from extract.errors import HyokaError
from extract.manifest import (
    REPORT_KEY,
    SHAPE_VERSION,
    extracted_source,
    holds,
    overrides_digest,
    sha256_of,
    stored_shape,
    up_to_date,
)
from extract.reading.isolate import run_isolated
from extract.settings import ExtractSettings

if TYPE_CHECKING:
    from extract.database.load import Database
    from schemas.report import Report


@dataclass
class BuildResult:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    partial: list[tuple[str, list[str]]] = field(default_factory=list)  # loaded, with problems
    warnings: list[str] = field(default_factory=list)  # asked for and not done (no file failed)
    written: bool = False


class StrictBuildFailed(HyokaError):
    """--strict: the first bad file stops the build and nothing is written."""


class OlderDatabase(HyokaError):
    """A database of another shape that this build cannot remake whole: nothing is changed."""


def build_database(
    pdfs: list[Path],
    db_path: Path,
    *,
    prune: bool = False,
    strict: bool = False,
    replace: bool = False,
    identity: Path | None = None,
    settings: ExtractSettings | None = None,
    workers: int = 1,
    on_file: Callable[[Path], None] | None = None,
) -> BuildResult:
    """Bring ``db_path`` up to date with ``pdfs``; bad files are listed, good ones still load.

    New PDFs are extracted by ``workers`` processes, in order, and loaded one at a time by
    this one, so memory does not grow with the number of reports.
    """
    if up_to_date(pdfs, db_path, identity, prune):
        for pdf in pdfs:
            if on_file:
                on_file(pdf)
        return BuildResult(unchanged=[p.name for p in pdfs])

    def fill(state: _State) -> None:
        todo: list[Path] = []
        for pdf in pdfs:
            reason = state.check(pdf)
            if reason == "extract":
                todo.append(pdf)
                continue
            if on_file:
                on_file(pdf)
            if reason:
                state.fail(pdf, reason, strict)
        if prune:  # before loading, so a renamed PDF replaces the report of its old name
            state.prune(pdfs)
        for pdf, outcome in _extract_all(todo, settings, workers):
            if on_file:
                on_file(pdf)
            reason = outcome if isinstance(outcome, str) else state.load(pdf, outcome)
            if reason:
                state.fail(pdf, reason, strict)

    folders = {p.resolve().parent for p in pdfs}  # where serve finds the PDFs again
    folder = str(folders.pop()) if len(folders) == 1 else None
    return _build(db_path, replace, identity, folder, {p.name for p in pdfs if p.is_file()}, fill)


def build_from_json(
    files: list[Path],
    db_path: Path,
    *,
    prune: bool = False,
    strict: bool = False,
    replace: bool = False,
    identity: Path | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> BuildResult:
    """Load reports extracted elsewhere (`hyoka extract -o DIR`, one JSON per PDF) in this one
    writer; a report is known by the SHA-256 and file name of its PDF, as when built from it."""
    sources = [source for source in map(extracted_source, files) if source]
    if len(sources) == len(files) and holds(sources, db_path, identity, prune):  # without pydantic, no copy
        for path in files:
            if on_file:
                on_file(path)
        return BuildResult(unchanged=[name for _, name in sources])

    def fill(state: _State) -> None:
        reports: list[tuple[Path, Report]] = []
        for path in files:
            outcome = _read_report(path)
            if isinstance(outcome, str):
                state.fail(path, outcome, strict)
            elif not state.known_as(outcome):
                reports.append((Path(outcome.report.source.file), outcome))
            if on_file:
                on_file(path)
        if prune:
            state.prune_names({r.report.source.file for _, r in reports} | state.names_seen())
        for pdf, report in reports:
            reason = state.load(pdf, report)
            if reason:
                state.fail(pdf, reason, strict)

    return _build(db_path, replace, identity, None, {name for _, name in sources}, fill)


def _read_report(path: Path) -> Report | str:
    """One extracted report; a reason when the file is not one."""
    from pydantic import ValidationError

    from schemas.report import Report

    try:
        return Report.model_validate_json(path.read_bytes())
    except OSError as exc:
        return f"cannot read the file ({exc.strerror})"
    except ValidationError as exc:
        return f"not an extracted report ({exc.error_count()} error(s), first: {exc.errors()[0]['msg']})"


def _build(
    db_path: Path,
    replace: bool,
    identity: Path | None,
    folder: str | None,
    given: set[str],
    fill: Callable[[_State], None],
) -> BuildResult:
    """Open a working copy, let ``fill`` load and remove reports, link and swap it in. A
    database of an older shape is remade from scratch, from the files given (all of its own)."""
    result = BuildResult()
    older = _older_files(db_path, given)
    fresh = older is not None
    with _working_copy(db_path, fresh) as (db, tmp):
        from extract.database.load import ensure_db_shape

        reshaped = ensure_db_shape(db)  # from here on, each report keeps its own index rows
        state = _State(db, result, replace)
        fill(state)
        if older is not None:
            _check_remade(db_path, older, result)
        changed = bool(result.loaded or result.removed or not db_path.exists() or reshaped or fresh)
        series = None if reshaped else state.series
        result.written = _finish(db, tmp, db_path, identity, changed, folder, series)
    return result


def _finish(
    db: Database,
    tmp: Path,
    db_path: Path,
    identity: Path | None,
    changed: bool,
    folder: str | None,
    series: set[str] | None,
) -> bool:
    """Link the series that changed (all when ``series`` is None or the overrides changed) and
    swap the working copy in, if anything changed; whether it was written."""
    from extract.database.history import link_reports, load_overrides
    from extract.database.load import ensure_views, store_setting, stored_setting

    digest = overrides_digest(identity)
    same_folder = folder is None or stored_setting(db, "pdf_folder") == folder
    same_overrides = stored_setting(db, "identity_digest") == digest
    if not changed and same_folder and same_overrides:
        return False
    ensure_views(db)
    link_reports(db, load_overrides(identity), series if same_overrides else None)
    store_setting(db, "identity_digest", digest)
    if folder:
        store_setting(db, "pdf_folder", folder)
    db.close()
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())  # whole on disk before it takes the database's name
    os.replace(tmp, db_path)
    return True


def _older_files(db_path: Path, given: set[str]) -> list[str] | None:
    """The files of a database of an older shape (it is then remade from them), None for one of
    this shape; an error when some of its files are not given, so that nothing loaded is lost."""
    shape, files = stored_shape(db_path)
    if shape is None or shape == SHAPE_VERSION:
        return None
    _refuse_unless_all(db_path, shape, set(files) - given, "not given")
    return files


def _check_remade(db_path: Path, files: list[str], result: BuildResult) -> None:
    """A file given that did not load again (missing, failed) would be lost: nothing is written."""
    shape, _ = stored_shape(db_path)
    _refuse_unless_all(db_path, shape or "", set(files) - set(result.loaded), "not loaded again")


def _refuse_unless_all(db_path: Path, shape: str, missing: set[str], how: str) -> None:
    if not missing:
        return
    names = sorted(missing)
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    raise OlderDatabase(
        db_path,
        f"made by an older hyoka (shape {shape or 'unknown'}, now {SHAPE_VERSION}): build it again from "
        f"all its files ({how}: {', '.join(names[:3])}{more})",
    )


@contextmanager
def _working_copy(db_path: Path, fresh: bool = False) -> Iterator[tuple[Database, Path]]:
    """A copy of the database to build in (an empty one when ``fresh``); whatever happens, no
    temporary file is left."""
    from extract.database.load import open_database

    db_path.parent.mkdir(parents=True, exist_ok=True)
    for stale in db_path.parent.glob(f"{db_path.name}.tmp-*"):
        stale.unlink()  # left by a build that was killed
    tmp = db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
    if db_path.exists() and not fresh:
        shutil.copyfile(db_path, tmp)
    db = open_database(tmp, scratch=True)
    try:
        yield db, tmp
    finally:
        db.close()
        if tmp.exists():
            tmp.unlink()


def _extract_one(job: tuple[Path, ExtractSettings | None]) -> Report | str:
    """Extract one PDF; a reason string when it is not a report (runs in a worker)."""
    from extract.reading.pipeline import extract_pdf

    pdf, settings = job
    try:
        return extract_pdf(pdf, settings)
    except HyokaError as exc:
        return exc.reason
    except Exception as exc:  # a PDF that breaks the parser must not stop the other files
        return f"cannot extract ({type(exc).__name__}: {exc})"


def _extract_all(
    pdfs: list[Path], settings: ExtractSettings | None, workers: int
) -> Iterator[tuple[Path, Report | str]]:
    """Each PDF in its own forked child (see isolate.py): a crash in pdfium costs one file."""
    import extract.reading.pipeline  # noqa: F401  (imported once here, inherited by every fork)

    jobs = [(pdf, settings) for pdf in pdfs]
    for pdf, (ok, value) in zip(pdfs, run_isolated(_extract_one, jobs, workers), strict=True):
        yield pdf, value if ok or isinstance(value, str) else f"cannot extract ({value})"


@dataclass
class _State:
    """What the database holds while the build goes: reports by SHA-256 and by file name."""

    db: Database
    result: BuildResult
    replace: bool
    known: dict[str, dict] = field(default_factory=dict)
    by_file: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    series: set[str] = field(default_factory=set)  # of the reports added or removed: linked again

    def __post_init__(self) -> None:
        from extract.database.load import loaded_reports

        self.known = loaded_reports(self.db)
        self.by_file = {row["file"]: sha for sha, row in self.known.items()}

    def fail(self, pdf: Path, reason: str, strict: bool) -> None:
        self.result.failed.append((pdf.name, reason))
        if strict:
            raise StrictBuildFailed(pdf, reason)

    def check(self, pdf: Path) -> str | None:
        """None when already loaded, 'extract' when new or changed, else why it is refused."""
        if not pdf.exists():
            return "no such file"
        try:
            sha = sha256_of(pdf)
        except OSError as exc:
            return f"cannot read the file ({exc.strerror})"
        if sha not in self.known:
            return "extract"
        if self.known[sha]["file"] != pdf.name:
            return f"duplicate of {self.known[sha]['file']} (same SHA-256): not loaded twice"
        self.seen.add(sha)
        self.result.unchanged.append(pdf.name)
        return None

    def load(self, pdf: Path, report: Report) -> str | None:
        """Load a new report (replacing the file's old one); why not, when it clashes."""
        sha = report.report.source.sha256
        if sha in self.known:  # the same bytes under two names, both new in this build
            return f"duplicate of {self.known[sha]['file']} (same SHA-256): not loaded twice"
        key = tuple(getattr(report.report, k) for k in REPORT_KEY)
        clash = next(
            (
                s
                for s, row in self.known.items()
                if row["file"] != pdf.name
                and tuple(row[k] for k in REPORT_KEY) == key
                and self._same_items(s, report)
            ),
            None,
        )
        if clash and not self.replace:
            label = " / ".join(str(k) for k in key)
            return (
                f"same report as {self.known[clash]['file']} ({label}): remove one, or rebuild with --replace"
            )
        if clash:
            self._delete(clash)
        if pdf.name in self.by_file:  # the PDF changed: its new content replaces the old report
            self._delete(self.by_file[pdf.name], count=False)
        from extract.database.load import load_report, series_key

        load_report(self.db, report)
        self.series.add(series_key(report))
        if report.problems:
            self.result.partial.append((pdf.name, [f"p.{p.page}: {p.message}" for p in report.problems]))
        self.known[sha] = {
            "file": pdf.name, "series": series_key(report), **dict(zip(REPORT_KEY, key, strict=True))
        }  # fmt: skip
        self.by_file[pdf.name] = sha
        self.seen.add(sha)
        self.result.loaded.append(pdf.name)
        return None

    def _same_items(self, sha: str, report: Report) -> bool:
        """Two PDFs of one key clash when they share an item; sheets split from one publication
        into several files (one project each) do not."""
        from extract.database.load import item_keys

        return bool(item_keys(self.db, sha) & item_keys(report))

    def known_as(self, report: Report) -> bool:
        """Whether this report is loaded already under its own file name (then unchanged)."""
        sha, name = report.report.source.sha256, report.report.source.file
        if sha not in self.known or self.known[sha]["file"] != name:
            return False
        self.seen.add(sha)
        self.result.unchanged.append(name)
        return True

    def names_seen(self) -> set[str]:
        return {self.known[sha]["file"] for sha in self.seen if sha in self.known}

    def prune(self, pdfs: list[Path]) -> None:
        """Remove reports whose PDF is no longer given; never when a given path is unreadable."""
        if any(not p.is_file() for p in pdfs):
            self.result.warnings.append("--prune: some given PDFs are missing, so nothing was removed")
            return
        self.prune_names({p.name for p in pdfs})

    def prune_names(self, names: set[str]) -> None:
        for sha, row in list(self.known.items()):
            if row["file"] not in names and sha not in self.seen:
                self._delete(sha)

    def _delete(self, sha: str, count: bool = True) -> None:
        from extract.database.history import unlink_report
        from extract.database.load import delete_report

        unlink_report(self.db, sha)
        delete_report(self.db, sha)
        row = self.known.pop(sha)
        self.series.add(row["series"])
        self.by_file.pop(row["file"], None)
        if count:
            self.result.removed.append(row["file"])
