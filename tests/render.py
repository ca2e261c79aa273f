"""Render evaluation reports from records, as a city's spreadsheet export would print them.

Test-only: it draws cover, rating scale, comment pages and evaluation sheets with reportlab,
in any TrueType font, with ruled cells, merged cells, greedy line wrapping and page breaks
(a measure running over two pages, a department row continued on the next page). The
extraction tests feed these PDFs back through `hyoka extract` and expect the same records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONTS = {
    "ipaexg": "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "ipaexm": "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
    "ipam": "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf",
    "ipag": "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
}
KANGXI = {"用": "⽤", "生": "⽣", "見": "⾒", "方": "⽅", "行": "⾏", "立": "⽴", "長": "⻑", "民": "⺠"}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
NO_LINE_START = set("、。，．）」』】・：；！？ー")
SHEET_WIDTHS = (33, 113, 68, 245, 30, 30, 245)
SHEET_HEAD = (
    "施策",
    "【個別事業・取り組み】",
    "担当課",
    "事業実績(令和2年度)",
    "前年度事業評価",
    "事業評価",
    "今後の事業計画・展望",
)
COMMENT_WIDTHS = (43, 77, 43, 301, 301)
COMMENT_HEAD = (
    "シート番号",
    "基本施策",
    "施策番号",
    "地域福祉推進委員会による評価(意見および質問)",
    "意見および質問に対する市の回答・対応等",
)


@dataclass
class Variant:
    """How to print: font, numbering width, look-alike radicals, page size and breaks."""

    font: str = "ipam"
    size: float = 8.0
    fullwidth: bool = False
    kangxi: bool = False
    page_height: float = 595.0
    split_rows: bool = False
    pad: float = 2.0


@dataclass
class Stats:
    """What the rendering did, so a test can check the situation it wanted really occurred."""

    pages: int = 0
    measures_across_pages: int = 0
    rows_split: int = 0
    sheet_pages: list[int] = field(default_factory=list)


@dataclass
class _Cell:
    col: int
    row: int
    span: int
    text: str
    col_span: int = 1
    align: str = "left"


class _Printer:
    def __init__(self, path: Path, variant: Variant) -> None:
        self.v = variant
        self.font = f"F-{variant.font}"
        if self.font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(self.font, FONTS[variant.font]))
        self.width = 842.0
        self.canvas = Canvas(str(path), pagesize=(self.width, variant.page_height))
        self.stats = Stats()
        self.started = False

    # -- primitives ---------------------------------------------------------------------
    def text(self, s: str) -> str:
        if self.v.kangxi:
            s = "".join(KANGXI.get(ch, ch) for ch in s)
        return s

    def new_page(self) -> None:
        if self.started:
            self.canvas.showPage()
        self.started = True
        self.stats.pages += 1

    def draw(self, x: float, top: float, s: str, size: float | None = None) -> None:
        size = size or self.v.size
        self.canvas.setFont(self.font, size)
        self.canvas.drawString(x, self.v.page_height - top - size, self.text(s))

    def wrap(self, s: str, width: float) -> list[str]:
        lines: list[str] = []
        for para in s.split("\n"):
            line = ""
            for token in _tokens(para):
                trial = line + token
                if not line or self._w(trial) <= width:
                    line = trial
                elif token[0] in NO_LINE_START and len(line) > 1:
                    lines.append(line[:-1])  # 追い出し: the glyph before moves down with it
                    line = line[-1] + token
                else:
                    lines.append(line.rstrip(" "))
                    line = token.lstrip(" ")
            lines.append(line)
        return lines

    def _w(self, s: str) -> float:
        return pdfmetrics.stringWidth(self.text(s), self.font, self.v.size)

    def leading(self) -> float:
        return self.v.size * 1.3

    # -- a ruled table ------------------------------------------------------------------
    def table(
        self, x0: float, top: float, widths: tuple[float, ...], heights: list[float], cells: list[_Cell]
    ):
        xs = [x0]
        for w in widths:
            xs.append(xs[-1] + w)
        ys = [top]
        for h in heights:
            ys.append(ys[-1] + h)
        self.canvas.setLineWidth(0.6)
        for c in cells:
            left, right = xs[c.col], xs[c.col + c.col_span]
            t, b = ys[c.row], ys[c.row + c.span]
            self.canvas.rect(left, self.v.page_height - b, right - left, b - t, stroke=1, fill=0)
            inner = right - left - 2 * self.v.pad
            for i, line in enumerate(self.wrap(c.text, inner)):
                dx = (inner - self._w(line)) / 2 if c.align == "center" else 0
                self.draw(left + self.v.pad + dx, t + self.v.pad + i * self.leading(), line)
        return ys[-1]

    def height_of(self, text: str, width: float) -> float:
        return len(self.wrap(text, width - 2 * self.v.pad)) * self.leading() + 2 * self.v.pad


def _tokens(para: str) -> list[str]:
    """Latin words (with the space before them) move as one unit; anything else per glyph."""
    out: list[str] = []
    for is_word, run in groupby(para, key=lambda ch: ch.isascii() and (ch.isalnum() or ch in ".,:/%-")):
        text = "".join(run)
        if is_word:
            if out and out[-1] == " ":
                out[-1] = " " + text
            else:
                out.append(text)
        else:
            out.extend(text)
    return out


def _num(n: int | None, v: Variant) -> str:
    if n is None:
        return ""
    return f"（{chr(0xFF10 + n)}）" if v.fullwidth and n < 10 else f"({n})"


def _rating(r: str | None, v: Variant) -> str:
    if r is None:
        return "—"
    return chr(ord(r) + 0xFEE0) if v.fullwidth else r


def _with_covid(main: str | None, covid: str | None) -> str:
    parts = [p for p in (main, "【感染症対応】\n" + covid if covid else None) if p]
    return "\n".join(parts)


def render_report(records: dict, path: Path, variant: Variant | None = None) -> Stats:
    """Print ``records`` (the JSON shape of `hyoka extract`) as a report PDF at ``path``."""
    v = variant or Variant()
    p = _Printer(path, v)
    _cover(p, records)
    _comments(p, records["comments"], {s["sheet_no"]: s["policy_title"] for s in records["policies"]})
    for policy in records["policies"]:
        rows = [e for e in records["evaluations"] if e["sheet_no"] == policy["sheet_no"]]
        _sheet(p, policy, rows)
    p.canvas.save()
    return p.stats


def _cover(p: _Printer, records: dict) -> None:
    info = records["report"]
    p.new_page()
    p.draw(200, 150, info["title"], 20)
    p.draw(300, 190, f"({info['fiscal_year_label']}実績報告)", 14)
    year, month = (int(x) for x in info["published"].split("-"))
    p.draw(330, 300, f"令和{year - 2018}年{month}月", 14)
    p.draw(330, 330, info["issuer"], 14)
    p.new_page()
    p.draw(60, 60, "【事業評価の評価基準】", 12)
    for i, (code, text) in enumerate(records["rating_scale"].items()):
        p.draw(80, 100 + 30 * i, f"{_rating(code, p.v)}・・・ {text}", 11)


def _comments(p: _Printer, comments: list[dict], policies: dict) -> None:
    rows: list[list[str]] = []
    for c in comments:
        number = ""
        if c["measure_no"] is not None:
            number = _num(c["measure_no"], p.v)
            opens_with = c["initiative_no"] and c["opinion"].startswith(CIRCLED[c["initiative_no"] - 1])
            if c["initiative_no"] and not opens_with:
                number += " " + CIRCLED[c["initiative_no"] - 1]
        sheet = str(c["sheet_no"]) if c["sheet_no"] is not None else "計画全体について"
        rows.append([sheet, c["policy_title"] or "", number, c["opinion"], c["response"] or ""])
    start = 0
    while start < len(rows):
        p.new_page()
        p.draw(40, 30, "地域福祉計画の進捗状況及び評価表(令和2年度実績報告)", 10)
        top, room = 55.0, p.v.page_height - 40 - 55
        head_h = max(p.height_of(h, w) for h, w in zip(COMMENT_HEAD, COMMENT_WIDTHS, strict=True))
        heights, end = [head_h], start
        while end < len(rows):
            h = max(p.height_of(t, w) for t, w in zip(rows[end], COMMENT_WIDTHS, strict=True))
            if sum(heights) + h > room and end > start:
                break
            heights.append(h)
            end += 1
        cells = [_Cell(i, 0, 1, h, align="center") for i, h in enumerate(COMMENT_HEAD)]
        r = start
        while r < end:
            if rows[r][0] == "計画全体について":
                span = 1
                while r + span < end and rows[r + span][0] == "計画全体について":
                    span += 1
                cells.append(_Cell(0, r - start + 1, span, rows[r][0], col_span=3, align="center"))
                for k in range(span):
                    cells += [
                        _Cell(3, r - start + 1 + k, 1, rows[r + k][3]),
                        _Cell(4, r - start + 1 + k, 1, rows[r + k][4]),
                    ]
                r += span
                continue
            cells += [
                _Cell(i, r - start + 1, 1, t, align="center" if i < 3 else "left")
                for i, t in enumerate(rows[r])
            ]
            r += 1
        p.table(38, top, COMMENT_WIDTHS, heights, cells)
        start = end


def _sheet(p: _Printer, policy: dict, rows: list[dict]) -> None:
    """Evaluation pages of one 基本施策, breaking pages (and rows, if asked) where room ends."""
    v = p.v
    units = [_row_texts(e, v) for e in rows]
    i, continued = 0, None
    seen: set[tuple] = set()
    first_measure_on_page: dict[int, int] = {}
    while i < len(units) or continued:
        p.new_page()
        p.stats.sheet_pages.append(p.stats.pages)
        top = _box(p, policy)
        head_h = max(p.height_of(h, w) for h, w in zip(SHEET_HEAD, SHEET_WIDTHS, strict=True))
        room = v.page_height - 30 - top - head_h
        page_rows: list[tuple[dict, list[str], bool]] = []  # (record, texts, is_continuation)
        used = 0.0
        if continued:
            page_rows.append(continued)
            used += _unit_height(p, continued[1])
            continued = None
        while i < len(units):
            h = _unit_height(p, units[i])
            if used + h <= room or not page_rows:
                page_rows.append((rows[i], units[i], False))
                used += h
                i += 1
                continue
            if v.split_rows and room - used > 4 * p.leading():
                first, rest = _split(p, units[i], room - used)
                if first is not None:
                    page_rows.append((rows[i], first, False))
                    continued = (rows[i], rest, True)
                    p.stats.rows_split += 1
                    i += 1
            break
        for record, _, _ in page_rows:
            m = record["measure_no"]
            if m in first_measure_on_page and first_measure_on_page[m] != p.stats.pages:
                p.stats.measures_across_pages += 1
            first_measure_on_page.setdefault(m, p.stats.pages)
        _sheet_table(p, top, head_h, page_rows, seen)


def _row_texts(e: dict, v: Variant) -> list[str]:
    title = ("【新規】" if e["is_new"] else "") + e["initiative_title"]
    number = CIRCLED[e["initiative_no"] - 1] + " " if e["initiative_no"] else ""
    return [
        _num(e["measure_no"], v),
        number + title,
        e["department"] or "",
        _with_covid(e["results"], e["results_covid"]),
        _rating(e["prev_rating"], v),
        _rating(e["rating"], v),
        _with_covid(e["outlook"], e["outlook_covid"]),
    ]


def _unit_height(p: _Printer, texts: list[str]) -> float:
    return max(p.height_of(t, w) for t, w in zip(texts[1:], SHEET_WIDTHS[1:], strict=True))


def _split(p: _Printer, texts: list[str], room: float) -> tuple[list[str] | None, list[str]]:
    """Cut a department row's long texts where the page ends; the rest goes to the next page."""
    fit = int((room - 2 * p.v.pad) // p.leading())
    first, rest = list(texts), ["", "", "", "", "", "", ""]
    for col in (3, 6):
        lines = p.wrap(texts[col], SHEET_WIDTHS[col] - 2 * p.v.pad)
        if len(lines) > fit:
            first[col], rest[col] = "\n".join(lines[:fit]), "\n".join(lines[fit:])
    if not (rest[3] or rest[6]) or _unit_height(p, first) > room:
        return None, texts
    return first, rest


def _box(p: _Printer, policy: dict) -> float:
    p.draw(40, 30, "【基本施策】", 9)
    goal = f"{chr(0xFF10 + policy['goal_no']) if p.v.fullwidth else policy['goal_no']} {policy['goal_title']}"
    pairs = [("基本目標", goal), ("基本施策", policy["policy_title"])]
    for m in policy["measures"]:
        label = f"施策{_num(m['measure_no'], p.v)}"
        pairs.append((label, m["measure_title"]))
    heights = [p.leading() + 2 * p.v.pad + 4] * len(pairs)
    cells = []
    for r, (label, value) in enumerate(pairs):
        cells += [_Cell(0, r, 1, label, align="center"), _Cell(1, r, 1, value)]
    return p.table(38, 45, (146, 313), heights, cells) + 10


def _sheet_table(p: _Printer, top: float, head_h: float, page_rows: list, seen: set) -> None:
    """One page's table; a measure or initiative begun on an earlier page prints an empty cell."""
    heights = [head_h] + [_unit_height(p, texts) for _, texts, _ in page_rows]
    cells = [_Cell(i, 0, 1, h, align="center") for i, h in enumerate(SHEET_HEAD)]
    for col in (0, 1):  # measure and initiative cells span the rows that share them
        r = 0
        while r < len(page_rows):
            key = _span_key(page_rows[r][0], col)
            span = 1
            while r + span < len(page_rows) and _span_key(page_rows[r + span][0], col) == key:
                span += 1
            text = "" if (col, key) in seen else page_rows[r][1][col]
            seen.add((col, key))
            cells.append(_Cell(col, r + 1, span, text, align="center" if col == 0 else "left"))
            r += span
    for r, (_, texts, _) in enumerate(page_rows):
        for col in range(2, 7):
            cells.append(_Cell(col, r + 1, 1, texts[col], align="center" if col in (2, 4, 5) else "left"))
    p.table(38, top, SHEET_WIDTHS, heights, cells)


def _span_key(e: dict, col: int) -> tuple:
    if col == 0:
        return (e["sheet_no"], e["measure_no"])
    return (e["sheet_no"], e["measure_no"], e["initiative_no"], e["initiative_title"])
