"""Flat ODT (``.fodt``) for LibreOffice Writer, written with the standard library: test-only.

The pieces tests/render_writer.py builds a document from: one font (the variant's) in every
style, paragraph styles by alignment and size, bordered table cells with padding, tables of
columns in points whose first rows may repeat on every page, and a cell's text as paragraphs
(or one paragraph with line breaks). A run of spaces is kept (ODF collapses them otherwise).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from libreoffice import COVERED, table_cell

NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"'
)


def text_props(size: float, bold: bool = False) -> str:
    weight = ' fo:font-weight="bold" style:font-weight-asian="bold"' if bold else ""
    return (
        '<style:text-properties style:font-name="F" style:font-name-asian="F" style:font-name-complex="F" '
        'fo:language="ja" fo:country="JP" style:language-asian="ja" style:country-asian="JP" '
        f'fo:font-size="{size}pt" style:font-size-asian="{size}pt" style:font-size-complex="{size}pt"{weight}/>'
    )


def default_styles(size: float, line_height: float | None) -> str:
    return (
        '<style:default-style style:family="paragraph"><style:paragraph-properties '
        f'fo:margin-top="0pt" fo:margin-bottom="0pt" {leading(size, line_height)}/>'
        f"{text_props(size)}</style:default-style>"
    )


def leading(size: float, line_height: float | None) -> str:
    """Lines set at the font's own height, or at ``line_height`` times the size."""
    if line_height is None:
        return 'fo:line-height="100%"'
    return f'fo:line-height="{round(line_height * size, 2)}pt"'


def page_layout(width: float, height: float, margin: float) -> str:
    return (
        f'<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="{width}mm" '
        f'fo:page-height="{height}mm" style:print-orientation="{"landscape" if width > height else "portrait"}" '
        f'fo:margin-top="{margin}mm" fo:margin-bottom="{margin}mm" fo:margin-left="{margin}mm" fo:margin-right="{margin}mm"/>'
        "</style:page-layout>"
    )


# paragraph styles: name -> (alignment, size factor, bold)
PARAS = {
    "P": ("start", 1.0, False),
    "J": ("justify", 1.0, False),
    "C": ("center", 1.0, False),
    "R": ("end", 1.0, False),
    "T": ("start", 2.0, True),
    "S": ("start", 1.3, False),
}


def styles(size: float, pad: float) -> str:
    out = []
    for name, (align, factor, bold) in PARAS.items():
        out.append(
            f'<style:style style:name="{name}" style:family="paragraph">'
            f'<style:paragraph-properties fo:text-align="{align}"/>{text_props(round(size * factor, 1), bold)}'
            "</style:style>"
        )
    for name, valign, border in (("top", "top", True), ("mid", "middle", True), ("bare", "top", False)):
        props = f'style:vertical-align="{valign}" fo:padding="{pad if border else 0}pt"'
        props += ' fo:border="0.5pt solid #000000"' if border else ' fo:border="none"'
        out.append(
            f'<style:style style:name="{name}" style:family="table-cell"><style:table-cell-properties {props}/>'
            "</style:style>"
        )
    out.append(
        '<style:style style:name="tab" style:family="table"><style:table-properties table:align="left"/>'
    )
    out.append("</style:style>")
    return "".join(out)


def column_styles(doc: str, prefix: str = "w") -> str:
    """The column styles the tables used (<prefix><pt×10>), written once each."""
    names = sorted(set(re.findall(rf'table:style-name="({prefix}\d+)"', doc)))
    return "".join(
        f'<style:style style:name="{n}" style:family="table-column">'
        f'<style:table-column-properties style:column-width="{int(n[1:]) / 10}pt"/></style:style>'
        for n in names
    )


@dataclass
class Cell:
    """One cell: its text (typed breaks as \\n), paragraph style, vertical alignment, spans."""

    text: str = ""
    para: str = "P"
    valign: str = "top"
    down: int = 1
    across: int = 1
    inner: str = ""  # a table nested in the cell (its XML), instead of text


def table(
    widths: list[float], rows: list[list[Cell | None]], line_breaks: bool = False, heads: int = 0
) -> str:
    """A table of columns in pt; its first ``heads`` rows repeat on every page (タイトル行)."""
    cols = "".join(f'<table:table-column table:style-name="w{round(w * 10)}"/>' for w in widths)
    head = "".join(_row(r, line_breaks) for r in rows[:heads])
    head = f"<table:table-header-rows>{head}</table:table-header-rows>" if head else ""
    body = "".join(_row(r, line_breaks) for r in rows[heads:])
    return f'<table:table table:style-name="tab">{cols}{head}{body}</table:table>'


def xml(text: str) -> str:
    """Text as ODF keeps it: a run of spaces is one space and a <text:s/> for the rest."""
    return re.sub(r"  +", lambda m: f' <text:s text:c="{len(m.group()) - 1}"/>', escape(text))


def _row(cells: list[Cell | None], line_breaks: bool) -> str:
    out = []
    for c in cells:
        paras = (c.inner or "".join(paragraphs(c.text, c.para, line_breaks))) if c else ""
        out.append(table_cell(c.valign, c.down, c.across, paras) if c else COVERED)
    return f"<table:table-row>{''.join(out)}</table:table-row>"


def paragraphs(text: str, style: str, line_breaks: bool) -> list[str]:
    """A cell's text: one paragraph per typed break (or one paragraph with line breaks); a
    percentage on a line of its own set flush right, as the sheets print （７０％）."""
    lines = text.split("\n")
    if line_breaks:
        return [f'<text:p text:style-name="{style}">{"<text:line-break/>".join(map(xml, lines))}</text:p>']
    return [para(line, "R" if _PERCENT.fullmatch(line) else style) for line in lines]


_PERCENT = re.compile(r"[（(][0-9０-９.．]+[％%][）)]")


def para(text: str, style: str = "P") -> str:
    return f'<text:p text:style-name="{style}">{xml(text)}</text:p>'
