"""Every normalisation rule, as a table of literal strings. Opens no PDF."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("①", 1),
        ("⑩", 10),
        ("⑳", 20),
        ("㉑", 21),
        ("㊿", 50),
        (" ③ ", 3),
        ("1", None),
        ("(1)", None),
        ("", None),
    ],
)
def test_circled_number(text: str, want: int | None) -> None:
    assert circled_number(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("(2) ① 権利擁護事業の推進", (2, 1, "権利擁護事業の推進")),
        ("(2)\n①", (2, 1, "")),
        ("（１）", (1, None, "")),
        ("（１２） ③ 題", (12, 3, "題")),
        ("① ユニバーサルデザインに", (None, 1, "ユニバーサルデザインに")),
        ("②【新規】多様な市民", (None, 2, "【新規】多様な市民")),
        ("福祉サービス第三者評価システムの普及", (None, None, "福祉サービス第三者評価システムの普及")),
        ("(仮称)新福祉会館", (None, None, "(仮称)新福祉会館")),
        ("", (None, None, "")),
    ],
)
def test_parse_numbering(text: str, want: tuple) -> None:
    assert parse_numbering(text) == want


def test_numbering_is_parsed_before_width_folding() -> None:
    # NFKC would read "(1) ①" as "(1) 1": the two levels must stay apart
    assert parse_numbering("（１） ①")[:2] == (1, 1)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("A", "A"),
        ("Ｂ", "B"),
        (" c ", "C"),
        ("Ｄ", "D"),
        ("—", None),
        ("－", None),
        ("-", None),
        ("", None),
        ("ー", None),
        ("―", None),
    ],
)
def test_parse_rating(text: str, want: str | None) -> None:
    assert parse_rating(text, ["A", "B", "C", "D"]) == want


@pytest.mark.parametrize("text", ["E", "AB", "」 A", "済"])
def test_parse_rating_refuses_other_text(text: str) -> None:
    with pytest.raises(ValueError, match="A/B/C/D"):
        parse_rating(text, ["A", "B", "C", "D"])


@pytest.mark.parametrize(("text", "want"), [("S", "S"), ("ｓ", "S"), ("◎", "◎"), ("△", "△"), ("—", None)])
def test_parse_rating_reads_the_letters_its_layout_declares(text: str, want: str | None) -> None:
    """A scale is the layout's: S–C or ◎○△ read like A–D, and A is no rating on them."""
    assert parse_rating(text, ["S", "A", "B", "C"] if want in {"S", None} else ["◎", "○", "△"]) == want
    with pytest.raises(ValueError):
        parse_rating("D", ["S", "A", "B", "C"])


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("利⽤者", "利用者"),  # U+2F64 KANGXI RADICAL USE
        ("⽣活", "生活"),
        ("⻑期", "長期"),  # U+2ED1, CJK Radicals Supplement: NFKC leaves it alone
        ("住⺠", "住民"),  # U+2EA0
        ("⻘年", "青年"),
        ("⻝事", "食事"),
        ("髙﨑さん", "髙﨑さん"),  # proper-noun variants stay as printed
        ("ＡＢＣ（１）", "ＡＢＣ（１）"),  # no width folding on sentences
        ("①②", "①②"),
    ],
)
def test_fold_kangxi(text: str, want: str) -> None:
    assert fold_kangxi(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("【新規】福祉相談窓口の整備", (True, "福祉相談窓口の整備")),
        ("福祉相談窓口の整備【新規】", (True, "福祉相談窓口の整備")),
        ("福祉相談窓口の整備", (False, "福祉相談窓口の整備")),
    ],
)
def test_split_new_marker(text: str, want: tuple) -> None:
    assert split_marker(text, "【新規】") == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("計画を進める。\n【感染症対応】\n影響なし", ("計画を進める。", "影響なし")),
        ("【感染症対応】\n延期した。\n再開する。", (None, "延期した。\n再開する。")),
        ("【感染症対応】影響なし", (None, "影響なし")),
        ("計画を進める。", ("計画を進める。", None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_split_covid(text: str | None, want: tuple) -> None:
    assert split_after(text, "【感染症対応】") == want


@pytest.mark.parametrize(
    ("era", "year", "want"),
    [
        ("令和", "元", 2019),
        ("令和", "2", 2020),
        ("平成", "31", 2019),
        ("平成", "元", 1989),
        ("令和", "５", 2023),
    ],
)
def test_era_year(era: str, year: str, want: int) -> None:
    assert era_year(era, year) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("(令和2年度実績報告)", ("令和2年度", 2020)),
        ("平成３０年度", ("平成３０年度", 2018)),
        ("令和元年度", ("令和元年度", 2019)),
        ("令和　2年度", ("令和2年度", 2020)),
        ("昭和0年度", None),
        ("平成0年度から令和2年度まで", ("令和2年度", 2020)),
        ("年度なし", None),
    ],
)
def test_fiscal_year(text: str, want: tuple | None) -> None:
    assert fiscal_year(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("令和3年9月", "2021-09"),
        ("平成31年4月", "2019-04"),
        ("令和元年１２月", "2019-12"),
        ("令和3年13月", None),
        ("令和0年9月", None),
        ("9月", None),
    ],
)
def test_era_month(text: str, want: str | None) -> None:
    assert era_month(text) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("1 福祉のまちづくり", (1, "福祉のまちづくり")),
        ("３　支え合い", (3, "支え合い")),
        ("福祉", (None, "福祉")),
    ],
)
def test_leading_number(text: str, want: tuple) -> None:
    assert leading_number(text) == want


def test_leading_circled_and_to_int() -> None:
    assert leading_circled("② 「講座の実施」") == 2
    assert leading_circled("講座②") is None
    assert to_int("８") == 8 and to_int(" 12 ") == 12 and to_int("計画全体について") is None


def test_squash_removes_all_whitespace_and_folds_width() -> None:
    assert squash("前年度\n事業 評価") == "前年度事業評価"
    assert squash("担　当　課") == "担当課"


@pytest.mark.parametrize(("text", "want"), [("A\u00af", "Ā"), ("か゛", "が"), ("ﾊﾟ", "パ"), ("ｶ ﾞ", "ガ")])
def test_squash_joins_a_mark_left_alone_by_a_removed_space(text: str, want: str) -> None:
    """NFKC makes ゛ a space and a combining mark; with the space gone the mark composes."""
    assert squash(text) == want == squash(want)
