"""Render the report's records as a LibreOffice Calc spreadsheet, then print it to PDF with Calc.

Test-only, beside `render.py` (reportlab): the city's report is a spreadsheet export (the
sample's PDF says Calc, LibreOffice 7.4), so here Calc itself wraps the lines, draws the
borders, breaks the pages (rows of a sheet repeated on every page: the 【基本施策】 box and the
column heads) and scales the print. The workbook is a flat ODS (`.fods`, plain XML written
with the standard library); libreoffice.py prints it (`soffice --headless --convert-to pdf`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from libreoffice import COVERED, print_documents, table_cell
from odt import NS as ODT_NS
from odt import column_styles
from render import CIRCLED, COMMENT_HEAD, COMMENT_WIDTHS, SHEET_HEAD, SHEET_WIDTHS

FONTS = ("IPAexGothic", "IPAexMincho", "IPAGothic", "IPAMincho", "IPAPGothic", "IPAPMincho")
PAPERS = {"A4": (210.0, 297.0), "B4": (257.0, 364.0), "A3": (297.0, 420.0)}  # mm, portrait
NS = (
    ODT_NS + ' xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0"'
)  # Calc's own


@dataclass(frozen=True)
class CalcVariant:
    """How the workbook prints: font, size, paper, print scaling, column widths, cell padding."""

    font: str = "IPAexGothic"
    size: float = 9.0
    paper: str = "A4"
    landscape: bool = True
    scale: int | None = None  # a percentage; None fits the columns to the page's width
    widths: float = 1.0  # every column's width times this (0.8–1.2)
    pad: float = 1.4  # cell padding, pt
    body_valign: str = "top"  # vertical alignment of the long texts: top / middle
    measure_breaks: bool = True  # a page break before each 施策, as the sample; Calc adds its own


def render_many(records: dict, variants: dict[str, CalcVariant], outdir: Path) -> dict[str, Path]:
    """Every variant as ``<name>.pdf`` in ``outdir``, printed by one Calc process (it starts once)."""
    return print_documents({name: workbook(records, v) for name, v in variants.items()}, ".fods", outdir)


# -- the workbook --------------------------------------------------------------------------------


def workbook(records: dict, v: CalcVariant) -> str:
    """The whole flat-ODS document: styles, then one table per page group."""
    tables = [_cover(records, v), _scale(records, v), _comments(records, v)]
    titles = {p["sheet_no"]: p for p in records["policies"]}
    for no, policy in titles.items():
        rows = [e for e in records["evaluations"] if e["sheet_no"] == no]
        tables.append(_sheet(policy, rows, v, no))
    body = "".join(tables)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {NS} office:version="1.3" '
        'office:mimetype="application/vnd.oasis.opendocument.spreadsheet">'
        f'<office:font-face-decls><style:font-face style:name="F" svg:font-family="{v.font}"/>'
        "</office:font-face-decls>"
        f"<office:styles>{_default_style(v)}</office:styles>"
        f"<office:automatic-styles>{_auto_styles(v)}{column_styles(body, 'c')}</office:automatic-styles>"
        '<office:master-styles><style:master-page style:name="Default" style:page-layout-name="pm1">'
        '<style:header style:display="false"/><style:footer style:display="false"/>'
        "</style:master-page></office:master-styles>"
        f"<office:body><office:spreadsheet>{body}</office:spreadsheet></office:body></office:document>"
    )


def _text_props(size: float, bold: bool = False) -> str:
    weight = ' fo:font-weight="bold" style:font-weight-asian="bold"' if bold else ""
    return (
        f'<style:text-properties style:font-name="F" style:font-name-asian="F" style:font-name-complex="F" '
        f'fo:font-size="{size}pt" style:font-size-asian="{size}pt" style:font-size-complex="{size}pt"{weight}/>'
    )


def _default_style(v: CalcVariant) -> str:
    return f'<style:default-style style:family="table-cell">{_text_props(v.size)}</style:default-style>'


def _page_layout(v: CalcVariant) -> str:
    short, long = PAPERS[v.paper]
    w, h = (long, short) if v.landscape else (short, long)
    fit = 'style:scale-to-X="1" style:scale-to-Y="0"' if v.scale is None else f'style:scale-to="{v.scale}%"'
    return (
        f'<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="{w}mm" '
        f'fo:page-height="{h}mm" style:print-orientation="{"landscape" if v.landscape else "portrait"}" '
        'fo:margin-top="12mm" fo:margin-bottom="12mm" fo:margin-left="13mm" fo:margin-right="13mm" '
        f'style:print="objects charts drawings" style:print-page-order="ttb" {fit}/></style:page-layout>'
    )


# cell styles: name -> (horizontal, vertical, border, grey background, size factor, bold)
CELLS = {
    "head": ("center", "middle", True, True, 1.0, False),
    "label": ("center", "middle", True, True, 1.0, False),
    "value": ("start", "middle", True, False, 1.0, False),
    "text": ("start", "top", True, False, 1.0, False),
    "mid": ("start", "middle", True, False, 1.0, False),
    "centre": ("center", "middle", True, False, 1.0, False),
    "plain": ("start", "top", False, False, 1.0, False),
    "caption": ("start", "bottom", False, False, 1.1, True),
    "h1": ("center", "middle", False, False, 2.8, False),
    "h2": ("center", "middle", False, False, 2.2, False),
    "h3": ("center", "middle", False, False, 1.75, False),
    "scale": ("start", "middle", False, False, 1.55, False),
}


def _auto_styles(v: CalcVariant) -> str:
    out = [_page_layout(v)]
    out.append('<style:style style:name="ta1" style:family="table" style:master-page-name="Default">')
    out.append('<style:table-properties table:display="true"/></style:style>')
    out.append('<style:style style:name="ro" style:family="table-row">')
    out.append('<style:table-row-properties style:use-optimal-row-height="true"/></style:style>')
    out.append('<style:style style:name="rb" style:family="table-row"><style:table-row-properties ')
    out.append('fo:break-before="page" style:use-optimal-row-height="true"/></style:style>')
    for name, (h, va, border, grey, factor, bold) in CELLS.items():
        va = v.body_valign if name == "text" else va
        props = f'style:vertical-align="{va}" fo:wrap-option="wrap" fo:padding="{v.pad}pt"'
        if border:
            props += ' fo:border="0.5pt solid #000000"'
        if grey:
            props += ' fo:background-color="#d9d9d9"'
        out.append(
            f'<style:style style:name="{name}" style:family="table-cell"><style:table-cell-properties {props}/>'
            f'<style:paragraph-properties fo:text-align="{h}"/>{_text_props(round(v.size * factor, 1), bold)}'
            "</style:style>"
        )
    return "".join(out)


@dataclass
class _Cell:
    """One cell: its text (typed breaks as \\n, one paragraph each), style and merged span."""

    text: str = ""
    style: str = "text"
    down: int = 1
    across: int = 1


def _table(
    name: str, widths: list[float], head: list[list], rows: list[list], breaks: set[int] | None = None
) -> str:
    """One sheet: columns in pt, rows of cells (None under or beside a merged cell), page breaks
    before the rows numbered in ``breaks``; ``head`` rows repeat on every page."""
    cols = "".join(_column(w) for w in widths)
    heads = "".join(_row(r) for r in head)
    heads = f"<table:table-header-rows>{heads}</table:table-header-rows>" if heads else ""
    body = "".join(_row(r, "rb" if i in (breaks or set()) else "ro") for i, r in enumerate(rows))
    return (
        f'<table:table table:name={quoteattr(name)} table:style-name="ta1">{cols}{heads}{body}</table:table>'
    )


def _column(width: float) -> str:
    """A column named by its width (c<pt×10>); odt.column_styles writes each style once."""
    return f'<table:table-column table:style-name="c{round(width * 10)}"/>'


def _row(cells: list[_Cell | None], style: str = "ro") -> str:
    out = []
    for c in cells:
        paras = (
            "".join(f"<text:p>{escape(line)}</text:p>" for line in c.text.split("\n")) if c and c.text else ""
        )
        out.append(table_cell(c.style, c.down, c.across, paras, bool(c.text)) if c else COVERED)
    return f'<table:table-row table:style-name="{style}">{"".join(out)}</table:table-row>'


# -- the report's pages --------------------------------------------------------------------------


def _num(n: int | None) -> str:
    return "" if n is None else f"({n})"


def _rating(r: str | None) -> str:
    return "—" if r is None else r


def _with_covid(main: str | None, covid: str | None) -> str:
    return "\n".join(p for p in (main, "【感染症対応】\n" + covid if covid else None) if p)


def _cover(records: dict, v: CalcVariant) -> str:
    info = records["report"]
    year, month = (int(x) for x in info["published"].split("-"))
    lines = [
        ("", "plain"),
        ("", "plain"),
        (info["title"], "h1"),
        (f"({info['fiscal_year_label']}実績報告)", "h2"),
        ("", "plain"),
        ("", "plain"),
        (f"令和{year - 2018}年{month}月", "h3"),
        (info["issuer"], "h3"),
    ]
    rows = [[_Cell(t, s, across=3), None, None] for t, s in lines]
    return _table("表紙", _widths((250, 250, 250), v), [], rows)


def _scale(records: dict, v: CalcVariant) -> str:
    rows: list[list[_Cell | None]] = [[_Cell("【事業評価の評価基準】", "scale", across=2), None]]
    for code, text in records["rating_scale"].items():
        rows.append([_Cell(f"{code}・・・", "scale"), _Cell(text, "scale")])
    rows += [[_Cell(n, "scale", across=2), None] for n in records["report"].get("notes", [])[1:]]
    return _table("評価基準", _widths((70, 560), v), [], rows)


def _comments(records: dict, v: CalcVariant) -> str:
    title = f"{records['report']['title']}({records['report']['fiscal_year_label']}実績報告)"
    head = [
        [_Cell(title, "caption", across=5), None, None, None, None],
        [_Cell(h, "head") for h in COMMENT_HEAD],
    ]
    rows: list[list[_Cell | None]] = []
    for c in records["comments"]:
        opinion, response = _Cell(c["opinion"]), _Cell(c["response"] or "")
        if c["sheet_no"] is None:
            rows.append([_Cell("計画全体について", "centre", across=3), None, None, opinion, response])
            continue
        number = _num(c["measure_no"])
        if c["initiative_no"] and not c["opinion"].startswith(CIRCLED[c["initiative_no"] - 1]):
            number += " " + CIRCLED[c["initiative_no"] - 1]
        policy = c["policy_title"] or ""
        rows.append([_Cell(str(c["sheet_no"]), "centre"), _Cell(policy, "centre"), _Cell(number, "centre")])
        rows[-1] += [opinion, response]
    return _table("委員会評価", _widths(COMMENT_WIDTHS, v), head, rows)


def _sheet(policy: dict, rows: list[dict], v: CalcVariant, no: int) -> str:
    """One 基本施策: its box and the column heads repeat on every page Calc breaks it into."""
    pairs = [
        ("基本目標", f"{policy['goal_no']} {policy['goal_title']}"),
        ("基本施策", policy["policy_title"]),
    ]
    pairs += [(f"施策{_num(m['measure_no'])}", m["measure_title"]) for m in policy["measures"]]
    blank: list[_Cell | None] = [_Cell("", "plain") for _ in SHEET_HEAD]
    head: list[list[_Cell | None]] = [[_Cell("【基本施策】", "caption", across=2), None] + blank[2:]]
    for label, value in pairs:
        head.append(
            [_Cell(label, "label", across=2), None, _Cell(value, "value", across=2), None] + blank[4:]
        )
    head += [blank, [_Cell(h, "head") for h in SHEET_HEAD]]
    body: list[list[_Cell | None]] = [_eval_row(e) for e in rows]
    for col, key in ((0, _measure_key), (1, _initiative_key)):
        _merge(body, rows, col, key)
    starts = {i for i in range(1, len(rows)) if rows[i]["measure_no"] != rows[i - 1]["measure_no"]}
    return _table(f"シート{no}", _widths(SHEET_WIDTHS, v), head, body, starts if v.measure_breaks else set())


def _eval_row(e: dict) -> list[_Cell | None]:
    title = ("【新規】" if e["is_new"] else "") + e["initiative_title"]
    number = CIRCLED[e["initiative_no"] - 1] + " " if e["initiative_no"] else ""
    return [
        _Cell(_num(e["measure_no"]), "centre"),
        _Cell(number + title, "mid"),
        _Cell(e["department"] or "", "centre"),
        _Cell(_with_covid(e["results"], e["results_covid"])),
        _Cell(_rating(e["prev_rating"]), "centre"),
        _Cell(_rating(e["rating"]), "centre"),
        _Cell(_with_covid(e["outlook"], e["outlook_covid"])),
    ]


def _measure_key(e: dict) -> tuple:
    return (e["measure_no"],)


def _initiative_key(e: dict) -> tuple:
    return (e["measure_no"], e["initiative_no"], e["initiative_title"])


def _merge(body: list[list[_Cell | None]], rows: list[dict], col: int, key: Callable[[dict], tuple]) -> None:
    """A measure or an initiative spanning rows is one merged cell, as the form prints it."""
    r = 0
    while r < len(rows):
        span = 1
        while r + span < len(rows) and key(rows[r + span]) == key(rows[r]):
            body[r + span][col] = None
            span += 1
        cell = body[r][col]
        assert cell is not None
        cell.down = span
        r += span


def _widths(widths: tuple[float, ...], v: CalcVariant) -> list[float]:
    # the sample prints its sheet columns at these widths after a 92 % fit; the workbook is wider
    return [round(w / 0.92 * v.widths, 1) for w in widths]
