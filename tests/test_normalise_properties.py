"""Properties of every normalisation function, on any string hypothesis can think of."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from extract.normalise import (
    circled_number,
    era_month,
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
from extract.search import index_terms, match_query

# Text like the reports': kana, kanji, radicals, circled numbers, both widths, markers.
ALPHABET = st.sampled_from(
    list(
        "あいうアイウ福祉防災用長民青食⽤⽣⻑⺠⻘⻝①②⑳（）()１２12ＡＢAB—－-【】新規感染症対応年度令和平成元月 \n\t"
    )
    + list(string.printable)
)
TEXT = st.one_of(st.text(), st.text(alphabet=ALPHABET))


def _bare(text: str) -> str:
    return "".join(text.split())


RADICALS = set(range(0x2E80, 0x2F00)) | set(range(0x2F00, 0x2FD6))


@given(TEXT)
@settings(max_examples=300)
def test_fold_kangxi_is_idempotent_and_changes_only_radicals(text: str) -> None:
    folded = fold_kangxi(text)
    assert fold_kangxi(folded) == folded
    assert len(folded) == len(text)
    for a, b in zip(text, folded, strict=True):
        assert a == b or ord(a) in RADICALS


@given(TEXT)
def test_parse_numbering_never_raises_and_keeps_the_title(text: str) -> None:
    measure, initiative, rest = parse_numbering(text)
    assert measure is None or measure >= 0
    assert initiative is None or 1 <= initiative <= 50
    assert squash(rest) in squash(text)


@given(TEXT)
def test_parse_rating_returns_a_grade_none_or_says_why(text: str) -> None:
    try:
        value = parse_rating(text)
    except ValueError as exc:
        assert "not a rating" in str(exc)
    else:
        assert value in {None, "A", "B", "C", "D"}
        assert parse_rating(value or "") == value


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
    else:
        assert after is None and (before or "") == text.strip()


@given(TEXT)
def test_small_rules_never_raise(text: str) -> None:
    circled_number(text)
    leading_circled(text)
    leading_number(text)
    to_int(text)
    fy = fiscal_year(text)
    assert fy is None or 1926 <= fy[1] <= 2200
    month = era_month(text)
    assert month is None or len(month) == 7
    assert squash(squash(text)) == squash(text)


@given(TEXT)
def test_search_terms_never_raise_and_a_text_finds_itself(text: str) -> None:
    terms = index_terms(text)
    query = match_query(text)
    assert isinstance(terms, str) and query
