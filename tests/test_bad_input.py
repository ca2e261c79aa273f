"""Bad input: one line naming the file and the reason, a non-zero exit, no traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import badpdfs as bad
import pytest
from conftest import run_hyoka

# Each case's line, after "Error: <file>: ". Damage reports name pdfminer's complaint after
# the reason; only the reason is fixed.
CASES = {
    "not a PDF": (bad.not_a_pdf, "not a PDF file (no %PDF- header)"),
    "empty": (bad.empty, "empty file (0 bytes)"),
    "truncated": (bad.truncated, "damaged PDF ("),
    "corrupt": (bad.corrupt, "damaged PDF ("),
    "encrypted": (bad.encrypted, "encrypted PDF: a password is required"),
    "image only": (bad.image_only, "cannot read any page: no text layer ("),
    "blank pages": (bad.blank_pages, "every page is blank"),
    "not a report": (bad.not_a_report, "not an evaluation report: "),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_clear_line(case: str, tmp_path: Path) -> None:
    make, reason = CASES[case]
    path = make(tmp_path / f"{case.replace(' ', '-')}.pdf")
    done = run_hyoka("extract", str(path))
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"Error: {path.name}: {reason}"), lines[0]
    assert "Traceback" not in done.stderr


def test_every_reason_says_something() -> None:
    """No case may pass on an empty or shared reason: each names what is wrong."""
    reasons = [reason for _, reason in CASES.values()]
    assert all(len(r) >= 12 for r in reasons)


def test_a_long_pdf_ending_in_blank_pages_is_not_called_blank(tmp_path: Path) -> None:
    """Only the last 30 pages are held while no layout is found: what the earlier ones printed
    still counts."""
    path = bad.blank_pages(tmp_path / "notice.pdf", printed=5, blank=40)
    done = run_hyoka("extract", str(path))
    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: {path.name}: not an evaluation report: "), done.stderr


def test_missing_file(tmp_path: Path) -> None:
    done = run_hyoka("extract", str(tmp_path / "nowhere.pdf"))
    assert done.returncode != 0 and "nowhere.pdf: no such file" in done.stderr


def test_qpdf_is_installed() -> None:
    assert shutil.which("qpdf"), "CI installs qpdf to make the encrypted input"
