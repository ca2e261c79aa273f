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


def test_a_damaged_page_stops_at_the_same_page(monkeypatch, tmp_path: Path) -> None:
    real = grid_stage.build_grid

    def damaged_on_page_4(raw, settings=None):  # page 4 is read by the second of two processes
        if raw.page_no == 4:
            raise PdfUnreadable(tmp_path / "x.pdf", "damaged PDF: page 4 cannot be read")
        return real(raw, settings)

    monkeypatch.setattr(grid_stage, "build_grid", damaged_on_page_4)
    with pytest.raises(PdfUnreadable, match="^x.pdf: damaged PDF: page 4 cannot be read$"):
        extract_pdf(SAMPLE_PDF, PDFIUM, read_apart(SAMPLE_PDF, PDFIUM, 2))


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


def test_a_caller_that_stops_early_leaves_no_process() -> None:
    pages = read_apart(SAMPLE_PDF, PDFIUM, 2)
    first = pages._pid
    grids = pages.grids()
    assert next(grids).page_no == 1  # (the helper is forked before page 1 is read)
    helpers = _children_of(first)
    assert len(helpers) == 1
    pages.close()
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # killed and reaped, not a zombie
    assert _ended(helpers[0])  # it died with its parent


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


def _ended(pid: int) -> bool:
    """Whether ``pid`` is gone (or a zombie) within five seconds."""
    for _ in range(50):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


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
    """The readers die with the process that started them (PR_SET_PDEATHSIG)."""
    code = (
        "import time\n"
        "from pathlib import Path\n"
        "from extract.reading.read_apart import read_apart\n"
        f"pages = read_apart(Path({str(SAMPLE_PDF)!r}), parts=2)\n"
        "print(pages._pid, flush=True)\n"
        "time.sleep(30)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    reader = int(proc.stdout.readline())
    proc.kill()
    proc.wait()
    assert _ended(reader)


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
