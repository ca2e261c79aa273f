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
from pathlib import Path

import badpdfs as bad
import nextyear as ny
import pytest
from conftest import ROOT, SAMPLE_PDF, run_hyoka
from render import Variant, render_report

from extract.errors import HyokaError
from extract.pipeline import extract_pdf


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
    for year in (2021, 2022, 2023):
        records = ny.next_year(expected)
        records["report"].update(fiscal_year=year, fiscal_year_label=f"令和{year - 2018}年度")
        render_report(records, tmp_path / f"fy{year}.pdf", Variant())
        new.append(str(tmp_path / f"fy{year}.pdf"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "extract", "build", "--db", str(db), str(SAMPLE_PDF), *new],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("h.db.tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # well into extracting and loading the new reports
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert db.read_bytes() == before
    with sqlite3.connect(db) as c:
        assert c.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert c.execute("select count(*) from evaluation_rows").fetchone()[0] == 58
    again = run_hyoka("build", "--db", str(db), str(SAMPLE_PDF), *new)
    assert again.returncode == 0, again.stderr
    assert "3 loaded, 1 unchanged" in again.stderr
    assert not list(tmp_path.glob("h.db.tmp-*"))


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


def _extract_with_peak(path: Path) -> tuple[subprocess.CompletedProcess, int]:
    """Run `hyoka extract` in a child that reports its own peak resident memory (KiB)."""
    code = (
        "import resource, sys\nfrom extract.cli import cli\n"
        "try:\n    cli(['extract', sys.argv[1]], prog_name='hyoka')\n"
        "finally:\n    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    return done, int(done.stderr.strip().splitlines()[-1])


def test_a_page_with_a_huge_number_of_objects_is_refused_within_a_memory_bound(tmp_path: Path) -> None:
    done, peak_kb = _extract_with_peak(bad.huge_page(tmp_path / "huge.pdf", 400_000))
    assert done.returncode == 1 and "too many objects on the page" in done.stderr
    print(f"\npeak memory on a 400,000-object page: {peak_kb / 1024:.0f} MiB")
    assert peak_kb < 512 * 1024


def test_memory_peak_on_the_sample_is_bounded() -> None:
    done, peak_kb = _extract_with_peak(SAMPLE_PDF)
    assert done.returncode == 0 and json.loads(done.stdout)["evaluations"]
    print(f"\npeak memory extracting the sample: {peak_kb / 1024:.0f} MiB")
    assert peak_kb < 512 * 1024
