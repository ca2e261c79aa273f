"""Shared fixtures: the sample report extracted once, the expected records, a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from extract.pipeline import extract_pdf

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PDF = ROOT / "raw" / "koganei-fy2020.pdf"
EXPECTED = ROOT / "tests" / "expected" / "koganei-fy2020.json"
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI") == "true"


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
    from extract.build import build_database

    db = tmp_path_factory.mktemp("db") / "hyoka.db"
    result = build_database([SAMPLE_PDF], db)
    assert result.loaded == [SAMPLE_PDF.name]
    return db


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
