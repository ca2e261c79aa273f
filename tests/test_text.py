"""Wrapped lines versus typed paragraph breaks, on hand-made glyph rows."""

from __future__ import annotations

from extract.reading.text import cell_text, group_lines, join_wrapped
from schemas.grid import BBox, Char

SIZE = 10.0


def row(text: str, top: float, x0: float = 2.0, width: float = SIZE) -> list[Char]:
    out, x = [], x0
    for ch in text:
        w = width / 2 if ch.isascii() else width
        out.append(Char(ch, x, top, x + w, top + SIZE, SIZE))
        x += w
    return out


BOX = BBox(0, 0, 104, 100)  # 2pt padding: 10 full-width glyphs per line


def text_of(*rows: list[Char]) -> str:
    chars = [c for r in rows for c in r]
    return cell_text(group_lines(chars), BOX, 2.0)


def test_full_line_is_a_wrap() -> None:
    assert text_of(row("あいうえおかきくけこ", 0), row("さしす", 12)) == "あいうえおかきくけこさしす"


def test_short_line_is_a_paragraph() -> None:
    assert text_of(row("あいうえお。", 0), row("さしす", 12)) == "あいうえお。\nさしす"


def test_line_starting_with_closing_punctuation_is_a_wrap() -> None:
    assert text_of(row("あいうえおかきく", 0), row("」さしす", 12)) == "あいうえおかきく」さしす"


def test_latin_word_that_did_not_fit_keeps_its_space() -> None:
    assert text_of(row("abc defghijklmn", 0), row("opqrst", 12)) == "abc defghijklmn opqrst"


def test_space_printed_at_a_wrap_is_kept() -> None:
    """The spreadsheet leaves the space it wrapped at on the upper line, past the padding."""
    full = row("あいうえおかきくけ。", 0) + row(" ", 0, x0=102.0, width=4.0)
    assert text_of(full, row("さしす", 12)) == "あいうえおかきくけ。 さしす"


def test_space_printed_at_the_start_of_a_wrapped_line_is_kept() -> None:
    lower = row(" ", 12, x0=2.0, width=4.0) + row("さしす", 12, x0=4.0)
    assert text_of(row("あいうえおかきくけこ", 0), lower) == "あいうえおかきくけこ さしす"


def test_ideographic_space_is_text_not_a_wrap_space() -> None:
    assert text_of(row("あいうえおかきくけ　", 0), row("さしす", 12)) == "あいうえおかきくけ　さしす"


def test_space_inside_a_short_line_is_not_a_wrap() -> None:
    assert text_of(row("あいう。 ", 0), row("さしす", 12)) == "あいう。\nさしす"


def test_latin_word_after_punctuation_wraps_with_it() -> None:
    """て、DET moves down as one unit: the room for て、 alone does not make a typed break."""
    upper = row("あいうえおかき", 0)  # 3 glyphs of room left
    assert text_of(upper, row("て、DETXYZ(さ", 12)) == "あいうえおかきて、DETXYZ(さ"
    assert text_of(upper, row("て、さしす", 12)) == "あいうえおかき\nて、さしす"


def test_a_glyph_that_fits_by_a_hair_was_wrapped() -> None:
    """Calc wraps a glyph that the page shows fitting by less than 4 % of its size (it lays out
    in its own rounded units); with more room to spare the break was typed."""
    lower = row("さしす", 12)
    assert (
        text_of(row("あいうえおかきくけ", 0, width=9.98), lower) == "あいうえおかきくけさしす"
    )  # 0.18 spare
    assert text_of(row("あいうえおかきくけ", 0, width=9.9), lower) == "あいうえおかきくけ\nさしす"  # 0.9


def test_join_wrapped() -> None:
    assert join_wrapped("令和2年度", "実績") == "令和2年度実績"
    assert join_wrapped("NPO", "法人") == "NPO法人"
    assert join_wrapped("the", "city") == "the city"
    assert join_wrapped("ください。", "シート", printed_space=True) == "ください。 シート"


def test_fake_bold_doubles_are_dropped() -> None:
    once = row("森と湖", 0)
    assert text_of(once + once + once) == "森と湖"


def test_unreadable_text_layers_are_named() -> None:
    from extract.reading.read import text_layer_problem

    def chars(text: str) -> list[Char]:
        return row(text, 0)

    assert text_layer_problem([]).startswith("no text layer")
    assert "(cid:N)" in text_layer_problem(chars("(cid:12)(cid:34)(cid:56)(cid:78)"))
    assert "U+FFFD" in text_layer_problem(chars("\ufffd" * 30 + "あ"))
    assert text_layer_problem(chars("Annual report of the city")) == "no Japanese text on the page"
    assert text_layer_problem(chars("事業評価の評価基準")) is None
