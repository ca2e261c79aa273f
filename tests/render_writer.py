"""Render a school's 学校評価シート from its hand-checked record, then print it with LibreOffice Writer.

Test-only, beside `render_calc.py` (Calc): the school types its sheet in a word processor (Word,
Ichitaro), so here Writer itself wraps the lines of each cell, applies its Japanese line-breaking
rules (kinsoku), sizes the rows and draws the rulings. The document is a flat ODT (`.fodt`, plain
XML: tests/odt.py) holding what the real sheet prints (tests/school_sheet.py). A typed line
break of the record ("\\n") is a paragraph (or a line break) in the cell; Writer wraps the rest.
`soffice --headless --convert-to pdf` prints it, one private profile per call so runs never
collide; a variant stored turned by /Rotate 90 is made from the print with qpdf.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from libreoffice import print_documents
from odt import NS, column_styles, default_styles, page_layout, styles
from school_sheet import FAMILIES, Family, family_of, focus_goals, scale, sheet, title

__all__ = ["FAMILIES", "FONTS", "PAPERS", "Family", "WriterVariant", "family_of", "render_many"]

FONTS = ("IPAexGothic", "IPAexMincho", "IPAGothic", "IPAMincho", "IPAPGothic", "IPAPMincho")
PAPERS = {"A4": (210.0, 297.0), "B4": (257.0, 364.0), "A3": (297.0, 420.0)}  # mm, portrait


@dataclass(frozen=True)
class WriterVariant:
    """How Writer prints the sheet: font, size (None: the family's), paper (None: the family's),
    orientation, column widths (a factor per field, the table still spanning the page), cell
    padding, and whether a typed break is a new paragraph or a line break inside one."""

    font: str = "IPAexMincho"
    size: float | None = None
    paper: str | None = None
    landscape: bool = True
    widths: tuple[tuple[str, float], ...] = ()
    pad: float = 1.0  # pt
    line_breaks: bool = False  # "\n" as <text:line-break/> instead of a new paragraph
    justify: bool = False  # lines set justified (Word's 両端揃え) instead of flush left
    repeat_heads: bool = True  # the heading rows repeat on every page the table runs over
    leading: float | None = None  # line height as a factor of the size (None: the font's own)
    margin: float = 10.0  # page margins, mm
    rotated: bool = False  # stored as a portrait page turned by /Rotate 90 (as the F1, F5 sheets)
    heads: tuple[tuple[str, str], ...] = ()  # other column heads, by field (other years' words)
    apart: bool = False  # the stakeholders' comment in a table of its own beside the sheet's


def render_many(jobs: dict[str, tuple[dict, WriterVariant]], outdir: Path) -> dict[str, Path]:
    """Every (record, variant) as ``<name>.pdf`` in ``outdir``, printed by one Writer process."""
    pdfs = print_documents({name: document(record, v) for name, (record, v) in jobs.items()}, ".fodt", outdir)
    for name, (_, v) in jobs.items():
        if v.rotated:
            rotate(pdfs[name])
    return pdfs


def rotate(pdf: Path) -> None:
    """Store each landscape page as a portrait one whose /Rotate 90 shows it landscape again:
    the content drawn turned a quarter (x, y) -> (H - y, x), as a printer driver stores an A3
    sheet (qpdf writes the file plain, fix-qdf mends its lengths and offsets)."""
    plain = pdf.with_suffix(".qdf")
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(pdf), str(plain)], check=True)
    data = plain.read_bytes()
    box = re.compile(rb"/MediaBox \[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")
    height = float(box.search(data).group(2))  # type: ignore[union-attr]
    data = box.sub(lambda m: b"/MediaBox [ 0 0 %s %s ]\n  /Rotate 90" % (m[2], m[1]), data)
    turn = b"q 0 1 -1 0 %.4f 0 cm\n" % height
    data = re.sub(
        rb"(%% Contents for page \d+\n(?:%%[^\n]*\n)*\d+ 0 obj\n<<[^>]*>>\nstream\n)(.*?)(\nendstream)",
        lambda m: m[1] + turn + m[2] + b"\nQ" + m[3],
        data,
        flags=re.S,
    )
    fixed = subprocess.run(["fix-qdf"], input=data, check=True, capture_output=True).stdout
    pdf.write_bytes(fixed)
    plain.unlink()


def document(record: dict, v: WriterVariant) -> str:
    """The whole flat-ODT document: styles, the title, the two boxes and the sheet's table."""
    fam = family_of(record)
    size = v.size or fam.size
    short, long = PAPERS[v.paper or fam.paper]
    width, height = (long, short) if v.landscape else (short, long)
    text_width = (width - 2 * v.margin) / 25.4 * 72  # pt between the margins
    body = (
        title(record, fam)
        + scale(record, fam, size)
        + focus_goals(record)
        + sheet(record, fam, v, text_width)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {NS} office:version="1.3" '
        'office:mimetype="application/vnd.oasis.opendocument.text">'
        f'<office:font-face-decls><style:font-face style:name="F" svg:font-family="{v.font}"/>'
        "</office:font-face-decls>"
        f"<office:styles>{default_styles(size, v.leading)}</office:styles>"
        f"<office:automatic-styles>{page_layout(width, height, v.margin)}{styles(size, v.pad)}{column_styles(body)}"
        "</office:automatic-styles>"
        '<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"/>'
        "</office:master-styles>"
        f"<office:body><office:text>{body}</office:text></office:body></office:document>"
    )
