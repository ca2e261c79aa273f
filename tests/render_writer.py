"""Render a school's 学校評価シート from its hand-checked record, then print it with LibreOffice Writer.

Test-only, beside `render_calc.py` (Calc): the school types its sheet in a word processor (Word,
Ichitaro), so here Writer itself wraps the lines of each cell, applies its Japanese line-breaking
rules (kinsoku), sizes the rows and draws the rulings. The document is a flat ODT (`.fodt`, plain
XML written with the standard library) holding what the real sheet prints: the title line with
the school's name, the rating scale box, the 本年度の重点目標 box, and one table with the form
family's heading rows and column heads, one row per item (F1 and F5 split 具体的取組 / 評価指標
into sub-rows, F6 prints three sub-rows per 番号 with 重点目標 and 今後の改善方策 merged over them)
and the stakeholders' comment merged down the right. A typed line break of the record ("\\n") is
a paragraph (or a line break) in the cell; Writer wraps the rest. `soffice --headless
--convert-to pdf` prints it, one private profile per call so runs never collide.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

FONTS = ("IPAexGothic", "IPAexMincho", "IPAGothic", "IPAMincho", "IPAPGothic", "IPAPMincho")
PAPERS = {"A4": (210.0, 297.0), "B4": (257.0, 364.0), "A3": (297.0, 420.0)}  # mm, portrait
NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"'
)


@dataclass(frozen=True)
class Family:
    """What a form family prints: its paper, type size, column heads and their widths (pt, as
    measured on the real sheet), the heading rows above them, and how an item's rows are cut."""

    name: str
    paper: str
    size: float
    columns: tuple[tuple[str, str, float], ...]  # (field, printed head, width)
    headings: tuple[tuple[str, int], ...]  # the band over the heads: (text, columns spanned)
    title: str  # {label}: the fiscal year as printed
    scale_head: str
    digits: str  # how the 番号 prints: "full" (１) or "half" (1)
    subrows: str  # "none", "split" (F1, F5: actions / indicator), "items" (F6: one item each)
    stakeholder_head_down: bool = False  # the comment column's head fills the heading band (F6)


_F1_COLUMNS = (
    ("no", "番号", 22),
    ("goal", "現状と課題", 128),
    ("evaluation_item", "評価項目", 100),
    ("actions", "具体的取組", 140),
    ("indicator", "評価指標", 140),
    ("achievement", "評価項目の達成状況", 140),
    ("rating", "達成度", 25),
    ("next_steps", "次年度への課題と改善方策", 141),
    ("stakeholder_comment", "学校関係者からの意見・要望・評価等", 212),
)
_F1_HEADINGS = (("重 点 目 標", 5), ("年 度 評 価 （ ３月１８日 現在 ）", 3))
FAMILIES = {
    "F1": Family(
        "F1",
        "A3",
        10.5,
        _F1_COLUMNS,
        _F1_HEADINGS,
        "{label}　　学 校 評 価 シ ー ト",
        "達\n成\n度",
        "full",
        "split",
    ),
    "F3": Family(
        "F3",
        "A4",
        7.9,
        tuple(
            (f, h, w)
            for (f, h, _), w in zip(_F1_COLUMNS, (22, 75, 90, 105, 100, 113, 22, 108, 139), strict=True)
        ),
        (("重 点 項 目", 5), ("{label}評価（３月１７日現在）", 3)),
        "{label}学校評価シート",
        "達\n成\n度",
        "full",
        "none",
    ),
    "F5": Family(
        "F5",
        "A3",
        10.4,
        _F1_COLUMNS,
        _F1_HEADINGS,
        "{label}　　学 校 評 価 シ ー ト",
        "達\n成\n度",
        "full",
        "split",
    ),
    "F6": Family(
        "F6",
        "A3",
        8.0,
        (
            ("no", "番\n号", 22),
            ("goal", "重点目標", 130),
            ("status", "現\n状", 22),
            ("actions", "具体的取組", 160),
            ("indicator", "評価項目と評価指標", 120),
            ("rating", "進\n捗\n度", 22),
            ("achievement", "進捗状況", 165),
            ("next_steps", "今後の改善方策", 172),
            ("stakeholder_comment", "学校関係者評価（２月８日実施）", 278),
        ),
        (("", 1), ("計画・取組", 4), ("評価（３月８日現在）", 3)),
        "{label} 学校評価シート（案）",
        "現\n状\n・\n進\n捗\n度",
        "half",
        "items",
        stakeholder_head_down=True,
    ),
}


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


def soffice() -> str | None:
    """The LibreOffice binary, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def render_many(jobs: dict[str, tuple[dict, WriterVariant]], outdir: Path) -> dict[str, Path]:
    """Every (record, variant) as ``<name>.pdf`` in ``outdir``, printed by one Writer process."""
    docs = []
    for name, (record, v) in jobs.items():
        docs.append(outdir / f"{name}.fodt")
        docs[-1].write_text(document(record, v), encoding="utf-8")
    convert(*docs, outdir=outdir)
    pdfs = {name: outdir / f"{name}.pdf" for name in jobs}
    if missing := [p.name for p in pdfs.values() if not p.exists()]:
        raise RuntimeError(f"soffice wrote no {', '.join(missing)}")
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


def convert(*docs: Path, outdir: Path) -> None:
    """Print documents to PDF, with a profile of its own (a shared one locks up in parallel)."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="hyoka-lo-") as profile:
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf"]
        subprocess.run(
            [*cmd, "--outdir", str(outdir), *map(str, docs)],
            check=True,
            capture_output=True,
            timeout=600,
            env={**os.environ, "HOME": profile},
        )


def family_of(record: dict) -> Family:
    """The form family the record's notes name (``Layout family F1 (…)``)."""
    for note in record["notes"]:
        if match := re.match(r"Layout family (F\d)", note):
            return FAMILIES[match.group(1)]
    raise ValueError("the record names no layout family")


# -- the document --------------------------------------------------------------------------------


def document(record: dict, v: WriterVariant) -> str:
    """The whole flat-ODT document: styles, the title, the two boxes and the sheet's table."""
    fam = family_of(record)
    size = v.size or fam.size
    short, long = PAPERS[v.paper or fam.paper]
    width, height = (long, short) if v.landscape else (short, long)
    text_width = (width - 2 * v.margin) / 25.4 * 72  # pt between the margins
    body = (
        _title(record, fam)
        + _scale(record, fam, size)
        + _focus_goals(record)
        + _sheet(record, fam, v, text_width)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {NS} office:version="1.3" '
        'office:mimetype="application/vnd.oasis.opendocument.text">'
        f'<office:font-face-decls><style:font-face style:name="F" svg:font-family="{v.font}"/>'
        "</office:font-face-decls>"
        f"<office:styles>{_default_styles(v, size)}</office:styles>"
        f"<office:automatic-styles>{_page_layout(width, height, v.margin)}{_styles(v, size)}{_column_styles(body)}"
        "</office:automatic-styles>"
        '<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"/>'
        "</office:master-styles>"
        f"<office:body><office:text>{body}</office:text></office:body></office:document>"
    )


def _text_props(size: float, bold: bool = False) -> str:
    weight = ' fo:font-weight="bold" style:font-weight-asian="bold"' if bold else ""
    return (
        '<style:text-properties style:font-name="F" style:font-name-asian="F" style:font-name-complex="F" '
        'fo:language="ja" fo:country="JP" style:language-asian="ja" style:country-asian="JP" '
        f'fo:font-size="{size}pt" style:font-size-asian="{size}pt" style:font-size-complex="{size}pt"{weight}/>'
    )


def _default_styles(v: WriterVariant, size: float) -> str:
    return (
        '<style:default-style style:family="paragraph"><style:paragraph-properties '
        f'fo:margin-top="0pt" fo:margin-bottom="0pt" {_leading(v, size)}/>'
        f"{_text_props(size)}</style:default-style>"
    )


def _leading(v: WriterVariant, size: float) -> str:
    if v.leading is None:
        return 'fo:line-height="100%"'
    return f'fo:line-height="{round(v.leading * size, 2)}pt"'


def _page_layout(width: float, height: float, margin: float) -> str:
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


def _styles(v: WriterVariant, size: float) -> str:
    out = []
    for name, (align, factor, bold) in PARAS.items():
        out.append(
            f'<style:style style:name="{name}" style:family="paragraph">'
            f'<style:paragraph-properties fo:text-align="{align}"/>{_text_props(round(size * factor, 1), bold)}'
            "</style:style>"
        )
    for name, valign in (("top", "top"), ("mid", "middle")):
        out.append(
            f'<style:style style:name="{name}" style:family="table-cell"><style:table-cell-properties '
            f'style:vertical-align="{valign}" fo:padding="{v.pad}pt" fo:border="0.5pt solid #000000"/>'
            "</style:style>"
        )
    out.append(
        '<style:style style:name="tab" style:family="table"><style:table-properties table:align="left"/>'
    )
    out.append("</style:style>")
    return "".join(out)


def _column_styles(doc: str) -> str:
    """The column styles the tables used (w<pt×10>), written once each."""
    names = sorted(set(re.findall(r'table:style-name="(w\d+)"', doc)))
    return "".join(
        f'<style:style style:name="{n}" style:family="table-column">'
        f'<style:table-column-properties style:column-width="{int(n[1:]) / 10}pt"/></style:style>'
        for n in names
    )


@dataclass
class _Cell:
    """One cell: its text (typed breaks as \\n), paragraph style, vertical alignment, spans."""

    text: str = ""
    para: str = "P"
    valign: str = "top"
    down: int = 1
    across: int = 1


def _table(
    widths: list[float], rows: list[list[_Cell | None]], line_breaks: bool = False, heads: int = 0
) -> str:
    """A table of columns in pt; its first ``heads`` rows repeat on every page (タイトル行)."""
    cols = "".join(f'<table:table-column table:style-name="w{round(w * 10)}"/>' for w in widths)
    head = "".join(_row(r, line_breaks) for r in rows[:heads])
    head = f"<table:table-header-rows>{head}</table:table-header-rows>" if head else ""
    body = "".join(_row(r, line_breaks) for r in rows[heads:])
    return f'<table:table table:style-name="tab">{cols}{head}{body}</table:table>'


def _xml(text: str) -> str:
    """Text as ODF keeps it: a run of spaces is one space and a <text:s/> for the rest."""
    return re.sub(r"  +", lambda m: f' <text:s text:c="{len(m.group()) - 1}"/>', escape(text))


def _row(cells: list[_Cell | None], line_breaks: bool) -> str:
    out = []
    for c in cells:
        if c is None:
            out.append("<table:covered-table-cell/>")
            continue
        span = ""
        if c.down > 1 or c.across > 1:
            span = f' table:number-rows-spanned="{c.down}" table:number-columns-spanned="{c.across}"'
        paras = "".join(_paragraphs(c.text, c.para, line_breaks))
        out.append(
            f'<table:table-cell table:style-name="{c.valign}"{span} office:value-type="string">{paras}</table:table-cell>'
        )
    return f"<table:table-row>{''.join(out)}</table:table-row>"


def _paragraphs(text: str, style: str, line_breaks: bool) -> list[str]:
    """A cell's text: one paragraph per typed break (or one paragraph with line breaks); a
    percentage on a line of its own set flush right, as the sheets print （７０％）."""
    lines = text.split("\n")
    if line_breaks:
        return [f'<text:p text:style-name="{style}">{"<text:line-break/>".join(map(_xml, lines))}</text:p>']
    return [_para(line, "R" if _PERCENT.fullmatch(line) else style) for line in lines]


_PERCENT = re.compile(r"[（(][0-9０-９.．]+[％%][）)]")


def _para(text: str, style: str = "P") -> str:
    return f'<text:p text:style-name="{style}">{_xml(text)}</text:p>'


# -- what the sheet prints ------------------------------------------------------------------------


def _title(record: dict, fam: Family) -> str:
    label = record["report"]["fiscal_year_label"]
    school = record["source"]["publisher"]
    return (
        _para("(別紙様式)", "R")
        + _para(fam.title.format(label=label), "T")
        + _para(f"学校名：{school}　　学校長名：", "S")
        + _para("")
    )


def _scale(record: dict, fam: Family, size: float) -> str:
    """The rating scale box: the vertical head, a letter and its meaning on each row."""
    items = list(record["rating_scale"].items())
    letters = _printed_letters(record)
    rows: list[list[_Cell | None]] = []
    for i, (code, meaning) in enumerate(items):
        head = _Cell(fam.scale_head, "C", "mid", down=len(items)) if i == 0 else None
        rows.append([head, _Cell(letters.get(code, code), "C", "mid"), _Cell(meaning, "P", "mid")])
    return _table([size * 2.2, size * 2.2, size * 17], rows) + _para("")


def _printed_letters(record: dict) -> dict[str, str]:
    """The scale's letters as the sheet prints them (``A printed 'Ａ'`` in the notes)."""
    for note in record["notes"]:
        if note.startswith("rating_scale printed letters"):
            return dict(re.findall(r"([A-D]) printed '(.)'", note))
    return {}


def _focus_goals(record: dict) -> str:
    """The 本年度の重点目標 box above the table, where the family prints one (from the notes)."""
    for note in record["notes"]:
        if note.startswith("本年度の重点目標 box"):
            goals = note.split("as printed: ", 1)[1].split(" / ")
            label = _Cell(
                "本年度の重点目標\n(学校の課題に即し、精選した上で、具体的かつ明確に記入する）", "C", "mid"
            )
            return _table([110, 600], [[label, _Cell("\n".join(goals), "P", "mid")]]) + _para("")
    return ""


def _sheet(record: dict, fam: Family, v: WriterVariant, text_width: float) -> str:
    """The evaluation table: heading band, column heads, the items, the comment down the right."""
    factors = dict(v.widths)
    raw = [w * factors.get(field, 1.0) for field, _, w in fam.columns]
    widths = [round(w * text_width / sum(raw), 1) for w in raw]
    n = len(fam.columns)
    para = "J" if v.justify else "P"
    label = record["report"]["fiscal_year_label"]
    band: list[_Cell | None] = [_Cell("自 己 評 価", "C", "mid", across=n - 1)] + [None] * (n - 2)
    over: list[_Cell | None] = []
    for text, span in fam.headings:
        over += [_Cell(text.format(label=label), "C", "mid", across=span)] + [None] * (span - 1)
    heads: list[_Cell | None] = [_Cell(head, "C", "mid") for _, head, _ in fam.columns]
    if fam.stakeholder_head_down:  # F6: the column's head fills the band's height
        band.append(heads.pop())
        band[-1].down = 3  # type: ignore[union-attr]
        over.append(None)
        heads.append(None)
    else:
        band.append(_Cell("学 校 関 係 者 評 価", "C", "mid"))
        over.append(_Cell(_stakeholder_date(record), "C", "mid"))
    body = _items(record, fam, para)
    comment = record["items"][0]["stakeholder_comment"] or ""
    col = n - 1
    body[0][col] = _Cell(comment, para, "top", down=len(body))
    for r in body[1:]:
        r[col] = None
    return _table(widths, [band, over, heads, *body], v.line_breaks, heads=3 if v.repeat_heads else 0)


def _stakeholder_date(record: dict) -> str:
    year = record["report"]["fiscal_year"] + 1
    era = f"令和{year - 2018}年" if year >= 2020 else f"平成{year - 1988}年"
    return f"{era}２月１０日実施"


def _items(record: dict, fam: Family, para: str) -> list[list[_Cell | None]]:
    """The body rows: one or more per item, merged cells where the form merges them."""
    fields = [f for f, _, _ in fam.columns]
    items = record["items"]
    if fam.subrows == "items":
        return _items_f6(items, fields, _status_letters(record), para)
    rows: list[list[_Cell | None]] = []
    for item in items:
        split = fam.subrows == "split"
        parts = {
            f: (item[f] or "").split("\n") if split and f in ("actions", "indicator") else None
            for f in fields
        }
        k = max((len(p) for p in parts.values() if p), default=1)
        for i in range(k):
            row: list[_Cell | None] = []
            for f in fields:
                if parts[f] is not None:
                    lines = parts[f]
                    row.append(_Cell(lines[i] if i < len(lines) else "", para))
                elif i == 0:
                    row.append(_cell_of(item, f, fam, para, down=k))
                else:
                    row.append(None)
            rows.append(row)
    return rows


def _cell_of(item: dict, field: str, fam: Family, para: str, down: int = 1) -> _Cell:
    if field == "no":
        no = str(item["no"])
        return _Cell(no.translate(_FULL) if fam.digits == "full" else no, "C", "mid", down=down)
    if field == "rating":
        return _Cell(item["rating"], "C", "mid", down=down)
    if field == "stakeholder_comment":
        return _Cell("", para, down=down)
    return _Cell(item.get(field) or "", para, down=down)


_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _status_letters(record: dict) -> dict[int, str]:
    """F6's 現状 letters per 番号, from the notes (not an item field)."""
    for note in record["notes"]:
        if note.startswith("現状 column letters"):
            return {int(n): letter for n, letter in re.findall(r"番号(\d+) = ([A-D])", note)}
    return {}


def _items_f6(
    items: list[dict], fields: list[str], status: dict[int, str], para: str
) -> list[list[_Cell | None]]:
    """F6: one row per item; 番号, 重点目標, 現状 and 今後の改善方策 merged over a 番号's items."""
    rows: list[list[_Cell | None]] = []
    merged = {"no", "goal", "status", "next_steps"}
    fam = FAMILIES["F6"]
    i = 0
    while i < len(items):
        end = next((j for j in range(i, len(items)) if items[j]["no"] != items[i]["no"]), len(items))
        group = items[i:end]
        for j, item in enumerate(group):
            row: list[_Cell | None] = []
            for f in fields:
                if f in merged and j > 0:
                    row.append(None)
                elif f == "status":
                    row.append(_Cell(status.get(item["no"], ""), "C", "mid", down=len(group)))
                elif f == "indicator":
                    row.append(_Cell(item[f] or "", "C", "mid"))
                else:
                    row.append(_cell_of(item, f, fam, "P" if f in ("actions", "achievement") else para,
                                        down=len(group) if f in merged else 1))  # fmt: skip
            rows.append(row)
        i += len(group)
    return rows
