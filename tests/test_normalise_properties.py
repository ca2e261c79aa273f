"""Properties of every normalisation rule, on any string hypothesis can think of.

Each rule is total (it returns for every string; the readers that must say why raise
ValueError and nothing else) and idempotent: a text rule leaves its own output unchanged, a
reader reads its value back from the value's printed form. Under CI=true the "ci" profile
(conftest.py) runs many more examples than a local run.
"""

from __future__ import annotations

import sqlite3
import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extract.database.search import _runs, index_terms, match_query
from extract.reading.normalise import (
    circled_number,
    era_month,
    era_year,
    fiscal_year,
    fold_kangxi,
    leading_circled,
    leading_number,
    parse_numbering,
    parse_rating,
    split_after,
    split_marker,
    squash,
    to_int,
)

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳㉑㉟㊱㊿"
# Marks that NFKC turns into a space plus a combining mark, and combining marks themselves:
# the glyphs that make width folding and space removal interact.
SPACING_MARKS = "゛゜¯´¨¸˘˙˚˛˜˝\u0304\u0301\u3099\u309aｶﾞﾊﾟ"
# Text like the reports': kana, kanji, radicals, circled numbers, both widths, markers.
ALPHABET = st.sampled_from(
    list(
        "あいうアイウ福祉防災用長民青食⽤⽣⻑⺠⻘⻝（）()１２12ＡＢAB—－-【】新規感染症対応年度令和平成昭元月 \n\t\u3000"
    )
    + list(CIRCLED + SPACING_MARKS)
    + list(string.printable)
)
TEXT = st.one_of(st.text(), st.text(alphabet=ALPHABET))
RADICALS = set(range(0x2E80, 0x2F00)) | set(range(0x2F00, 0x2FD6))
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _bare(text: str) -> str:
    return "".join(text.split())


@given(TEXT)
def test_fold_kangxi_is_idempotent_and_changes_only_radicals(text: str) -> None:
    folded = fold_kangxi(text)
    assert fold_kangxi(folded) == folded
    assert len(folded) == len(text)
    for a, b in zip(text, folded, strict=True):
        assert a == b or ord(a) in RADICALS


@given(TEXT)
def test_squash_is_idempotent_folded_and_without_whitespace(text: str) -> None:
    once = squash(text)
    assert squash(once) == once
    assert unicodedata.normalize("NFKC", once) == once
    assert not any(ch.isspace() for ch in once)


@given(TEXT, TEXT)
def test_squash_ignores_where_lines_break(left: str, right: str) -> None:
    assert squash(f"{left}\n{right}") == squash(f"{left} {right}") == squash(left + " \t" + right)


@given(TEXT)
def test_parse_numbering_never_raises_and_keeps_the_title(text: str) -> None:
    measure, initiative, rest = parse_numbering(text)
    assert measure is None or measure >= 0
    assert initiative is None or 1 <= initiative <= 50
    assert squash(rest) in squash(text)
    assert rest == rest.strip()


@given(
    st.integers(0, 999),
    st.sampled_from(CIRCLED),
    st.text(alphabet=ALPHABET),
    st.booleans(),
    st.sampled_from(["", " ", "\n", "\u3000"]),
)
def test_parse_numbering_reads_what_was_printed(
    measure: int, circled: str, title: str, wide: bool, gap: str
) -> None:
    title = title.strip()
    if parse_numbering(title)[:2] != (None, None):
        return  # the title itself opens with a number: no printed form can tell it apart
    number = f"（{str(measure).translate(FULLWIDTH)}）" if wide else f"({measure})"
    assert parse_numbering(f"{number}{gap}{circled}{gap}{title}") == (
        measure,
        circled_number(circled),
        title,
    )
    assert parse_numbering(title) == (None, None, title)  # idempotent on the title it gives


_ABCD = ["A", "B", "C", "D"]


@given(TEXT)
def test_parse_rating_returns_a_grade_none_or_says_why(text: str) -> None:
    try:
        value = parse_rating(text, _ABCD)
    except ValueError as exc:
        assert "not a rating" in str(exc)
    else:
        assert value in {None, "A", "B", "C", "D"}
        assert parse_rating(value or "", _ABCD) == value


@given(st.sampled_from("ABCDabcdＡＢＣＤａｂｃｄ"), st.text(" \t\n\u3000", max_size=3))
def test_parse_rating_reads_every_printed_grade(letter: str, pad: str) -> None:
    grade = unicodedata.normalize("NFKC", letter).upper()
    assert parse_rating(pad + letter + pad, _ABCD) == grade


@given(TEXT, st.sampled_from(["【新規】", "【感染症対応】"]))
def test_split_marker_is_idempotent_and_keeps_other_text(text: str, marker: str) -> None:
    found, rest = split_marker(text, marker)
    assert found == (marker in text)
    assert split_marker(rest, marker) == (marker in rest, rest)
    if found:  # only the marker and the spacing around it go
        assert _bare(rest) == _bare(text.replace(marker, ""))
    else:
        assert rest == text.strip()


@given(TEXT)
def test_split_after_keeps_both_sides(text: str) -> None:
    before, after = split_after(text, "【感染症対応】")
    if "【感染症対応】" in text:
        assert _bare((before or "") + (after or "")) == _bare(text.replace("【感染症対応】", "", 1))
        assert split_after(before or "", "【感染症対応】") == (before, None)
    else:
        assert after is None and (before or "") == text.strip()


@given(TEXT)
def test_to_int_is_total_and_reads_back(text: str) -> None:
    value = to_int(text)
    assert value is None or (value >= 0 and to_int(str(value)) == value)


@given(st.integers(0, 10**9), st.booleans(), st.text(" \t\u3000", max_size=2))
def test_to_int_reads_both_widths(number: int, wide: bool, pad: str) -> None:
    printed = str(number).translate(FULLWIDTH) if wide else str(number)
    assert to_int(pad + printed + pad) == number


@given(st.text(alphabet="0123456789０１９", min_size=19, max_size=6000), st.sampled_from(["", " 題", ")"]))
def test_numbers_too_long_to_print_are_no_numbers(digits: str, tail: str) -> None:
    """int() refuses more than 4,300 digits, SQLite more than 18: such a run is text."""
    assert to_int(digits) is None
    assert leading_number(digits + tail) == (None, (digits + tail).strip())
    assert parse_numbering(f"({digits}{tail}")[0] is None


@pytest.mark.parametrize("digit", ["፩", "١", "௧", "Ⅻ", "½", "〇"])
def test_to_int_refuses_digits_that_are_not_decimal(digit: str) -> None:
    assert to_int(digit) is None
    assert to_int(f"1{digit}") is None


@given(TEXT)
def test_circled_numbers_are_total_and_read_back(text: str) -> None:
    number, leading = circled_number(text), leading_circled(text)
    assert number is None or circled_number(text.strip()) == number == leading
    if leading is not None:
        assert leading_circled(text.lstrip()[0]) == leading == circled_number(text.lstrip()[0])


@given(st.sampled_from(CIRCLED), TEXT)
def test_leading_circled_reads_the_first_glyph(circled: str, rest: str) -> None:
    assert leading_circled(circled + rest) == circled_number(circled)


@given(TEXT)
def test_leading_number_is_total_and_reads_back(text: str) -> None:
    number, rest = leading_number(text)
    assert rest == rest.strip() and squash(rest) in squash(text)
    if number is not None:
        assert leading_number(f"{number} {rest}") == (number, rest)


@given(TEXT)
def test_fiscal_year_is_total_and_reads_back_its_label(text: str) -> None:
    found = fiscal_year(text)
    if found is not None:
        label, year = found
        assert fiscal_year(label) == found
        assert 1926 <= year <= 2200


@given(st.sampled_from(["令和", "平成", "昭和"]), st.integers(1, 99), st.integers(1, 12), st.booleans())
def test_era_dates_read_what_was_printed(era: str, year: int, month: int, wide: bool) -> None:
    number = str(year).translate(FULLWIDTH) if wide else str(year)
    western = era_year(era, str(year))
    assert fiscal_year(f"({era}{number}年度実績報告)") == (f"{era}{number}年度", western)
    assert era_month(f"{era} {number} 年 {month} 月") == f"{western:04d}-{month:02d}"
    assert era_year(era, "元") == era_year(era, "1")


@given(TEXT)
def test_era_month_is_total_and_a_real_month(text: str) -> None:
    month = era_month(text)
    if month is not None:
        assert len(month) == 7 and 1 <= int(month[5:]) <= 12 and int(month[:4]) >= 1926


def test_era_year_says_why() -> None:
    with pytest.raises(ValueError):
        era_year("令和", "0")
    with pytest.raises(ValueError):
        era_year("大正", "3")


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    """An index built as hyoka builds its search tables."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(terms, tokenize='unicode61 remove_diacritics 0')")
    return conn


@given(TEXT)
def test_search_terms_never_raise_and_a_text_finds_itself(fts: sqlite3.Connection, text: str) -> None:
    terms = index_terms(text)
    query = match_query(text)
    fts.execute("DELETE FROM t")
    fts.execute("INSERT INTO t(rowid, terms) VALUES (1, ?)", (terms,))
    found = fts.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()
    assert found == ([(1,)] if terms else [])


# Few letters (a digit among them) and much punctuation: runs are short, repeat their letters
# and often start with the letter the run before ended on, which is where a phrase could run
# across punctuation or from one text of a row into the next.
SEARCH_TEXT = st.lists(st.text(alphabet="地域内aB0", min_size=1, max_size=3), max_size=12).map("、".join)


def _holds(word: str, texts: list[str]) -> bool:
    """What search promises: every run of the query is inside one run of letters of a text."""
    runs = [r for t in texts for r in _runs(t)]
    return all(any(part in r for r in runs) for part in _runs(word))


@given(
    st.lists(st.lists(SEARCH_TEXT, min_size=1, max_size=3), min_size=1, max_size=3),
    st.lists(SEARCH_TEXT, min_size=1, max_size=6),
)
def test_search_finds_exactly_the_rows_holding_the_word(
    fts: sqlite3.Connection, rows: list[list[str]], words: list[str]
) -> None:
    """A phrase of letters finds a word inside one run, never across punctuation or texts."""
    fts.execute("DELETE FROM t")
    fts.executemany(
        "INSERT INTO t(rowid, terms) VALUES (?, ?)", [(i, index_terms(*r)) for i, r in enumerate(rows, 1)]
    )
    for texts in rows:  # and the words a phrase across runs would find: 地域、内 -> 地域内
        runs = [run for text in texts for run in _runs(text)]
        words += [
            a[-k:] + b[:j] for a, b in zip(runs, runs[1:], strict=False) for k in (1, 2) for j in (1, 2)
        ]
    for word in words:
        if not _runs(word):
            continue
        found = {r for (r,) in fts.execute("SELECT rowid FROM t WHERE t MATCH ?", (match_query(word),))}
        assert found == {i for i, texts in enumerate(rows, 1) if _holds(word, texts)}, word
