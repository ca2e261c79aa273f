"""Pages read in forked processes (read_apart.py) make the same report as pages read here.

Whatever the number of processes and the reader; a bad PDF is the same one line; a damaged
page stops the report at the same page; a crash in any of the processes is one line; a
caller that stops early leaves no process behind; and the processes load what they need
only (no pydantic in the readers, no PDF library in the pipeline).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time
from pathlib import Path

import badpdfs as bad
import pytest
from conftest import ROOT, SAMPLE_PDF

from extract.errors import HyokaError, PdfUnreadable
from extract.reading import grid as grid_stage
from extract.reading.pipeline import extract_pdf
from extract.reading.read_apart import MAX_PARTS, read_apart
from extract.settings import ExtractSettings

PDFIUM, PDFPLUMBER = ExtractSettings(), ExtractSettings(reader="pdfplumber")


@pytest.fixture(scope="module")
def here() -> dict:
    return extract_pdf(SAMPLE_PDF, PDFIUM).model_dump(mode="json")


@pytest.mark.parametrize("parts", [1, 2, 3, 5])
def test_the_same_report_whatever_the_number_of_processes(parts: int, here: dict) -> None:
    pages = read_apart(SAMPLE_PDF, PDFIUM, parts)
    assert pages.parts == min(parts, MAX_PARTS)
    assert extract_pdf(SAMPLE_PDF, PDFIUM, pages).model_dump(mode="json") == here
    assert (pages.pages, len(pages.sha256)) == (24, 64)


def test_a_helper_that_ends_first_is_noted_not_taken_for_a_page(
    monkeypatch, tmp_path: Path, here: dict
) -> None:
    """The first process's pages are slow here: the helper ends long before it, and the
    first process says so on its pipe between two of its pages. 23 pages: one more for it."""
    real = grid_stage.build_grid

    def slow_odd_pages(raw, settings=None):
        if raw.page_no % 2:
            time.sleep(0.02)
        return real(raw, settings)

    monkeypatch.setattr(grid_stage, "build_grid", slow_odd_pages)
    odd = bad.without_page(tmp_path / "odd.pdf", 3)
    pages = read_apart(odd, PDFIUM, 2)
    try:
        apart = extract_pdf(odd, PDFIUM, pages).model_dump(mode="json")
    finally:
        pages.close()
    assert apart == extract_pdf(odd, PDFIUM).model_dump(mode="json")
    assert pages._passes[0].ended == {1: 0}  # it was noted, as it ended


def test_the_same_report_with_the_cross_check_reader() -> None:
    apart = extract_pdf(SAMPLE_PDF, PDFPLUMBER, read_apart(SAMPLE_PDF, PDFPLUMBER, 2))
    assert apart.model_dump(mode="json") == extract_pdf(SAMPLE_PDF, PDFPLUMBER).model_dump(mode="json")


def test_the_grids_are_the_pages_in_order_and_a_second_pass_reads_again() -> None:
    pages = read_apart(SAMPLE_PDF, PDFIUM, 3)
    first = [g.page_no for g in pages.grids()]
    again = list(pages.grids())
    assert first == [g.page_no for g in again] == list(range(1, 25))
    assert again[5].tables and again[5].tables[0].cells[0].lines[0].chars


def _one_line(make, tmp_path: Path) -> tuple[str, str]:
    """The message read here and the one read apart, for the bad PDF ``make`` writes."""
    path = make(tmp_path / "bad.pdf")
    messages = []
    for pages in (None, read_apart(path, PDFIUM, 2)):
        with pytest.raises(HyokaError) as caught:
            extract_pdf(path, PDFIUM, pages)
        messages.append(str(caught.value))
    return messages[0], messages[1]


@pytest.mark.parametrize("make", [bad.not_a_pdf, bad.empty, bad.truncated, bad.corrupt, bad.encrypted,
                                  bad.image_only, bad.not_a_report])  # fmt: skip
def test_a_bad_pdf_is_the_same_one_line(make, tmp_path: Path) -> None:
    here, apart = _one_line(make, tmp_path)
    assert here == apart and "\n" not in apart


def test_a_damaged_page_stops_at_the_same_page(monkeypatch) -> None:
    """Page 4 (the second of two processes) fails first in page order; page 5 fails too, in
    the first process, which has read it by then: the report stops at page 4, as here."""
    real = grid_stage.build_grid

    def damaged(raw, settings=None):
        if raw.page_no in (4, 5):
            raise PdfUnreadable(SAMPLE_PDF, f"damaged PDF: page {raw.page_no} cannot be read")
        return real(raw, settings)

    monkeypatch.setattr(grid_stage, "build_grid", damaged)
    messages = []
    for pages in (None, read_apart(SAMPLE_PDF, PDFIUM, 2)):
        with pytest.raises(PdfUnreadable) as caught:
            extract_pdf(SAMPLE_PDF, PDFIUM, pages)
        messages.append(str(caught.value))
    assert messages == [f"{SAMPLE_PDF.name}: damaged PDF: page 4 cannot be read"] * 2


class Unpicklable(Exception):
    """An exception pickle can write but not read back (its __init__ takes two arguments)."""

    def __init__(self, page: int, why: str) -> None:
        super().__init__(f"page {page}: {why}")


def test_an_exception_that_cannot_cross_the_pipe_keeps_its_name_and_message(monkeypatch) -> None:
    real = grid_stage.build_grid

    def odd(raw, settings=None):
        if raw.page_no == 2:
            raise Unpicklable(2, "odd")
        return real(raw, settings)

    monkeypatch.setattr(grid_stage, "build_grid", odd)
    with pytest.raises(Exception) as caught:
        extract_pdf(SAMPLE_PDF, PDFIUM, read_apart(SAMPLE_PDF, PDFIUM, 2))
    assert (type(caught.value).__name__, str(caught.value)) == ("Unpicklable", "page 2: odd")


class Reworded(Exception):
    """An exception that pickle brings back with another message (its __init__ rewrites it)."""

    def __init__(self, page: int | str) -> None:
        super().__init__(f"page {page} cannot be read")


def test_an_exception_that_comes_back_reworded_keeps_its_message(monkeypatch) -> None:
    real = grid_stage.build_grid

    def reworded(raw, settings=None):
        if raw.page_no == 2:
            raise Reworded(2)
        return real(raw, settings)

    monkeypatch.setattr(grid_stage, "build_grid", reworded)
    with pytest.raises(Exception) as caught:
        extract_pdf(SAMPLE_PDF, PDFIUM, read_apart(SAMPLE_PDF, PDFIUM, 2))
    assert (type(caught.value).__name__, str(caught.value)) == ("Reworded", "page 2 cannot be read")


def test_a_layout_recognised_late_reads_the_pdf_again(tmp_path: Path) -> None:
    """31 pages of a notice before the report: the pipeline reads the PDF again from page 1."""
    late = bad.joined(
        tmp_path / "late.pdf", [str(bad.blank_pages(tmp_path / "n.pdf", 31, 0)), str(SAMPLE_PDF)]
    )
    pages = read_apart(late, PDFIUM, 2)
    try:
        apart = extract_pdf(late, PDFIUM, pages).model_dump(mode="json")
    finally:
        pages.close()
    here = extract_pdf(late, PDFIUM).model_dump(mode="json")
    assert apart == here and len(here["evaluations"]) == 58
    assert len(pages._passes) == 2


@pytest.mark.parametrize("page_no", [1, 2, 3])
def test_a_crash_in_any_process_is_one_line(page_no: int, monkeypatch) -> None:
    """Page 1 is read by the first process, 2 by the second and 3 by the third."""
    real = grid_stage.build_grid

    def crashing(raw, settings=None):
        if raw.page_no == page_no:
            ctypes.string_at(0)  # reads address 0: the process dies by SIGSEGV
        return real(raw, settings)

    monkeypatch.setattr(grid_stage, "build_grid", crashing)
    with pytest.raises(PdfUnreadable) as caught:
        extract_pdf(SAMPLE_PDF, PDFIUM, read_apart(SAMPLE_PDF, PDFIUM, 3))
    assert str(caught.value) == f"{SAMPLE_PDF.name}: unreadable: the PDF reader crashed (SIGSEGV)"


def _slow_after_page_1(monkeypatch) -> None:
    """Pages after the first take a minute: the reading processes are alive when asked."""
    real = grid_stage.build_grid

    def slow(raw, settings=None):
        if raw.page_no > 1:
            time.sleep(60)
        return real(raw, settings)

    monkeypatch.setattr(grid_stage, "build_grid", slow)


def test_a_caller_that_stops_early_leaves_no_process(monkeypatch) -> None:
    _slow_after_page_1(monkeypatch)
    pages = read_apart(SAMPLE_PDF, PDFIUM, 2)
    grids = pages.grids()
    assert next(grids).page_no == 1  # the helper is forked before the first page is sent
    first = pages._passes[0].pid
    helpers = _children_of(first)
    assert len(helpers) == 1 and not _ended(helpers[0], wait=0.0)
    grids.close()  # the caller stops: its processes are stopped at once, not read to the end
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # killed and reaped, not a zombie
    assert _ended(helpers[0])
    pages.close()


def _children_of(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if int(ppid) == pid and state != "Z":
            out.append(int(stat.parent.name))
    return out


def _ended(pid: int, wait: float = 5.0) -> bool:
    """Whether ``pid`` is gone (or a zombie) within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def test_the_readers_load_no_pydantic_and_the_pipeline_no_pdf_library() -> None:
    """What lets the two load side by side: each process loads only its own libraries."""
    readers = "import extract.cli, extract.reading.read_apart, extract.reading.read, extract.reading.grid"
    pipeline = "import extract.reading.pipeline"
    libraries = {"pydantic", "pdfminer", "pdfplumber", "pypdfium2"}
    loaded = {}
    for name, code in (("readers", readers), ("pipeline", pipeline)):
        show = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & {libraries!r})))"
        done = subprocess.run(
            [sys.executable, "-c", show], cwd=ROOT, capture_output=True, text=True, check=True
        )
        loaded[name] = done.stdout.split()
    assert loaded == {"readers": ["pdfminer", "pdfplumber", "pypdfium2"], "pipeline": ["pydantic"]}


def test_a_signal_to_the_caller_ends_the_readers() -> None:
    """The readers die with the process that started them (PR_SET_PDEATHSIG), though they
    are busy (a page takes a minute here) and write nothing that would fail."""
    code = (
        "import time\n"
        "from pathlib import Path\n"
        "from extract.reading import grid\n"
        "from extract.reading.read_apart import read_apart\n"
        "real = grid.build_grid\n"
        "grid.build_grid = lambda raw, s=None: time.sleep(60) if raw.page_no > 1 else real(raw, s)\n"
        f"pages = read_apart(Path({str(SAMPLE_PDF)!r}), parts=2)\n"
        "grids = pages.grids()\n"
        "next(grids)\n"
        "print(pages._passes[0].pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = int(proc.stdout.readline())
    helpers = _children_of(first)
    assert len(helpers) == 1 and not _ended(first, wait=0.0) and not _ended(helpers[0], wait=0.0)
    proc.kill()
    proc.wait()
    assert _ended(first) and _ended(helpers[0])


def test_callers_that_fork_a_reader_per_pdf_load_the_readers_once() -> None:
    """`hyoka build` and `hyoka extract DIR` load the reading stages before forking: each
    fork inherits them instead of loading pdfminer and pypdfium2 again for its PDF."""
    wanted = "{'extract.reading.read', 'extract.reading.grid', 'pdfminer', 'pypdfium2'} <= set(sys.modules)"
    prepare = {
        "build": "from extract.database.build import _extract_all\nlist(_extract_all([], None, 1))",
        "extract DIR": "from extract.reading.batch import _pipeline\n_pipeline()",
    }
    loaded = {}
    for name, code in prepare.items():
        show = f"import sys\n{code}\nprint({wanted})"
        done = subprocess.run(
            [sys.executable, "-c", show], cwd=ROOT, capture_output=True, text=True, check=True
        )
        loaded[name] = done.stdout.strip()
    assert loaded == {"build": "True", "extract DIR": "True"}
