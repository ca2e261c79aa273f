"""Two columns under one header cell, with no rule between them in the body (具体的取組 評価指標).

The reader cuts the body where its glyphs leave a vertical gap. A line of the left column that
runs on past where the right column's header word starts must stay whole in its column: no
glyph crosses into the neighbouring column (printed here as a PDF, read with the school layout).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from form_pdf import Box, Page, draw

from extract.reading.pipeline import extract_pdf
from extract.settings import ExtractSettings

X = [40.0, 80.0, 200.0, 480.0, 540.0]  # 番号 | 現状と課題 | 具体的取組 評価指標 | 達成度
HEADS = [(45.0, "番号"), (85.0, "現状と課題"), (215.0, "具体的取組"), (360.0, "評価指標"), (485.0, "達成度")]


def _sheet(path: Path, actions: str, indicator_at: float) -> Path:
    page = Page(free=[(40.0, 60.0, "学校評価シート")])
    for top, bottom in ((100.0, 120.0), (120.0, 160.0)):
        page.boxes += [Box(x0, top, x1, bottom) for x0, x1 in zip(X, X[1:], strict=False)]
    page.free += [(x, 105.0, text) for x, text in HEADS]
    page.free += [(45.0, 125.0, "1"), (85.0, 125.0, "授業の充実"), (205.0, 125.0, actions)]
    page.free += [(indicator_at, 125.0, "満足度80%"), (490.0, 125.0, "Ａ")]
    return draw([page], path)


@pytest.mark.parametrize(
    ("actions", "indicator_at"),
    [
        ("・研修を受講する", 370.0),  # both texts under their own header word
        ("・授業改善の研修を全教員が受講する", 400.0),  # the left line runs on past 評価指標's start
        ("・授業改善の研修を全教員が受講して報告", 405.0),  # … to just before the right text
    ],
)
def test_no_glyph_crosses_an_unruled_column_separator(
    tmp_path: Path, actions: str, indicator_at: float
) -> None:
    pdf = _sheet(tmp_path / "sheet.pdf", actions, indicator_at)
    report = extract_pdf(pdf, ExtractSettings(layout="school-evaluation-sheet"))
    (row,) = report.evaluations
    assert (row.actions, row.indicator, row.rating) == (actions, "満足度80%", "A")  # type: ignore[attr-defined]
