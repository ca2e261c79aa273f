"""Bad input: one line naming the file and the reason, a non-zero exit, no traceback."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLE_PDF, run_hyoka
from PIL import Image
from render import FONTS
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas


def _not_a_pdf(d: Path) -> Path:
    p = d / "notes.pdf"
    p.write_text("これはPDFではありません\n", encoding="utf-8")
    return p


def _empty(d: Path) -> Path:
    p = d / "empty.pdf"
    p.write_bytes(b"")
    return p


def _truncated(d: Path) -> Path:
    p = d / "truncated.pdf"
    p.write_bytes(SAMPLE_PDF.read_bytes()[:3000])
    return p


def _corrupt(d: Path) -> Path:
    data = bytearray(SAMPLE_PDF.read_bytes())
    for i in range(200, len(data), 97):  # damage every stream and table, keep the header
        data[i] = 0x00
    p = d / "corrupt.pdf"
    p.write_bytes(bytes(data))
    return p


def _encrypted(d: Path) -> Path:
    p = d / "encrypted.pdf"
    subprocess.run(
        ["qpdf", "--encrypt", "secret-user", "secret-owner", "256", "--", str(SAMPLE_PDF), str(p)],
        check=True,
    )
    return p


def _image_only(d: Path) -> Path:
    img = Image.new("RGB", (400, 300), "white")
    for x in range(50, 350):
        img.putpixel((x, 150), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    p = d / "scan.pdf"
    c = Canvas(str(p))
    c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 50, 400, 400, 300)
    c.save()
    return p


def _not_a_report(d: Path) -> Path:
    pdfmetrics.registerFont(TTFont("IPAM", FONTS["ipam"]))
    p = d / "letter.pdf"
    c = Canvas(str(p))
    c.setFont("IPAM", 12)
    c.drawString(72, 700, "令和3年9月 お知らせ:市民の皆様へ。施策と担当課のご案内です。")
    c.save()
    return p


CASES = {
    "not a PDF": (_not_a_pdf, "not a PDF file"),
    "empty": (_empty, "empty file"),
    "truncated": (_truncated, "damaged PDF"),
    "corrupt": (_corrupt, ""),
    "encrypted": (_encrypted, "encrypted PDF"),
    "image only": (_image_only, "no text layer"),
    "not a report": (_not_a_report, "not an evaluation report"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_clear_line(case: str, tmp_path: Path) -> None:
    make, reason = CASES[case]
    path = make(tmp_path)
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
