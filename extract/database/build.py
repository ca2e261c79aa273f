"""Build the database from PDFs: extract and load each new or changed PDF, in one transaction.

A rerun with nothing new is answered from the manifest before the heavy stages are imported.
One build of a database runs at a time (lock.py).

An existing database is changed in place, in one SQLite transaction in WAL mode: a reader (or a
crash, or a kill) sees the database as the last build left it until the commit, a failed file
never costs what was loaded before, and adding a PDF writes that PDF's pages, not the file (a
copy of the whole file cost 2.23 s of the 2.23 s to add one PDF at 10,000 reports). A new
database is built in a temporary file and renamed in, so a failed first build leaves none. A
PDF already loaded (same SHA-256) is not parsed again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from extract.database.build_state import BuildResult, BuildState, is_file
from extract.database.lock import BuildRefused, holding_lock
from extract.database.sources import Sources, read_sources
from extract.errors import HyokaError, PdfTooCostly
from extract.manifest import (
    SHAPE_VERSION,
    extracted_source,
    holds,
    layout_digests,
    name_clashes,
    overrides_digest,
    stored_shape,
    up_to_date,
)
from extract.reading.isolate import run_isolated
from extract.settings import ExtractSettings

if TYPE_CHECKING:
    from extract.database.load import Database
    from schemas.report import Report


_GRACE = 5.0  # seconds a reading child is given past the budget to stop by itself


class OlderDatabase(HyokaError):
    """A database of another shape that this build cannot remake whole: nothing is changed."""


class LayoutUnusable(BuildRefused):
    """A layout file that does not load: the build stops before reading any PDF."""


@holding_lock
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
    settings = settings or ExtractSettings()
    digests = layout_digests(tuple(Path(d) for d in settings.layouts), settings.layout)
    folders = sorted({p.parent for p in pdfs})
    sources = read_sources(folders)  # a bad file stops here, before any change
    if up_to_date(pdfs, db_path, identity, prune, digests, sources.digest):
        for pdf in pdfs:
            if on_file:
                on_file(pdf)
        return BuildResult(unchanged=[p.name for p in pdfs])
    _check_layouts(settings)

    def fill(state: BuildState) -> None:
        todo: list[Path] = []
        clashes = name_clashes(pdfs, lambda p: p.name, state.by_file.get)
        for pdf in pdfs:
            if pdf in clashes:  # named by its path: the name alone is the other PDF's too
                if on_file:
                    on_file(pdf)
                state.fail(pdf, clashes[pdf], strict, name=str(pdf))
                continue
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
            reason = outcome if isinstance(outcome, str) else state.load(pdf, outcome, _folder_of(pdf))
            if reason:
                state.fail(pdf, reason, strict)

    folders = {_folder_of(p) for p in pdfs}  # where serve finds the PDFs again
    folder = str(folders.pop()) if len(folders) == 1 else None
    given = {p.name for p in pdfs if is_file(p)}
    return _build(db_path, replace, identity, folder, given, fill, digests, sources)


def _folder_of(pdf: Path) -> Path:
    """The folder of a PDF by the name the user gave it: a symbolic link's own folder, not its
    target's (the site serves the PDF by that name from there)."""
    return Path(os.path.abspath(pdf)).parent


def _check_layouts(settings: ExtractSettings | None) -> None:
    """Every layout the PDFs would be read with loads; else one line, before any PDF is read."""
    from extract.reading.layout import LayoutError
    from extract.reading.pipeline import candidate_layouts

    try:
        candidate_layouts(settings or ExtractSettings())
    except LayoutError as exc:
        raise LayoutUnusable(Path(), f"{exc} (nothing was read)") from None


@holding_lock
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
        return BuildResult(unchanged=[name for _, name, _ in sources])

    def fill(state: BuildState) -> None:
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

    return _build(db_path, replace, identity, None, {name for _, name, _ in sources}, fill)


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
    fill: Callable[[BuildState], None],
    digests: dict[str, str] | None = None,
    sources: Sources | None = None,
) -> BuildResult:
    """Open the database for writing, let ``fill`` load and remove reports, link them and commit.
    A database of an older shape is remade from scratch, from the files given (all of its own)."""
    result = BuildResult()
    if db_path.is_symlink():  # build the database the link names: the link stays a link
        db_path = db_path.resolve()
    _refuse_unless_sqlite(db_path)
    older = _older_database(db_path, given)
    with _writing(db_path, fresh=older is not None) as (db, tmp):
        from extract.database.load import ensure_db_shape

        reshaped = ensure_db_shape(db)  # from here on, each report keeps its own index rows
        state = BuildState(db, result, replace, digests=digests)
        fill(state)
        if older is not None:
            _refuse_unless_all(db_path, older[0], set(older[1]) - set(result.loaded), "not loaded again")
        changed = bool(result.loaded or result.removed or not db_path.exists() or reshaped)
        series = None if reshaped else state.series
        result.written = _finish(db, tmp, db_path, identity, changed, folder, series, sources)
    return result


_SQLITE_HEADER = b"SQLite format 3\x00"


class NotADatabase(HyokaError):
    """--db names a file that is not an SQLite database (a typo: --db raw/report.pdf)."""


def _refuse_unless_sqlite(db_path: Path) -> None:
    """A file at the database's path that is not SQLite is refused before anything is read:
    it is not overwritten, and no working copy is left beside it."""
    try:
        with db_path.open("rb") as fh:
            head = fh.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise NotADatabase(db_path, f"cannot read the database ({exc.strerror})") from None
    if head and head != _SQLITE_HEADER:
        raise NotADatabase(db_path, "not an SQLite database: give another --db")


def _finish(
    db: Database,
    tmp: Path | None,
    db_path: Path,
    identity: Path | None,
    changed: bool,
    folder: str | None,
    series: set[str] | None,
    sources: Sources | None = None,
) -> bool:
    """Link the series that changed (all when ``series`` is None or the overrides changed),
    keep the publishers' addresses (``sources``: digest and mapping, None to leave them) and
    commit, if anything changed; whether it was written. A new database (``tmp``) is renamed in."""
    from extract.database.history import link_reports, load_overrides
    from extract.database.load import ensure_views, store_setting, stored_setting

    digest = overrides_digest(identity)
    same_folder = folder is None or stored_setting(db, "pdf_folder") == folder
    same_overrides = stored_setting(db, "identity_digest") == digest
    same_sources = sources is None or (stored_setting(db, "sources_digest") or "") == sources.digest
    if not changed and same_folder and same_overrides and same_sources:
        db.execute("COMMIT")  # nothing of the reports: what ensure_db_shape added, if anything
        return False
    if sources is not None:
        db["sources"].delete_where()
        db["sources"].insert_all(({"file": f, "url": u} for f, u in sorted(sources.urls.items())), pk="file")
        store_setting(db, "sources_digest", sources.digest)
    ensure_views(db)
    link_reports(db, load_overrides(identity), series if same_overrides else None)
    store_setting(db, "identity_digest", digest)
    if folder:
        store_setting(db, "pdf_folder", folder)
    db.execute("COMMIT")
    if tmp is not None:
        db.execute("PRAGMA journal_mode = WAL")  # how every later build writes it (see _writing)
        db.close()
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())  # whole on disk before it takes the database's name
        for leftover in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
            leftover.unlink(missing_ok=True)  # of a database deleted while read: SQLite would replay it
        os.replace(tmp, db_path)
    return True


def _older_database(db_path: Path, given: set[str]) -> tuple[str, list[str]] | None:
    """(shape, files) of a database of an older shape, which is then remade from its files; None
    for one of this shape. An error when some of its files are not given: nothing is lost."""
    shape, files = stored_shape(db_path)
    if shape is None or shape == SHAPE_VERSION:
        return None
    _refuse_unless_all(db_path, shape, set(files) - given, "not given")
    return shape, files


def _refuse_unless_all(db_path: Path, shape: str, missing: set[str], how: str) -> None:
    """An older database remade without some of its files (not given, or given and not loaded
    again) would lose their reports: the build stops and writes nothing."""
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
def _writing(db_path: Path, fresh: bool = False) -> Iterator[tuple[Database, Path | None]]:
    """The database to build in, in an open transaction that ``_finish`` commits: whatever else
    happens it is rolled back. An existing database in place (emptied first when ``fresh``), with
    the path of the temporary file None; a new one in a temporary file (no commit waits for the
    disk: it is synced once, before it is renamed in). No temporary file is left."""
    from extract.database.load import new_file, open_database

    db_path.parent.mkdir(parents=True, exist_ok=True)
    for stale in db_path.parent.glob(f"{db_path.name}.tmp-*"):
        stale.unlink()  # left by a killed first build: a live one would hold the lock (lock.py)
    tmp = None if db_path.exists() else db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
    db = open_database(tmp or db_path, scratch=tmp is not None)
    try:
        if tmp is not None:
            new_file(db)  # its page size and encoding, before its first page is written
        db.execute("BEGIN IMMEDIATE")
        if fresh:
            _empty(db)
        yield db, tmp
    finally:
        db.close()  # a transaction still open (the build failed) is rolled back
        if tmp is not None and tmp.exists():
            tmp.unlink()


def _empty(db: Database) -> None:
    """Drop every table and view of a database of an older shape, inside the build's transaction
    (its page size and encoding stay: SQLite changes them only by rewriting the file)."""
    objects = db.execute(
        "select type, name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%' "
        "order by type = 'table', sql not like 'CREATE VIRTUAL%'"
    ).fetchall()
    for kind, name in objects:  # views, then search indexes (their own tables go with them), then tables
        db.execute(f"DROP {kind.upper()} IF EXISTS [{name}]")


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
    from extract.reading.pipeline import load_readers

    load_readers()  # once here, inherited by every fork

    jobs = [(pdf, settings) for pdf in pdfs]
    # the child stops itself at the time budget; a child hung inside pdfium is killed a little later
    seconds = (settings or ExtractSettings()).max_seconds_per_pdf
    late = PdfTooCostly.too_slow("", seconds).reason
    outcomes = run_isolated(_extract_one, jobs, workers, seconds + _GRACE, late)
    for pdf, (ok, value) in zip(pdfs, outcomes, strict=True):
        yield pdf, value if ok or isinstance(value, str) else f"cannot extract ({value})"
