"""Bad and hostile PDFs, made in the tests from the sample (nothing binary is committed)."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from render import FONTS
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PDF = ROOT / "raw" / "koganei-fy2020.pdf"


def not_a_pdf(path: Path) -> Path:
    path.write_text("これはPDFではありません\n", encoding="utf-8")
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def truncated(path: Path, at: int = 3000) -> Path:
    path.write_bytes(SAMPLE_PDF.read_bytes()[:at])
    return path


def corrupt(path: Path) -> Path:
    data = bytearray(SAMPLE_PDF.read_bytes())
    for i in range(200, len(data), 97):  # damage every stream and table, keep the header
        data[i] = 0x00
    path.write_bytes(bytes(data))
    return path


def corrupt_xref(path: Path) -> Path:
    """Break the cross-reference table and the pointer to it; the objects stay readable."""
    data = SAMPLE_PDF.read_bytes()
    tail = data.rfind(b"startxref")
    data = data[:tail] + b"startxref\n99999999\n%%EOF\n"
    data = data.replace(b"\nxref", b"\nxzef")
    path.write_bytes(data)
    return path


def encrypted(path: Path, user_password: str = "secret-user", source: Path = SAMPLE_PDF) -> Path:
    """user_password='' gives an owner-password-only PDF, which opens without a password."""
    subprocess.run(
        ["qpdf", "--encrypt", user_password, "secret-owner", "256", "--", str(source), str(path)], check=True
    )
    return path


def joined(path: Path, pages: list[str]) -> Path:
    """A PDF of the given files' pages (qpdf's --pages arguments: FILE [RANGE] ...)."""
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        pytest.fail("qpdf is needed (apt-get install qpdf)")
    subprocess.run([qpdf, "--empty", "--pages", *pages, "--", str(path)], check=True)
    return path


def without_page(path: Path, page: int, source: Path = SAMPLE_PDF) -> Path:
    subprocess.run(
        ["qpdf", str(source), "--pages", str(source), f"1-{page - 1},{page + 1}-z", "--", str(path)],
        check=True,
    )
    return path


def image_only(path: Path) -> Path:
    img = Image.new("RGB", (400, 300), "white")
    for x in range(50, 350):
        img.putpixel((x, 150), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    c = Canvas(str(path))
    c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 50, 400, 400, 300)
    c.save()
    return path


def blank_pages(path: Path, printed: int = 0, blank: int = 2) -> Path:
    """``printed`` pages of a notice (no report), then ``blank`` pages that draw nothing."""
    c = Canvas(str(path))
    for _ in range(printed):
        c.setFont(_font(), 12)
        c.drawString(72, 700, "令和3年9月 お知らせ:市民の皆様へ。施策と担当課のご案内です。")
        c.showPage()
    for _ in range(blank):
        c.showPage()
    c.save()
    return path


def _font() -> str:
    if "IPAM" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("IPAM", FONTS["ipam"]))
    return "IPAM"


def not_a_report(path: Path) -> Path:
    c = Canvas(str(path))
    c.setFont(_font(), 12)
    c.drawString(72, 700, "令和3年9月 お知らせ:市民の皆様へ。施策と担当課のご案内です。")
    c.save()
    return path


def many_pages(path: Path, pages: int) -> Path:
    c = Canvas(str(path))
    for i in range(pages):
        c.setFont(_font(), 10)
        c.drawString(72, 700, f"第{i + 1}頁")
        c.showPage()
    c.save()
    return path


def huge_page(path: Path, lines: int) -> Path:
    """One page whose content stream draws ``lines`` tiny rules: a page no table has."""
    c = Canvas(str(path), pageCompression=1)
    c.setLineWidth(0.1)
    for i in range(lines):
        x = (i % 500) * 1.1
        y = (i // 500) % 700
        c.line(x, y, x + 0.5, y)
    c.save()
    return path


def write_objects(path: Path, objects: list[bytes]) -> Path:
    """A PDF written by hand from its numbered objects (1: the catalog), with its xref table:
    for files no library would write (a stream shared by every page, a bomb of glyphs)."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def shared_stream(path: Path, pages: int, rects: int) -> Path:
    """``pages`` pages that all draw one content stream of ``rects`` ruled rectangles: each
    page passes the page limits, the file costs ``pages`` times a page (a compact PDF, written
    by hand: the stream is stored once and compressed)."""
    import zlib

    cells = "\n".join(f"{(i % 400) * 1.4:.1f} {(i // 400) % 780 + 5} 1 0.8 re S" for i in range(rects))
    stream = zlib.compress(cells.encode())
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"] * pages
    return write_objects(path, objects)
