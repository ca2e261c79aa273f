"""Pure string rules: numbering, ratings, markers, era dates and look-alike kanji.

Each function takes printed text and never raises on odd input except where a caller must
know that a value could not be read (``parse_rating``, ``era_year``). Each is idempotent: a
text rule gives a text it leaves unchanged, and a reader gives a value that reads back the
same from its printed form. Numbering is parsed before any width folding: NFKC would turn ①
into 1 and merge the two levels of numbering.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from schemas.layout import NO_RATING

_CIRCLED = {chr(0x2460 + i): i + 1 for i in range(20)}  # ①..⑳
_CIRCLED.update({chr(0x3251 + i): i + 21 for i in range(15)})  # ㉑..㉟
_CIRCLED.update({chr(0x32B1 + i): i + 36 for i in range(15)})  # ㊱..㊿
_CIRCLED_CLASS = "".join(_CIRCLED)

_MAX_DIGITS = 18  # a number a report prints, and one SQLite's 64-bit integers hold
_DIGITS = rf"[0-9０-９]{{1,{_MAX_DIGITS}}}(?![0-9０-９])"
_NUMBERING = re.compile(rf"^\s*(?:[(（]\s*({_DIGITS})\s*[)）])?\s*([{_CIRCLED_CLASS}])?\s*(.*)$", re.DOTALL)
_LEADING_CIRCLED = re.compile(rf"^\s*([{_CIRCLED_CLASS}])")
_ERA_START = {"令和": 2019, "平成": 1989, "昭和": 1926}
_ERA = r"(令和|平成|昭和)\s*(元|[0-9０-９]{1,2})\s*"
_FISCAL = re.compile(_ERA + r"年度")
_MONTH = re.compile(_ERA + r"年\s*([0-9０-９]{1,2})\s*月")
_LEADING_NUMBER = re.compile(rf"^\s*({_DIGITS})[\s.．、:：]*(.*)$", re.DOTALL)

# CJK Radicals Supplement look-alikes (NFKC leaves these alone) -> the standard kanji.
_RADICALS_SUPPLEMENT = {
    "⺁": "厂",
    "⺆": "冂",
    "⺇": "几",
    "⺊": "卜",
    "⺎": "兀",
    "⺐": "尢",
    "⺒": "巳",
    "⺓": "幺",
    "⺔": "彑",
    "⺕": "彐",
    "⺛": "旡",
    "⺜": "日",
    "⺝": "月",
    "⺞": "歺",
    "⺟": "母",
    "⺠": "民",
    "⺢": "氺",
    "⺩": "王",
    "⺬": "示",
    "⺯": "糸",
    "⺶": "羊",
    "⺷": "羊",
    "⺺": "聿",
    "⺻": "聿",
    "⺼": "月",
    "⺽": "臼",
    "⻁": "虎",
    "⻄": "西",
    "⻆": "角",
    "⻇": "角",
    "⻑": "長",
    "⻗": "雨",
    "⻘": "青",
    "⻝": "食",
    "⻣": "骨",
    "⻤": "鬼",
    "⻨": "麦",
    "⻩": "黄",
    "⻫": "斉",
    "⻭": "歯",
    "⻯": "竜",
    "⻲": "亀",
    "⻅": "見",
    "⻉": "貝",
    "⻋": "車",
    "⻔": "門",
    "⻢": "馬",
    "⻦": "鳥",
    "⻥": "魚",
}


_RADICAL_BLOCKS = re.compile("[\u2e80-\u2eff\u2f00-\u2fd5]")


def fold_kangxi(text: str) -> str:
    """Replace Kangxi radicals (U+2F00-2FD5) and radical look-alikes with standard kanji.

    Only those two blocks change: compatibility ideographs such as 﨑 are proper-noun
    variants and stay as printed.
    """
    if not _RADICAL_BLOCKS.search(text):  # nearly every text: nothing to fold
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if 0x2F00 <= code <= 0x2FD5:
            out.append(unicodedata.normalize("NFKC", ch))
        elif 0x2E80 <= code <= 0x2EFF:
            out.append(_RADICALS_SUPPLEMENT.get(ch, unicodedata.normalize("NFKC", ch)))
        else:
            out.append(ch)
    return "".join(out)


def circled_number(text: str) -> int | None:
    """① -> 1 … ㊿ -> 50; None for anything else."""
    return _CIRCLED.get(text.strip()) if len(text.strip()) == 1 else None


def leading_circled(text: str) -> int | None:
    """The circled number a text opens with, e.g. '② 「講座…' -> 2."""
    match = _LEADING_CIRCLED.match(text)
    return _CIRCLED[match.group(1)] if match else None


def parse_numbering(text: str) -> tuple[int | None, int | None, str]:
    """'(2) ① title' -> (2, 1, 'title'); '（１）' -> (1, None, ''); '① t' -> (None, 1, 't')."""
    match = _NUMBERING.match(text)
    if match is None:  # pragma: no cover - the pattern matches every string
        return None, None, text.strip()
    measure = int(match.group(1)) if match.group(1) else None
    initiative = circled_number(match.group(2)) if match.group(2) else None
    return measure, initiative, match.group(3).strip()


def fold_rating(text: str) -> str:
    """A rating cell's text as a scale's letters are written: NFKC, stripped, upper case."""
    return unicodedata.normalize("NFKC", text).strip().upper()


def parse_rating(text: str, letters: Sequence[str]) -> str | None:
    """One of the layout's ``letters`` (its scale, best first): with A–D, 'A'/'Ａ'/' b ' ->
    'A'/'A'/'B'; '—', '－', '-', '' -> None; anything else raises ValueError."""
    folded = fold_rating(text)
    if folded in NO_RATING or text.strip() in NO_RATING:
        return None
    if folded in letters:
        return folded
    raise ValueError(f"not a rating of the scale {'/'.join(letters)}: {text!r}")


def split_marker(text: str, marker: str) -> tuple[bool, str]:
    """Remove a tag such as 【新規】 wherever it stands; say whether it was there."""
    if marker and marker in text:
        return True, " ".join(part.strip() for part in text.split(marker) if part.strip())
    return False, text.strip()


def split_after(text: str | None, marker: str) -> tuple[str | None, str | None]:
    """Split a cell at a tag such as 【感染症対応】: (text before or None, text after or None)."""
    if not text or marker not in text:
        return (text.strip() or None) if text else None, None
    before, _, after = text.partition(marker)
    return before.strip() or None, after.strip() or None


def era_year(era: str, year: str) -> int:
    """令和2 -> 2020, 令和元 -> 2019, 平成31 -> 2019; ValueError for no such era or year 0."""
    number = 1 if year == "元" else to_int(year)
    if era not in _ERA_START or not number:
        raise ValueError(f"not an era year: {era!r} {year!r}")
    return _ERA_START[era] + number - 1


def fiscal_year(text: str) -> tuple[str, int] | None:
    """'(令和2年度実績報告)' -> ('令和2年度', 2020); the first real era year, else None."""
    for match in _FISCAL.finditer(text):
        if _year_number(match.group(2)):
            return re.sub(r"\s", "", match.group(0)), era_year(match.group(1), match.group(2))
    return None


def era_month(text: str) -> str | None:
    """'令和3年9月' -> '2021-09'; the first real era month, else None."""
    for match in _MONTH.finditer(text):
        month = int(match.group(3))
        if _year_number(match.group(2)) and 1 <= month <= 12:
            return f"{era_year(match.group(1), match.group(2)):04d}-{month:02d}"
    return None


def _year_number(year: str) -> int | None:
    """元 -> 1, '2' or '２' -> 2; 0 is no year of an era."""
    return 1 if year == "元" else to_int(year) or None


def leading_number(text: str) -> tuple[int | None, str]:
    """'1 福祉のまちづくり' -> (1, '福祉のまちづくり'); text without a number -> (None, text)."""
    match = _LEADING_NUMBER.match(text)
    if match is None:
        return None, text.strip()
    return int(match.group(1)), match.group(2).strip()


def to_int(text: str) -> int | None:
    """'8' or '８' -> 8; anything that is not a whole number of at most 18 0-9 digits -> None.

    Digits that are not decimal (፩) or not Western (٣) are not read: str.isdigit says yes
    to them, int() refuses or reads a number no Japanese report prints.
    """
    folded = unicodedata.normalize("NFKC", text).strip()
    if not (folded.isascii() and folded.isdecimal()) or len(folded) > _MAX_DIGITS:
        return None
    return int(folded)


def squash(text: str) -> str:
    """Header text for matching: NFKC, no whitespace at all.

    NFKC turns some marks into a space and a combining mark (゛ -> ' ゙', ¯ -> ' ̄'); once the
    space is gone the mark joins the glyph before it, so the result is normalised again.
    """
    # a table's cells are squashed again for each header row tried: short texts are remembered
    return _squash_short(text) if len(text) <= 80 else _squash(text)


def _squash(text: str) -> str:
    return unicodedata.normalize("NFKC", _SPACES.sub("", unicodedata.normalize("NFKC", text)))


_SPACES = re.compile(r"\s+")
_squash_short = lru_cache(maxsize=4096)(_squash)


def numbered_entries(text: str | None) -> dict[int, str]:
    """'１ 授業の充実…\n２ 生徒指導…' -> {1: '授業の充実…', 2: '生徒指導…'}; a line without a
    number continues the entry above it."""
    entries: dict[int, str] = {}
    last = None
    for line in (text or "").split("\n"):
        number, rest = leading_number(line)
        if number is not None:
            entries[number], last = rest, number
        elif last is not None and line.strip():
            entries[last] += line.strip()
    return entries
