"""Nothing is dropped silently: text that lands in no record is a problem naming its page.

Each case is a report rendered from the hand-checked records (tests/render.py) and then given
the situation: a page of unknown kind between the sheets, a comment row without an opinion,
text printed outside the comment table, a line with 報告 in it that is no running head, and
a running title that repeats at the top of every page (that one is no problem).
"""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path

import pytest
import render
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from extract.errors import NotAnEvaluationReport
from extract.reading.pipeline import extract_pdf

FONT = "F-test-ipag"


def _text_pdf(path: Path, lines: list[tuple[float, str]], pages: int = 1) -> Path:
    """Pages of 842 x 595 pt with the given (y from the top, text) lines, nothing else."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, render.FONTS["ipag"]))
    canvas = Canvas(str(path), pagesize=(842, 595))
    for _ in range(pages):
        canvas.setFont(FONT, 10)
        for y, text in lines:
            canvas.drawString(60, 595 - y, text)
        canvas.showPage()
    canvas.save()
    return path


def _qpdf(*args: str) -> None:
    subprocess.run(["qpdf", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def sample(tmp_path_factory, expected) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("lost")
    path = folder / "report.pdf"
    stats = render.render_report(expected, path)
    return path, {"pages": stats.pages, "sheets": stats.sheet_pages}


def _problems(pdf: Path) -> list[tuple[str, int | None]]:
    return [(p.code, p.page) for p in extract_pdf(pdf).problems]


def test_the_rendering_itself_has_no_problem(sample) -> None:
    assert _problems(sample[0]) == []


def test_unknown_page_between_sheets(sample, tmp_path) -> None:
    pdf, info = sample
    extra = _text_pdf(
        tmp_path / "notice.pdf", [(200, "お知らせ: 施設の改修工事のため、窓口の場所が変わります。")]
    )
    at = info["sheets"][2]  # before the third sheet page
    out = tmp_path / "with-notice.pdf"
    _qpdf("--empty", "--pages", str(pdf), f"1-{at - 1}", str(extra), "1", str(pdf), f"{at}-z", "--", str(out))
    report = extract_pdf(out)
    assert len(report.evaluations) == 58
    assert [(p.code, p.page) for p in report.problems] == [("page_not_read", at)]
    assert "お知らせ" in report.problems[0].message


def test_remark_without_body(expected, tmp_path) -> None:
    records = copy.deepcopy(expected)
    records["comments"][1]["opinion"] = ""
    pdf = tmp_path / "no-opinion.pdf"
    render.render_report(records, pdf)
    report = extract_pdf(pdf)
    assert len(report.remarks) == 4
    assert [p.code for p in report.problems] == ["remark_without_body"]
    assert "委員会の意見" in report.problems[0].message  # the body column's label, from the layout
    assert records["comments"][1]["response"][:20] in report.problems[0].message.replace("\n", "")


def _overlay(pdf: Path, out: Path, overlay: Path, pages: str) -> Path:
    _qpdf(str(pdf), "--overlay", str(overlay), f"--to={pages}", "--", str(out))
    return out


def test_text_outside_the_comment_table(sample, tmp_path) -> None:
    pdf, _ = sample
    note = _text_pdf(tmp_path / "note.pdf", [(490, "※委員会は年4回開催した。")])  # below the table
    out = _overlay(pdf, tmp_path / "note-on-comments.pdf", note, "3")
    problems = extract_pdf(out).problems
    assert [(p.code, p.page) for p in problems] == [("stray_text", 3)]
    assert "委員会は年4回開催" in problems[0].message


def test_a_line_with_a_running_head_word_is_not_a_running_head(sample, tmp_path) -> None:
    pdf, info = sample
    page = info["sheets"][0]
    line = _text_pdf(
        tmp_path / "line.pdf", [(480, "令和2年度実績報告の補足: 数値は速報値")]
    )  # below the table
    out = _overlay(pdf, tmp_path / "report-word.pdf", line, str(page))
    assert _problems(out) == [("stray_text", page)]


def test_a_repeated_running_title_is_no_problem(sample, tmp_path) -> None:
    pdf, info = sample
    head = _text_pdf(tmp_path / "head.pdf", [(20, "地域福祉計画 令和2年度 実績報告書")], pages=info["pages"])
    out = _overlay(pdf, tmp_path / "running-head.pdf", head, f"1-{info['pages']}")
    assert _problems(out) == []


def test_a_table_with_ratings_that_no_layout_knows(expected, tmp_path, monkeypatch) -> None:
    """Rejected, saying which page holds ratings (letters of a scale some layout declares)
    and what its headers are."""
    monkeypatch.setattr(
        render, "SHEET_HEAD", ("区分", "項目", "所属", "実施内容", "昨年度", "判定", "次年度以降")
    )
    pdf = tmp_path / "unknown-form.pdf"
    render.render_report(expected, pdf)
    with pytest.raises(NotAnEvaluationReport) as err:
        extract_pdf(pdf)
    message = str(err.value)
    assert (
        re.search(r"ruled table with ratings [A-D](/[A-D])* \(headers: ", message)
        and "判定" in message
        and "no layout matches" in message
    )


def test_a_rating_column_under_a_header_no_layout_lists(expected, tmp_path, monkeypatch) -> None:
    """事業評価 printed as 評定: the column of one A–D letter per row is the rating column,
    read by its content, and every sheet page says which header was taken so."""
    head = list(render.SHEET_HEAD)
    head[head.index("事業評価")] = "評定"
    monkeypatch.setattr(render, "SHEET_HEAD", tuple(head))
    pdf = tmp_path / "rated.pdf"
    stats = render.render_report(expected, pdf)
    report = extract_pdf(pdf)
    assert [e.rating for e in report.evaluations] == [e["rating"] for e in expected["evaluations"]]
    assert [e.prev_rating for e in report.evaluations] == [e["prev_rating"] for e in expected["evaluations"]]
    taken = [p for p in report.problems if p.code == "column_by_content"]
    assert {p.page for p in taken} == set(stats.sheet_pages)
    assert all("'評定'" in p.message for p in taken)
    assert [p for p in report.problems if p.code != "column_by_content"] == []
