"""The sample's records as LibreOffice Calc prints them (tests/render_calc.py): Calc wraps the
lines, draws the borders, breaks the pages and scales the print, as the city's export does.
Other fonts (monospaced and proportional), a portrait page, a scaled page, narrower text. The
same records must come out, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from goldcompare import Score, compare
from render_calc import PAPERS, CalcVariant, render_many

from extract.reading.pipeline import extract_pdf
from extract.settings import ExtractSettings

VARIANTS = {
    "exmincho": CalcVariant(font="IPAexMincho"),
    "pgothic": CalcVariant(font="IPAPGothic"),
    "portrait-gothic": CalcVariant(font="IPAGothic", landscape=False),
    "scaled80-mincho": CalcVariant(font="IPAMincho", scale=80),
    "size8": CalcVariant(size=8),
    "b4-pmincho-wide": CalcVariant(font="IPAPMincho", paper="B4", widths=1.2),
    # 施策 longer than a page: Calc's own breaks cut their merged cells (see ACROSS_BREAKS), one
    # 個別事業 title across two pages, another printed wholly on the page after its first row
    "size10.5": CalcVariant(size=10.5),
}

# Fields equal verbatim, of 897. Short of 897: a typed break after a line the text fills (no
# room left for the next glyph: a wrap prints the same glyphs at the same places, and a wrap
# is read), which lines are full depending on the font and the column's width; and a wrap
# before "(" read as a typed break: the line had room for the half-width "(" but Calc never
# ends a line with an opening bracket, so it moved "(令" down as one unit (the reader does not
# model that yet: the same rule would misread the sample's typed break "した。|(法人職員").
EXACT = {
    # full lines: 依頼していきたい。|苦情申出, 出来た。|敬老会
    "exmincho": 895,
    # full lines: などを実施。|ボランティア, 追記します。)|さらに; bracket: 応援マップ」|(令和2年度
    "pgothic": 894,
    # full line: 依頼していきたい。|苦情申出
    "portrait-gothic": 896,
    # full line: 依頼していきたい。|苦情申出
    "scaled80-mincho": 896,
    # bracket: 実施した。|(新規登録
    "size8": 896,
    # full line: ご教示願いたい。|例えば (comment 2's opinion)
    "b4-pmincho-wide": 896,
    # full lines: 図る。|また (指導室), いる。|また (広報秘書課); brackets: 9,766件|(延べ件数),
    # 」|(毎月発行)
    "size10.5": 893,
}


# Calc's own page breaks, none before a 施策: it breaks inside merged 施策 / 個別事業 cells,
# draws no rule under them at the page's end (grid.close_open_cells closes them there) and
# prints their text on both pages under a clip path, the hidden part over the repeated
# heading rows (neither reader reads a glyph its clip hides).
ACROSS_BREAKS = CalcVariant(measure_breaks=False)
# full lines: 依頼していきたい。|苦情申出, 出来た。|敬老会 (as exmincho)
ACROSS_BREAKS_EXACT = 895


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, expected) -> dict[str, tuple[Path, dict]]:
    pdfs = render_many(
        expected, {**VARIANTS, "across-breaks": ACROSS_BREAKS}, tmp_path_factory.mktemp("calc")
    )
    return {name: (pdf, extract_pdf(pdf).model_dump(mode="json")) for name, pdf in pdfs.items()}


def _read_whole(name: str, got: dict, expected: dict) -> Score:
    """Every row and comment read, none invented, every field right but for spacing; the score
    (its mismatches printed) for the test's count of verbatim fields."""
    score, counts = compare(got, expected)
    print(f"\n{name}: {score.summary()}", counts)
    for line in score.mismatches:
        print("  mismatch:", line[:300])
    assert len(got["evaluations"]) == 58 and len(got["comments"]) == len(expected["comments"])
    assert set(counts.values()) == {0}  # none missing, none invented
    assert score.lenient_ratio == 1.0
    return score


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_same_records(rendered, expected, name: str) -> None:
    _, got = rendered[name]
    score = _read_whole(name, got, expected)
    assert score.equal == EXACT[name]  # measured; see EXACT for what the rest are
    assert got["problems"] == []


def test_merged_cells_cut_by_a_page_break(rendered, expected) -> None:
    """Merged cells cut by Calc's page breaks read as one: their text counted once, on the
    page where it shows, and their rows closed at the page's end."""
    _, got = rendered["across-breaks"]
    score = _read_whole("across-breaks", got, expected)
    assert score.equal == ACROSS_BREAKS_EXACT
    assert got["problems"] == []


def test_the_cross_check_reader_reads_them_alike(rendered) -> None:
    """Where Calc clips text at its page breaks, the pdfplumber reader (pdfminer ignores clip
    paths; read.py applies them) gives the same whole report as the default reader."""
    for name in ("across-breaks", "size10.5"):
        pdf, got = rendered[name]
        assert extract_pdf(pdf, ExtractSettings(reader="pdfplumber")).model_dump(mode="json") == got, name


def test_calc_printed_them_as_asked(rendered) -> None:
    """Calc, not another tool, printed each variant on its paper, in its font and size."""
    import pdfplumber

    for name, (pdf, _) in rendered.items():
        v = VARIANTS.get(name, ACROSS_BREAKS)
        with pdfplumber.open(pdf) as doc:
            assert doc.metadata["Producer"].startswith("LibreOffice")
            page = doc.pages[5]  # the first evaluation sheet
            width_mm = round(float(page.width) / 72 * 25.4)
            assert width_mm == (PAPERS[v.paper][1] if v.landscape else PAPERS[v.paper][0])
            fonts = {c["fontname"].split("+")[-1] for c in page.chars}
            assert fonts == {v.font}, name
            sizes = [c["size"] for c in page.chars]
            assert max(set(sizes), key=sizes.count) < v.size  # scaled down to fit, or to 80 %
