"""Nothing lost, nothing let in: mixed folders, --strict, a killed build, mutations, limits."""

from __future__ import annotations

import json
import multiprocessing as mp
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import traceback
import zlib
from pathlib import Path

import badpdfs as bad
import nextyear as ny
import pytest
from conftest import ROOT, SAMPLE_PDF, run_hyoka
from render import Variant, render_report

from extract.database.build import build_database
from extract.errors import HyokaError
from extract.reading.pipeline import extract_pdf


@pytest.fixture(scope="module")
def folder(tmp_path_factory, expected) -> Path:
    """Good reports mixed with every kind of bad file."""
    d = tmp_path_factory.mktemp("mixed")
    shutil.copy(SAMPLE_PDF, d / "a-good-fy2020.pdf")
    fy2021 = d.parent / "fy2021.pdf"
    render_report(ny.next_year(expected), fy2021, Variant(font="ipaexg"))
    bad.encrypted(d / "b-good-fy2021-owner-password-only.pdf", user_password="", source=fy2021)
    fy2022 = ny.next_year(ny.next_year(expected))
    fy2022["report"].update(fiscal_year=2022, fiscal_year_label="令和4年度", published="2023-09")
    full = d.parent / "fy2022.pdf"
    stats = render_report(fy2022, full, Variant(font="ipam"))
    bad.without_page(d / "c-partial-fy2022-page-missing.pdf", stats.sheet_pages[4], source=full)
    bad.empty(d / "zero.pdf")
    bad.not_a_pdf(d / "text.pdf")
    for at in (10, 3000, 200_000):
        bad.truncated(d / f"truncated-{at}.pdf", at)
    bad.corrupt(d / "corrupt.pdf")
    bad.corrupt_xref(d / "corrupt-xref.pdf")
    bad.encrypted(d / "encrypted.pdf")
    bad.image_only(d / "scan.pdf")
    bad.not_a_report(d / "letter.pdf")
    shutil.copy(SAMPLE_PDF, d / "z-duplicate.pdf")
    return d


GOOD = {"a-good-fy2020.pdf", "b-good-fy2021-owner-password-only.pdf", "c-partial-fy2022-page-missing.pdf"}


def _reports(db: Path) -> set[str]:
    with sqlite3.connect(db) as c:
        return {r[0] for r in c.execute("select file from reports")}


def test_mixed_folder_loads_the_good_and_lists_the_bad(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    done = run_hyoka("build", "--db", str(db), str(folder))
    assert done.returncode == 1
    bad_files = {p.name for p in folder.glob("*.pdf")} - GOOD
    for name in bad_files:
        assert f"failed: {name}: " in done.stderr, name
    assert f"3 loaded, 0 unchanged, 0 removed, {len(bad_files)} failed" in done.stderr
    assert "failed: z-duplicate.pdf: duplicate of a-good-fy2020.pdf" in done.stderr
    assert "failed: encrypted.pdf: encrypted PDF: a password is required" in done.stderr
    assert "partial: c-partial-fy2022-page-missing.pdf" in done.stderr
    assert "Traceback" not in done.stderr
    assert _reports(db) == GOOD
    with sqlite3.connect(db) as c:
        issues = c.execute(
            "select kind from issues join reports r on r.id = issues.report_id where r.file like 'c-partial%'"
        ).fetchall()
    assert issues, "the missing page shows up in the issues table"


def test_strict_stops_and_writes_nothing(folder: Path, tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    done = run_hyoka("build", "--strict", "--db", str(db), str(folder))
    assert done.returncode == 1 and "nothing was changed" in done.stderr
    assert not db.exists() and not list(tmp_path.glob("*.tmp-*"))


def test_kill_during_a_build_keeps_the_previous_database(tmp_path: Path, expected) -> None:
    db = tmp_path / "h.db"
    assert run_hyoka("build", "--db", str(db), str(SAMPLE_PDF)).returncode == 0
    before = db.read_bytes()
    new = []
    for year in range(2021, 2029):  # enough work that the kill lands in the middle
        records = ny.next_year(expected)
        records["report"].update(fiscal_year=year, fiscal_year_label=f"令和{year - 2018}年度")
        render_report(records, tmp_path / f"fy{year}.pdf", Variant())
        new.append(str(tmp_path / f"fy{year}.pdf"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "extract", "build", "--db", str(db), str(SAMPLE_PDF), *new],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    lock = tmp_path / "h.db.lock"  # the build holds it from its start (it writes in place)
    while not (lock.exists() and lock.read_text().strip() == str(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # well into extracting and loading the new reports
    assert proc.poll() is None, "the build ended before the kill: give it more to do"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not _still_running(str(tmp_path), wait=5.0), "a PDF reader outlived its killed build"
    assert db.read_bytes() == before
    with sqlite3.connect(db) as c:
        assert c.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert c.execute("select count(*) from evaluation_rows").fetchone()[0] == 58
    again = run_hyoka("build", "--db", str(db), str(SAMPLE_PDF), *new)
    assert again.returncode == 0, again.stderr
    assert f"{len(new)} loaded, 1 unchanged" in again.stderr
    assert not list(tmp_path.glob("h.db.tmp-*"))


def _still_running(marker: str, wait: float) -> list[int]:
    """Processes whose command line names ``marker`` (the build's forked readers share its own),
    after waiting up to ``wait`` seconds for them to go."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and marker in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(proc.name))
            except OSError:  # gone meanwhile
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


# -- mutations ---------------------------------------------------------------------------
MUTATIONS = 300


def _mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0:  # flip bytes
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif kind == 1:  # truncate
        b = b[: rng.randrange(len(b))]
    elif kind == 2:  # insert garbage
        i = rng.randrange(len(b))
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    else:  # cut a chunk out
        i = rng.randrange(len(b))
        del b[i : i + rng.randint(1, 2000)]
    return bytes(b)


def _extract_mutant(args: tuple[int, str]) -> tuple[int, str, str]:
    seed, path = args
    try:
        report = extract_pdf(Path(path))
        return seed, "records", str(len(report.evaluations))
    except HyokaError as exc:
        return seed, "error", str(exc)
    except Exception:
        return seed, "crash", traceback.format_exc()[-800:]


def test_byte_level_mutations_end_in_records_or_a_clear_error(tmp_path: Path) -> None:
    small = bad.without_page(tmp_path / "small.pdf", 3)  # keep it quick: drop pages
    subprocess.run(
        ["qpdf", str(small), "--pages", str(small), "1-2,5-6", "--", str(tmp_path / "s.pdf")], check=True
    )
    data = (tmp_path / "s.pdf").read_bytes()
    jobs = []
    for seed in range(MUTATIONS):
        path = tmp_path / f"m{seed}.pdf"
        path.write_bytes(_mutate(data, random.Random(seed)))
        jobs.append((seed, str(path)))
    outcomes = []
    with mp.get_context("fork").Pool(2, maxtasksperchild=50) as pool:
        pending = [pool.apply_async(_extract_mutant, (job,)) for job in jobs]
        for job, result in zip(jobs, pending, strict=True):
            try:
                outcomes.append(result.get(timeout=30))  # bounded time per file
            except mp.TimeoutError:
                outcomes.append((job[0], "hang", job[1]))
    kinds = {k: sum(1 for o in outcomes if o[1] == k) for k in ("records", "error", "crash", "hang")}
    print(f"\n{MUTATIONS} mutations: {kinds}")
    assert kinds["crash"] == 0 and kinds["hang"] == 0, [o for o in outcomes if o[1] in ("crash", "hang")][:3]
    assert kinds["records"] > 0 and kinds["error"] > 0


# -- resource bounds ---------------------------------------------------------------------
def test_thousands_of_pages_are_refused(tmp_path: Path) -> None:
    path = bad.many_pages(tmp_path / "many.pdf", 1500)
    done = run_hyoka("extract", str(path))
    assert done.returncode == 1 and "too many pages (1500, limit 1000)" in done.stderr


PEAK_CODE = """
import resource, sys
from extract.cli import cli
try:
    cli(sys.argv[1:], prog_name="hyoka")
finally:
    status = open("/proc/self/status").read()
    own = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    seconds = sum(u.ru_utime + u.ru_stime for u in usage)
    print(f"{max(own, usage[1].ru_maxrss)} {seconds:.3f}", file=sys.stderr)
"""


def _extract_with_peak(path: Path, *options: str) -> tuple[subprocess.CompletedProcess, int, float]:
    """Run `hyoka extract` in a fresh process that reports the CPU seconds the command and its
    reading processes took (not wall time: a loaded machine would fail the bound) and its
    peak resident memory in KiB: the larger of its own (VmHWM, the high-water mark of its
    own address space; not ru_maxrss, which a process made by fork + exec inherits from
    pytest) and that of the processes it forks to read the PDF (the largest one)."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK_CODE, "extract", str(path), *options],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    peak, seconds = done.stderr.strip().splitlines()[-1].split()
    return done, int(peak), float(seconds)


def glyph_page(path: Path, glyphs: int) -> Path:
    """One page that shows ``glyphs`` glyphs from a content stream of a few KB (compressed)."""
    line = b"(" + b"A" * 1000 + b") Tj 0 -1 Td\n"
    content = zlib.compress(b"BT /F1 1 Tf 10 800 Td\n" + line * (glyphs // 1000) + b"ET\n", 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return bad.write_objects(path, objects)


@pytest.mark.parametrize("reader", ["pdfium", "pdfplumber"])
def test_a_page_of_400000_glyphs_is_refused_before_it_is_parsed(tmp_path: Path, reader: str) -> None:
    path = glyph_page(tmp_path / "glyphs.pdf", 400_000)
    assert path.stat().st_size < 10_000  # a few KB on disk
    done, peak_kb, seconds = _extract_with_peak(path, "--reader", reader)
    print(f"\n{reader}: 400,000 glyphs refused in {seconds:.2f} s, peak {peak_kb / 1024:.0f} MiB")
    assert done.returncode == 1
    assert "too many objects on the page (up to 400000, limit 200000)" in done.stderr
    assert seconds < 2 and peak_kb < 200 * 1024


def test_a_page_with_too_much_content_is_refused_with_its_own_message(tmp_path: Path) -> None:
    done, peak_kb, seconds = _extract_with_peak(bad.huge_page(tmp_path / "huge.pdf", 400_000))
    assert done.returncode == 1
    assert "page content too large (over the limit of 8388608 bytes)" in done.stderr
    assert "too many objects" not in done.stderr
    print(f"\n400,000 rules (10 MB of content) refused in {seconds:.2f} s, peak {peak_kb / 1024:.0f} MiB")
    assert seconds < 2 and peak_kb < 200 * 1024


@pytest.mark.parametrize("reader", ["pdfium", "pdfplumber"])
def test_memory_peak_on_the_sample_is_bounded(reader: str) -> None:
    done, peak_kb, _ = _extract_with_peak(SAMPLE_PDF, "--reader", reader)
    assert done.returncode == 0 and json.loads(done.stdout)["evaluations"]
    print(f"\npeak memory extracting the sample ({reader}): {peak_kb / 1024:.0f} MiB")
    assert peak_kb < 200 * 1024


def test_a_database_deleted_while_read_leaves_nothing_in_the_new_one(tmp_path: Path) -> None:
    """`rm hyoka.db` while `hyoka serve` still reads it leaves its -wal and -shm behind; the
    next build makes a new file, and SQLite must not replay the old one's log into it."""
    db = tmp_path / "hyoka.db"
    old = sqlite3.connect(db)
    old.execute("PRAGMA journal_mode = WAL")
    old.execute("create table old_report (x)")
    old.execute("insert into old_report values (1)")
    old.commit()
    reader = sqlite3.connect(db)  # keeps the log: the writer's close does not checkpoint it away
    reader.execute("select * from old_report").fetchall()
    old.close()
    db.unlink()
    assert Path(f"{db}-wal").exists()
    build_database([SAMPLE_PDF], db)
    reader.close()
    tables = {
        r[0] for r in sqlite3.connect(db).execute("select name from sqlite_master where type = 'table'")
    }
    assert "old_report" not in tables and "evaluations" in tables
