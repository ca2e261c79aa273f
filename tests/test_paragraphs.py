"""A word processor's paragraphs (layout text = "paragraphs"), on hand-made glyph rows.

The rule is measured on the four real school sheets in test_school.py; here each cue alone.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from test_text import BOX, SIZE, row

from extract.reading.paragraphs import paragraph_text
from extract.reading.text import group_lines
from schemas.grid import BBox, Char


def text_of(*rows: list[Char]) -> str:
    return paragraph_text(group_lines([c for r in rows for c in r]), BOX)


def test_short_line_mid_sentence_is_joined() -> None:
    """Unlike a spreadsheet's: a line broken by hand in mid-sentence is not a paragraph."""
    assert text_of(row("あいうえお", 0), row("さしす。", 12)) == "あいうえおさしす。"


def test_sentence_ending_short_of_the_edge_ends_a_paragraph() -> None:
    assert text_of(row("あいうえお。", 0), row("さしす", 12)) == "あいうえお。\nさしす"


def test_sentence_ending_at_the_edge_is_a_wrap() -> None:
    assert text_of(row("あいうえおかきくけ。", 0), row("さしす", 12)) == "あいうえおかきくけ。さしす"


def test_bullet_starts_a_paragraph_even_after_a_full_line() -> None:
    assert text_of(row("○あいうえおかきくけ", 0), row("○さしす", 12)) == "○あいうえおかきくけ\n○さしす"


def test_bullet_lines_hang_indented_and_end_back_at_the_margin() -> None:
    lines = [row("○あいうえおかきくけ", 0), row("こさしす", 12, x0=12.0), row("A評価", 24)]
    assert text_of(*lines) == "○あいうえおかきくけこさしす\nA評価"


def test_indented_line_starts_a_paragraph() -> None:
    assert (
        text_of(row("あいうえおかきくけこ", 0), row("さしす", 12, x0=12.0)) == "あいうえおかきくけこ\nさしす"
    )


def test_bracketed_heading_stands_alone() -> None:
    assert text_of(row("＜生徒評価＞", 0), row("あいう", 12)) == "＜生徒評価＞\nあいう"


def test_blank_line_separates() -> None:
    lines = [row("あいうえおかきくけこ", 0), row("さしすせそたちつてと", 12), row("なにぬ", 36)]
    assert text_of(*lines) == "あいうえおかきくけこさしすせそたちつてと\nなにぬ"


def test_wide_line_spacing_is_no_blank_line() -> None:
    """Spacing is measured against the cell's own: double-spaced lines still wrap."""
    assert text_of(row("あいうえおかきくけこ", 0), row("さしす", 24)) == "あいうえおかきくけこさしす"


def test_indent_typed_as_a_space_starts_a_paragraph() -> None:
    assert text_of(row("あいうえおかきくけこ", 0), row("\u3000さしす", 12)) == "あいうえおかきくけこ\nさしす"


def test_latin_words_wrapped_at_a_printed_space_keep_it() -> None:
    assert text_of(row("Let us meet at ", 0), row("the school", 12)) == "Let us meet at the school"


def test_centred_lines_join_whatever_their_length() -> None:
    """Centring moves every line's start: no indent, no short line."""
    assert text_of(row("あいうえお。", 0, x0=22.0), row("さし", 12, x0=42.0)) == "あいうえお。さし"


def test_a_printed_line_s_own_spaces_are_dropped_at_the_join() -> None:
    assert text_of(row("あいうえお、 ", 0), row(" さしす", 12)) == "あいうえお、さしす"


def test_a_cell_split_by_a_page_break_joins_by_the_same_rule() -> None:
    from extract.reading.paragraphs import join_pages
    from schemas.grid import Cell

    def cell(*rows: list[Char]) -> Cell:
        lines = group_lines([c for r in rows for c in r])
        return Cell(0, 0, 1, 1, BOX, paragraph_text(lines, BOX), lines)

    top, wrap, bullet = (
        cell(row("あいうえおかきくけこ", 0)),
        cell(row("さしす。", 0)),
        cell(row("○さしす", 0)),
    )
    assert join_pages(top.text, top, wrap.text, wrap) == "あいうえおかきくけこさしす。"
    assert join_pages(top.text, top, bullet.text, bullet) == "あいうえおかきくけこ\n○さしす"
    assert join_pages("", None, "さしす", wrap) == "さしす"


def test_numbered_item_starts_a_paragraph_but_a_number_in_a_sentence_does_not() -> None:
    assert text_of(row("あいうえおかきくけこ", 0), row("(2)さしす", 12)) == "あいうえおかきくけこ\n(2)さしす"
    assert (
        text_of(row("あいうえおかきくけこ", 0), row("２．さしす", 12)) == "あいうえおかきくけこ\n２．さしす"
    )
    assert text_of(row("あいうえおかきくけこ", 0), row("10.5%です", 12)) == "あいうえおかきくけこ10.5%です"


# Japanese text without the cues: no bullet, number, bracket, sentence end or space.
PLAIN = st.text(alphabet="あいうえおかきくけこ漢字福祉防災地域事業推進支援", min_size=1, max_size=60)


@given(PLAIN, st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=8))
def test_hand_broken_lines_of_one_paragraph_join_back(text: str, widths: list[int]) -> None:
    """A paragraph broken by hand anywhere (lines of 1 to 10 glyphs, left-aligned, evenly
    spaced) reads back as the paragraph: no glyph lost, nothing inserted."""
    lines, start, i = [], 0, 0
    while start < len(text):
        width = widths[i % len(widths)]
        lines.append(row(text[start : start + width], 12 * i))
        start, i = start + width, i + 1
    assert text_of(*lines) == text


@given(st.lists(PLAIN, min_size=1, max_size=5))
def test_bulleted_items_read_one_a_line(items: list[str]) -> None:
    """Each ○ item stays its own paragraph, however the items wrap (hanging indent)."""
    lines, top = [], 0
    for item in items:
        text = "○" + item
        for k in range(0, len(text), 10):
            lines.append(row(text[k : k + 10], top, x0=2.0 if k == 0 else 12.0))
            top += 12
    assert text_of(*lines) == "\n".join("○" + item for item in items)


FULL = row("あいうえおかきくけこ", 0)  # a full line: where the cell's full lines end


def test_sentence_end_with_no_room_for_the_next_glyph_is_a_wrap() -> None:
    """Room after 。 for less than the next glyph, but more than a full line leaves: the room
    is what a wrap leaves when the line's glyphs do not add up to the cell's width."""
    lines = [FULL, row("さしすせそたちつ。", 12, x0=5.0), row("なにぬ", 24)]
    assert text_of(*lines) == "あいうえおかきくけこさしすせそたちつ。なにぬ"


def test_sentence_end_on_a_full_line_ends_a_paragraph() -> None:
    """A sentence ending on a line as full as the cell's full lines (which leave 0.6 of a glyph
    here): the break tells nothing, and in a typed form a sentence's end there was most often
    a typed break. A line leaving more room than that, short of the next glyph, was wrapped."""
    box = BBox(0, 0, 110, 100)
    lines = [row("あいうえおかきくけこ", 0), row("さしすせそたちつて。", 12), row("なにぬ", 24)]
    assert paragraph_text(group_lines([c for r in lines for c in r]), box).endswith("て。\nなにぬ")
    lines[1] = row("さしすせそたちつ1。", 12, x0=4.0)  # 9 pt of room: 3 more than a full line
    assert paragraph_text(group_lines([c for r in lines for c in r]), box).endswith("つ1。なにぬ")


def test_sentence_end_with_no_room_for_the_next_unit_is_a_wrap() -> None:
    """A word processor moves down what may not be cut: an opening bracket with what follows
    it, a number with its ％ and closing bracket, a Latin word."""
    assert text_of(FULL, row("さしすせそたち。", 12), row("（８０％）", 24)).endswith("たち。（８０％）")
    assert text_of(FULL, row("さしすせそたち。", 12), row("ABCDEFGH", 24)).endswith("たち。ABCDEFGH")
    assert text_of(FULL, row("さしすせそたち。", 12), row("（８", 24)).endswith("たち。\n（８")


def test_line_set_apart_after_a_sentence_is_a_paragraph() -> None:
    """(７０％) right-aligned under a sentence that left no room for it: set there by hand."""
    lines = [row("○あいうえおかき。", 0), row("（７０％）", 12, x0=52.0)]
    assert text_of(*lines) == "○あいうえおかき。\n（７０％）"


def test_space_printed_after_a_sentence_marks_a_typed_break() -> None:
    """Word prints a typed break as a space; a wrap between Japanese glyphs prints none."""
    spaced = [FULL, row("さしすせそたちつ。 ", 12), row("（昨年度）", 24)]
    assert text_of(*spaced).endswith("ちつ。\n（昨年度）")
    assert text_of(FULL, row("さしすせそたちつ。", 12), row("（昨年度）", 24)).endswith("ちつ。（昨年度）")


def test_justified_line_before_a_typed_break_is_measured_unstretched() -> None:
    """Word and Writer spread a justified line ending in a typed line break to the edge."""
    spread = [Char(ch, 2.0 + i * 18.0, 0, 12.0 + i * 18.0, SIZE, SIZE) for i, ch in enumerate("あいうえお。")]
    lines = [spread, row("さしすせそたちつてと", 12), row("なに", 24)]
    assert text_of(*lines) == "あいうえお。\nさしすせそたちつてとなに"


def test_a_quotation_ending_short_of_the_edge_ends_a_paragraph() -> None:
    """「…」 is a sentence too: with room for the next quotation's 「 and its glyph, typed."""
    assert text_of(row("「あいうえ」", 0), row("「かきく」", 12)) == "「あいうえ」\n「かきく」"
    lines = [FULL, row("「あいうえおかき」", 12), row("「かきく」", 24)]
    assert text_of(*lines).endswith("き」「かきく」")
