"""Extract many PDFs into one JSON each: in local processes, or fanned out on a Dask cluster.

Extraction is a pure function of one PDF, so it can run anywhere; only loading needs the one
writer (`hyoka build --from-json DIR`). A PDF whose JSON is already in the folder is skipped
when that JSON came from the same bytes read with the same layout file (as `hyoka build`
keys its records), so an interrupted run resumes where it stopped and an edited layout is
read again; each JSON is written whole (a temporary file
renamed), so a killed run never leaves half of one. On Dask the PDF's bytes travel to the
worker and its JSON comes back: the workers need no shared disk. Dask is imported only here,
only when a scheduler is given (`pip install 'hyoka[dask]'`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

from extract.errors import HyokaError
from extract.manifest import extracted_source, layout_digests, name_clashes, sha256_of, unreadable
from extract.settings import ExtractSettings

if TYPE_CHECKING:
    from schemas.report import Report


@dataclass
class BatchResult:
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # their JSON was there already
    failed: list[tuple[str, str]] = field(default_factory=list)
    reread: list[tuple[str, str]] = field(default_factory=list)  # (PDF, why): its JSON was stale


def _stale(done: Path, pdf: Path, digests: dict[str, str]) -> str | None:
    """Why the JSON already there is not this PDF's as it would be read now (None: it is): it
    came from other bytes, or from a layout file that changed or is gone since. (A layout
    added since is not looked for: reading the PDF is what would tell.)"""
    try:
        data = json.loads(done.read_bytes())
        source, layout = data["report"]["source"], data["layout"]
        sha, name, digest = source["sha256"], layout["name"], layout.get("sha256")
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return "its JSON cannot be read"
    try:
        if sha != sha256_of(pdf):
            return "the PDF changed"
    except OSError:
        return None  # unreadable() said it opens: a race, and the extraction will say it
    if digests.get(name) != digest:
        return f"its layout changed ({name})"
    return None


def json_path(pdf: Path, folder: Path) -> Path:
    """Where the JSON of one PDF goes: its name, .json."""
    return folder / f"{pdf.stem}.json"


def extract_file(
    pdf: str, settings: ExtractSettings | None, apart: bool = True, parts: int | None = None
) -> tuple[str | None, str | None]:
    """(report JSON, None) or (None, why not) for one PDF on this machine's disk. Its pages
    are read ``apart``: in forked processes (``parts`` of them; default one per core), where
    a crash inside pdfium costs this file only; or in this process (a Dask worker, which
    runs threads of its own: no fork there)."""
    extract_pdf = _pipeline()
    pages = None
    try:
        if apart:
            from extract.reading.read_apart import read_apart

            pages = read_apart(Path(pdf), settings, parts)
        return extract_pdf(Path(pdf), settings, pages).model_dump_json(indent=1), None
    except HyokaError as exc:
        return None, exc.reason
    except Exception as exc:  # a PDF that breaks the parser must not stop the others
        return None, f"cannot extract ({type(exc).__name__}: {exc})"
    finally:
        if pages is not None:
            pages.close()


@cache
def _pipeline() -> Callable[[Path, ExtractSettings | None], Report]:
    """The pipeline, loaded once per process. What it loads lives as long as the process: out
    of the collector's sight, it is not scanned again by every full collection while PDFs are
    read (measured: 3 % less time for ten copies of the sample in one process)."""
    from extract.reading.pipeline import extract_pdf, load_readers

    load_readers()
    return extract_pdf


def extract_bytes(name: str, data: bytes, settings: ExtractSettings | None) -> tuple[str | None, str | None]:
    """The same, for a PDF sent as bytes (on a Dask worker): read under its own name."""
    with tempfile.TemporaryDirectory(prefix="hyoka-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return extract_file(str(path), settings, apart=False)


def extract_many(
    pdfs: list[Path],
    folder: Path,
    *,
    settings: ExtractSettings | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> BatchResult:
    """Write one JSON per PDF into ``folder``; the ones already there are skipped. A PDF that
    cannot be opened, or whose JSON would be another PDF's of the same name, fails at once;
    a layout file that does not load stops it all before any PDF is read (LayoutError)."""
    folder.mkdir(parents=True, exist_ok=True)
    result = BatchResult()
    settings = settings or ExtractSettings()
    digests = layout_digests(tuple(Path(d) for d in settings.layouts), settings.layout)
    clashes = name_clashes(pdfs, lambda p: json_path(p, folder).name, lambda name: _extracted(folder / name))
    todo = []
    for pdf in pdfs:
        if reason := clashes.get(pdf):
            result.failed.append((str(pdf), reason))  # by its path: its name is the other PDF's too
        elif reason := unreadable(pdf):
            result.failed.append((pdf.name, reason))
        elif (
            json_path(pdf, folder).exists() and (why := _stale(json_path(pdf, folder), pdf, digests)) is None
        ):
            result.skipped.append(pdf.name)
        else:
            if json_path(pdf, folder).exists():
                result.reread.append((pdf.name, why or ""))
            todo.append(pdf)
            continue
        if on_file:
            on_file(pdf)
    if todo:
        from extract.reading.pipeline import candidate_layouts

        candidate_layouts(settings or ExtractSettings())
    run = _on_dask(scheduler) if scheduler else _locally(workers)
    for pdf, (text, reason) in run(todo, settings):
        if text is None:
            result.failed.append((pdf.name, reason or "cannot extract"))
        else:
            _write_whole(json_path(pdf, folder), text)
            result.written.append(pdf.name)
        if on_file:
            on_file(pdf)
    return result


Runner = Callable[[list[Path], ExtractSettings | None], Iterator[tuple[Path, tuple[str | None, str | None]]]]


def _locally(workers: int) -> Runner:
    def run(
        pdfs: list[Path], settings: ExtractSettings | None
    ) -> Iterator[tuple[Path, tuple[str | None, str | None]]]:
        if workers <= 1 or len(pdfs) <= 1:
            yield from ((pdf, extract_file(str(pdf), settings)) for pdf in pdfs)
            return
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            # the workers share the cores already: each reads its PDF's pages in one process
            futures = {pool.submit(extract_file, str(pdf), settings, parts=1): pdf for pdf in pdfs}
            yield from ((futures[f], f.result()) for f in as_completed(futures))

    return run


IN_FLIGHT = 256  # PDFs sent to the cluster and not yet back: the client's memory stays bounded


def _on_dask(address: str) -> Runner:
    def run(
        pdfs: list[Path], settings: ExtractSettings | None
    ) -> Iterator[tuple[Path, tuple[str | None, str | None]]]:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed

        waiting = iter(pdfs)
        with Client(address, timeout="10s") as client:
            sent: dict = {}

            def send(pdf: Path) -> object:
                future = client.submit(extract_bytes, pdf.name, pdf.read_bytes(), settings, pure=False)
                sent[future] = pdf
                return future

            done = dask_completed([send(pdf) for pdf in _take(waiting, IN_FLIGHT)], with_results=True)
            for future, outcome in done:
                yield sent.pop(future), outcome
                for pdf in _take(waiting, 1):
                    done.add(send(pdf))

    return run


def _take(items: Iterator[Path], n: int) -> list[Path]:
    return [item for _, item in zip(range(n), items, strict=False)]


def _extracted(path: Path) -> str | None:
    """The SHA-256 of the PDF whose report a JSON holds (None: no such JSON)."""
    source = extracted_source(path)
    return source[0] if source else None


def _write_whole(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)
