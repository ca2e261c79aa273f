"""What a school's 学校評価シート prints, by form family, from its hand-checked record: test-only.

The title line with the school's name, the rating scale box, the 本年度の重点目標 box (from the
record's notes), and one table with the family's heading rows and column heads (as the real
sheets print them, widths measured on them), one row per item (F1 and F5 split 具体的取組 /
評価指標 into sub-rows, F6 prints three sub-rows per 番号 with 重点目標 and 今後の改善方策
merged over them) and the stakeholders' comment merged down the right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from odt import Cell, para, table

if TYPE_CHECKING:
    from render_writer import WriterVariant


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


def family_of(record: dict) -> Family:
    """The form family the record's notes name (``Layout family F1 (…)``)."""
    for note in record["notes"]:
        if match := re.match(r"Layout family (F\d)", note):
            return FAMILIES[match.group(1)]
    raise ValueError("the record names no layout family")


# -- what the sheet prints ------------------------------------------------------------------------


def title(record: dict, fam: Family) -> str:
    label = record["report"]["fiscal_year_label"]
    school = record["source"]["publisher"]
    return (
        para("(別紙様式)", "R")
        + para(fam.title.format(label=label), "T")
        + para(f"学校名：{school}　　学校長名：", "S")
        + para("")
    )


def scale(record: dict, fam: Family, size: float) -> str:
    """The rating scale box: the vertical head, a letter and its meaning on each row."""
    items = list(record["rating_scale"].items())
    letters = _printed_letters(record)
    rows: list[list[Cell | None]] = []
    for i, (code, meaning) in enumerate(items):
        head = Cell(fam.scale_head, "C", "mid", down=len(items)) if i == 0 else None
        rows.append([head, Cell(letters.get(code, code), "C", "mid"), Cell(meaning, "P", "mid")])
    return table([size * 2.2, size * 2.2, size * 17], rows) + para("")


def _printed_letters(record: dict) -> dict[str, str]:
    """The scale's letters as the sheet prints them (``A printed 'Ａ'`` in the notes)."""
    for note in record["notes"]:
        if note.startswith("rating_scale printed letters"):
            return dict(re.findall(r"([A-D]) printed '(.)'", note))
    return {}


def focus_goals(record: dict) -> str:
    """The 本年度の重点目標 box above the table, where the family prints one (from the notes)."""
    for note in record["notes"]:
        if note.startswith("本年度の重点目標 box"):
            goals = note.split("as printed: ", 1)[1].split(" / ")
            label = Cell(
                "本年度の重点目標\n(学校の課題に即し、精選した上で、具体的かつ明確に記入する）", "C", "mid"
            )
            return table([110, 600], [[label, Cell("\n".join(goals), "P", "mid")]]) + para("")
    return ""


def sheet(record: dict, fam: Family, v: WriterVariant, text_width: float) -> str:
    """The evaluation table: heading band, column heads, the items, the comment down the right."""
    factors = dict(v.widths)
    raw = [w * factors.get(field, 1.0) for field, _, w in fam.columns]
    widths = [round(w * text_width / sum(raw), 1) for w in raw]
    n = len(fam.columns)
    style = "J" if v.justify else "P"
    label = record["report"]["fiscal_year_label"]
    band: list[Cell | None] = [Cell("自 己 評 価", "C", "mid", across=n - 1)] + [None] * (n - 2)
    over: list[Cell | None] = []
    for text, span in fam.headings:
        over += [Cell(text.format(label=label), "C", "mid", across=span)] + [None] * (span - 1)
    other = dict(v.heads)
    heads: list[Cell | None] = [Cell(other.get(f, head), "C", "mid") for f, head, _ in fam.columns]
    if fam.stakeholder_head_down:  # F6: the column's head fills the band's height
        band.append(heads.pop())
        band[-1].down = 3  # type: ignore[union-attr]
        over.append(None)
        heads.append(None)
    else:
        band.append(Cell("学 校 関 係 者 評 価", "C", "mid"))
        over.append(Cell(_stakeholder_date(record), "C", "mid"))
    body = _items(record, fam, style)
    comment = Cell(record["items"][0]["stakeholder_comment"] or "", style, "top", down=len(body))
    repeat = 3 if v.repeat_heads else 0
    rows = [band, over, heads, *body]
    if v.apart:  # the comment in a table of its own beside the sheet's, as F1, F3 and F6 print it
        side = [[r[-1]] for r in rows[:3]] + [[replace(comment, down=1)]]
        main = table(widths[:-1], [r[:-1] for r in rows], v.line_breaks, repeat)
        pair = [
            Cell(inner=main, valign="bare"),
            Cell(inner=table(widths[-1:], side, v.line_breaks, repeat), valign="bare"),
        ]
        return table([sum(widths[:-1]) + 1, widths[-1] - 1], [pair])
    body[0][-1] = comment
    for r in body[1:]:
        r[-1] = None
    return table(widths, rows, v.line_breaks, repeat)


def _stakeholder_date(record: dict) -> str:
    year = record["report"]["fiscal_year"] + 1
    era = f"令和{year - 2018}年" if year >= 2020 else f"平成{year - 1988}年"
    return f"{era}２月１０日実施"


def _items(record: dict, fam: Family, style: str) -> list[list[Cell | None]]:
    """The body rows: one or more per item, merged cells where the form merges them."""
    fields = [f for f, _, _ in fam.columns]
    items = record["items"]
    if fam.subrows == "items":
        return _items_f6(items, fields, _status_letters(record), style)
    rows: list[list[Cell | None]] = []
    for item in items:
        split = fam.subrows == "split"
        parts = {
            f: (item[f] or "").split("\n") if split and f in ("actions", "indicator") else None
            for f in fields
        }
        k = max((len(p) for p in parts.values() if p), default=1)
        for i in range(k):
            row: list[Cell | None] = []
            for f in fields:
                if parts[f] is not None:
                    lines = parts[f]
                    row.append(Cell(lines[i] if i < len(lines) else "", style))
                elif i == 0:
                    row.append(_cell_of(item, f, fam, style, down=k))
                else:
                    row.append(None)
            rows.append(row)
    return rows


def _cell_of(item: dict, field: str, fam: Family, style: str, down: int = 1) -> Cell:
    if field == "no":
        no = str(item["no"])
        return Cell(no.translate(_FULL) if fam.digits == "full" else no, "C", "mid", down=down)
    if field == "rating":
        return Cell(item["rating"], "C", "mid", down=down)
    if field == "stakeholder_comment":
        return Cell("", style, down=down)
    return Cell(item.get(field) or "", style, down=down)


_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _status_letters(record: dict) -> dict[int, str]:
    """F6's 現状 letters per 番号, from the notes (not an item field)."""
    for note in record["notes"]:
        if note.startswith("現状 column letters"):
            return {int(n): letter for n, letter in re.findall(r"番号(\d+) = ([A-D])", note)}
    return {}


def _items_f6(
    items: list[dict], fields: list[str], status: dict[int, str], style: str
) -> list[list[Cell | None]]:
    """F6: one row per item; 番号, 重点目標, 現状 and 今後の改善方策 merged over a 番号's items."""
    rows: list[list[Cell | None]] = []
    merged = {"no", "goal", "status", "next_steps"}
    fam = FAMILIES["F6"]
    i = 0
    while i < len(items):
        end = next((j for j in range(i, len(items)) if items[j]["no"] != items[i]["no"]), len(items))
        group = items[i:end]
        for j, item in enumerate(group):
            row: list[Cell | None] = []
            for f in fields:
                if f in merged and j > 0:
                    row.append(None)
                elif f == "status":
                    row.append(Cell(status.get(item["no"], ""), "C", "mid", down=len(group)))
                elif f == "indicator":
                    row.append(Cell(item[f] or "", "C", "mid"))
                else:
                    row.append(_cell_of(item, f, fam, "P" if f in ("actions", "achievement") else style,
                                        down=len(group) if f in merged else 1))  # fmt: skip
            rows.append(row)
        i += len(group)
    return rows
