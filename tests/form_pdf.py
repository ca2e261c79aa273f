"""Draw small ruled forms with reportlab, for tests of the form reader on real PDFs.

Test-only. A form is a list of pages; a page is a list of ruled tables (each cell a box
with its printed lines, drawn where the test says) and free lines. Text in a cell is wrapped
greedily, glyph by glyph, as a spreadsheet wraps it (``wrap``), so a reader that joins
wrapped lines gets the text back whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_FILE = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"
FONT = "F-form-ipaexg"
SIZE = 9.0
PAD = 3.0
LEADING = SIZE * 1.4
WIDTH, HEIGHT = 595.0, 842.0


@dataclass
class Box:
    """One ruled cell: its box (top-left origin) and the lines printed in it."""

    x0: float
    top: float
    x1: float
    bottom: float
    lines: list[str] = field(default_factory=list)


@dataclass
class Page:
    boxes: list[Box] = field(default_factory=list)
    free: list[tuple[float, float, str]] = field(default_factory=list)  # x, top, text


def _font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_FILE))


def text_width(text: str) -> float:
    _font()
    return pdfmetrics.stringWidth(text, FONT, SIZE)


def wrap(text: str, width: float) -> list[str]:
    """Greedy wrapping glyph by glyph into ``width`` points less the padding."""
    inner = width - 2 * PAD
    lines = [""]
    for ch in text:
        if lines[-1] and text_width(lines[-1] + ch) > inner:
            lines.append("")
        lines[-1] += ch
    return lines


def draw(pages: list[Page], path: Path) -> Path:
    _font()
    canvas = Canvas(str(path), pagesize=(WIDTH, HEIGHT))
    canvas.setLineWidth(0.6)
    for page in pages:
        for box in page.boxes:
            canvas.rect(box.x0, HEIGHT - box.bottom, box.x1 - box.x0, box.bottom - box.top, stroke=1, fill=0)
            canvas.setFont(FONT, SIZE)
            for i, line in enumerate(box.lines):
                canvas.drawString(box.x0 + PAD, HEIGHT - (box.top + PAD + i * LEADING) - SIZE, line)
        for x, top, text in page.free:
            canvas.setFont(FONT, SIZE)
            canvas.drawString(x, HEIGHT - top - SIZE, text)
        canvas.showPage()
    canvas.save()
    return path


def rows(x: list[float], top: float, texts: list[list[str]], height: float = 20.0) -> list[Box]:
    """A ruled table of one-line cells: row by row, column rules at ``x``."""
    out = []
    for r, row in enumerate(texts):
        for c, text in enumerate(row):
            out.append(Box(x[c], top + r * height, x[c + 1], top + (r + 1) * height, [text] if text else []))
    return out


def lines_height(n: int) -> float:
    return 2 * PAD + n * LEADING
