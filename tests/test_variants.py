"""Other renderings of the same records: other fonts, full-width numbering, Kangxi look-alikes,
page breaks inside a measure and inside a department row. The same records must come out."""

from __future__ import annotations

import pytest
from goldcompare import compare
from render import Variant, render_report

from extract.reading.pipeline import extract_pdf

VARIANTS = {
    "mincho": Variant(font="ipam"),
    "fullwidth-kangxi-gothic": Variant(font="ipaexg", fullwidth=True, kangxi=True, size=8.5),
    "short-pages-split-rows": Variant(font="ipaexm", page_height=420, split_rows=True),
}

# Fields equal verbatim, of 897. Not all are: mincho and short pages put a typed break after
# a line that the text fills exactly (the page cannot show it, as in the sample). A row split
# over two pages is joined by the wrap rule (rows.py, text.join_across), as inside a cell.
EXACT = {"mincho": 894, "fullwidth-kangxi-gothic": 897, "short-pages-split-rows": 895}


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def rendered(request, tmp_path_factory, expected):
    path = tmp_path_factory.mktemp("variants") / f"{request.param}.pdf"
    stats = render_report(expected, path, VARIANTS[request.param])
    return request.param, stats, extract_pdf(path).model_dump(mode="json")


def test_same_records(rendered, expected) -> None:
    name, _, got = rendered
    score, counts = compare(got, expected)
    print(f"\n{name}: {score.summary()}", counts)
    for line in score.mismatches:
        print("  mismatch:", line[:300])
    assert set(counts.values()) == {0}
    assert score.lenient_ratio == 1.0
    assert score.equal == EXACT[name]  # measured; see below for what the rest are
    assert got["problems"] == []


def test_the_situations_really_occur(rendered) -> None:
    name, stats, got = rendered
    assert stats.measures_across_pages > 0  # a measure runs over a page break
    if name == "short-pages-split-rows":
        assert stats.rows_split > 0  # a department row continues on the next page
        assert len({e["page"] for e in got["evaluations"]}) > 19


def test_kangxi_glyphs_are_in_the_pdf(tmp_path, expected) -> None:
    import pdfplumber

    path = tmp_path / "k.pdf"
    render_report(expected, path, VARIANTS["fullwidth-kangxi-gothic"])
    with pdfplumber.open(path) as pdf:
        text = "".join(p.extract_text() for p in pdf.pages)
    assert "⽤" in text and "⻑" in text and "（１）" in text
    got = extract_pdf(path).model_dump(mode="json")
    assert not any("⽤" in (e["results"] or "") for e in got["evaluations"])
