"""Bad input: one line naming the file and the reason, a non-zero exit, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import badpdfs as bad
import pytest
from conftest import run_hyoka

CASES = {
    "not a PDF": (bad.not_a_pdf, "not a PDF file"),
    "empty": (bad.empty, "empty file"),
    "truncated": (bad.truncated, "damaged PDF"),
    "corrupt": (bad.corrupt, ""),
    "encrypted": (bad.encrypted, "encrypted PDF"),
    "image only": (bad.image_only, "no text layer"),
    "not a report": (bad.not_a_report, "not an evaluation report"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_clear_line(case: str, tmp_path: Path) -> None:
    make, reason = CASES[case]
    path = make(tmp_path / f"{case.replace(' ', '-')}.pdf")
    done = run_hyoka("extract", str(path))
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert path.name in lines[0] and reason in lines[0]
    assert "Traceback" not in done.stderr


def test_missing_file(tmp_path: Path) -> None:
    done = run_hyoka("extract", str(tmp_path / "nowhere.pdf"))
    assert done.returncode != 0 and "nowhere.pdf: no such file" in done.stderr


def test_qpdf_is_installed() -> None:
    assert shutil.which("qpdf"), "CI installs qpdf to make the encrypted input"
