"""The grid's faster steps give what the slower ones they replaced gave.

`_smallest_cells` stands in for pdfplumber's `intersections_to_cells` (same cells, same
order) and `_index` for a scan of every rule; the records tests would see a difference only
where it changes a record, these see any difference.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLE_PDF, SHARED, need_shared
from hypothesis import given
from hypothesis import strategies as st
from pdfplumber.table import edges_to_intersections, intersections_to_cells, merge_edges

from extract.reading.grid import _index, _smallest_cells
from extract.reading.read import read_pdf
from extract.settings import ExtractSettings

REAL = SHARED / "corpus" / "real"
# ruled tables of other publishers, a rotated school sheet, a form with merged cells
PDFS = [
    "fuji-yosansho-r6-p21-30.pdf",
    "wakayama-kogyo-gakkohyoka-r2.pdf",
    "otoineppu-koudoukeikaku-tenkenhyo.pdf",
    "ikeda/ikeda-r7-060.pdf",
]


@pytest.mark.parametrize("name", ["sample", *PDFS])
@pytest.mark.parametrize("reader", ["pdfium", "pdfplumber"])
def test_the_same_cells_as_pdfplumber(name: str, reader: str) -> None:
    path: Path = SAMPLE_PDF if name == "sample" else need_shared(REAL / name)
    settings = ExtractSettings(reader=reader)
    tol, join = settings.snap_tolerance, settings.join_tolerance
    pages = 0
    for page in read_pdf(path, settings).iter_pages():
        points = edges_to_intersections(merge_edges(page.edges, tol, tol, join, join), tol, tol)
        assert _smallest_cells(points) == intersections_to_cells(points), f"page {page.page_no}"
        pages += bool(points)
    assert pages  # the file has ruled tables: the comparison compared something


@given(
    st.lists(st.integers(0, 2000), min_size=1, max_size=12, unique=True),
    st.one_of(st.integers(-100, 2100), st.floats(-100, 2100)),
)
def test_the_nearest_rule_is_the_one_a_full_scan_finds(tenths: list[int], value: float) -> None:
    rules = sorted(t / 10 for t in tenths)
    nearest = min(range(len(rules)), key=lambda i: abs(rules[i] - value))
    assert _index(rules, value) == nearest
