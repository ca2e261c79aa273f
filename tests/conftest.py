"""Shared fixtures: the sample report extracted once, the expected records, a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from extract.reading.pipeline import extract_pdf

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PDF = ROOT / "raw" / "koganei-fy2020.pdf"
EXPECTED = ROOT / "tests" / "expected" / "koganei-fy2020.json"
SHARED = ROOT.parent / "shared"
# CI services set CI to true, True or 1; .ci/run exports CI=true whatever it was given
IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")

# Property tests: fresh random examples on every run, never a fixed seed. CI runs enough of
# them to find a two-glyph counterexample such as squash('A\u00af') from an empty example
# database with plain st.text() (20 of 20 runs at 300, 500 and 1,000 examples; none at 200);
# no deadline, as a loaded runner must not turn a slow example into a failure.
settings.register_profile("ci", max_examples=1000, deadline=None)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile("ci" if IN_CI else "dev")


@pytest.fixture(scope="session")
def expected() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def extracted() -> dict:
    return extract_pdf(SAMPLE_PDF).model_dump(mode="json")


def run_hyoka(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the installed CLI as a user would, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "extract", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


@pytest.fixture(scope="session")
def built_db(tmp_path_factory) -> Path:
    """The sample report built into a fresh database, as `hyoka build` does."""
    from extract.database.build import build_database

    db = tmp_path_factory.mktemp("db") / "hyoka.db"
    result = build_database([SAMPLE_PDF], db)
    assert result.loaded == [SAMPLE_PDF.name]
    return db


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skip is a failure, whatever skipped it (need_shared, or pytest itself on a
    parameter list left empty because a ../shared folder is absent): there, every test runs."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under CI=true, where every test must run: {reason}"


def pytest_terminal_summary(terminalreporter) -> None:
    """Say loudly, at the end where it is read, that the tests needing ../shared did not run."""
    if not (SHARED / "corpus" / "real").is_dir() or not (SHARED / "gold").is_dir():
        terminalreporter.write_sep(
            "#",
            f"WARNING: {SHARED} is absent: real-corpus and gold-copy tests were SKIPPED",
            red=True,
            bold=True,
        )


def sample_and_next_year(folder: Path, expected: dict) -> list[Path]:
    """The sample and a FY2021 report made from it (tests/nextyear.py) as PDFs in ``folder``."""
    import shutil

    import nextyear
    from render import Variant, render_report

    pdfs = [folder / "koganei-fy2020.pdf", folder / "koganei-fy2021.pdf"]
    shutil.copy(SAMPLE_PDF, pdfs[0])
    render_report(nextyear.next_year(expected), pdfs[1], Variant(font="ipaexg"))
    return pdfs


def need_shared(path: Path) -> Path:
    """``path`` under ../shared. CI puts ../shared beside the clone, so under CI=true a missing
    one fails; in a user's clone without it the test skips (and the run says so loudly)."""
    if not path.exists():
        missing = f"{path} not present (../shared is not part of a clone)"
        if IN_CI:
            pytest.fail(f"CI=true: {missing}; CI must provide ../shared beside the clone")
        pytest.skip(missing)
    return path
