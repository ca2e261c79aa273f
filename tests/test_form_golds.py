"""The 神戸市 and 横浜市 forms (issue 23) against their hand-checked golds, sheet by sheet.

Each shared sheet is extracted as a user would, without --layout (the layout is detected),
and scored with the shared scorer (../shared/tools/score_form.py: texts after NFKC without
whitespace, lists as sets keyed by their identity fields): every record found, the key fields
right on every record, and at least 0.98 of the gold's leaves. The golds are only read here;
no layout or code under extract/ reads them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED, need_shared, run_hyoka

REAL = SHARED / "corpus" / "real"
GOLD = SHARED / "gold"
SCORER = SHARED / "tools" / "score_form.py"
FORMS = {  # form folder: (layout, key fields)
    "kobe": ("kobe-jimujigyo", "name,department,achievement,effort_evaluation"),
    "yokohama": ("yokohama-jigyo", "name,department,sheet_no"),
}
SHEETS = [
    (form, gold.stem) for form in FORMS for gold in sorted((GOLD / form).glob("*.json")) if GOLD.is_dir()
]
# measured on the shared sheets (leaves right / leaves in the gold); the one miss of 011 is
# the gold's: its past_reforms keeps only the first of the three cells beside the label
MEASURED = {"kobe-r25-011": (591, 592)}


@pytest.mark.parametrize(("form", "stem"), SHEETS, ids=[s for _, s in SHEETS])
def test_sheet_against_its_gold(form: str, stem: str, tmp_path: Path) -> None:
    pdf = need_shared(REAL / form / f"{stem}.pdf")
    layout, keys = FORMS[form]
    out = tmp_path / f"{stem}.json"
    done = run_hyoka("extract", str(pdf), "-o", str(out), timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["layout"]["name"] == layout
    scored = subprocess.run(
        [sys.executable, str(need_shared(SCORER)), str(out), str(GOLD / form / f"{stem}.json"), keys],
        capture_output=True,
        text=True,
        check=False,
    )
    print(scored.stdout)
    last = re.search(r"records=(\d+)/(\d+) key=(\d+)/(\d+) leaves=(\d+)/(\d+)", scored.stdout)
    assert last, scored.stdout
    found, records, key_ok, key_n, ok, total = map(int, last.groups())
    assert (found, key_ok) == (records, key_n), scored.stdout
    assert ok / total >= 0.98
    assert (ok, total) == MEASURED.get(stem, (total, total)), scored.stdout


def test_report_facts_not_printed() -> None:
    """神戸市 prints neither its name nor the year: the layout gives the one and the file name
    (r25, in the declared era 平成) the other."""
    pdf = need_shared(REAL / "kobe" / "kobe-r25-001.pdf")
    from extract.reading.pipeline import extract_pdf

    report = extract_pdf(pdf)
    assert (report.report.municipality, report.report.fiscal_year_label, report.report.fiscal_year) == (
        "神戸市",
        "平成25年度",
        2013,
    )
    assert [p.pages for p in report.projects] == [[1, 2, 3]]  # type: ignore[attr-defined]


def test_a_pdf_of_two_sheets_and_an_appendix_page() -> None:
    """007 holds two projects, the first over four pages; 003's （別紙） page (it prints 事務事業名
    as a column head, the sheet's start) is read as the sheet's appendix, as the gold has it:
    title, table rows keyed by their heads, no other text; no problem."""
    from extract.reading.pipeline import extract_pdf

    two = extract_pdf(need_shared(REAL / "kobe" / "kobe-r25-007.pdf"))
    assert [p.pages for p in two.projects] == [[1, 2, 3, 4], [5, 6, 7]]  # type: ignore[attr-defined]
    assert [p.appendices for p in two.projects] == [[], []]  # type: ignore[attr-defined]
    report = extract_pdf(need_shared(REAL / "kobe" / "kobe-r25-003.pdf"))
    assert report.problems == []
    (project,) = report.projects
    assert project.pages == [1, 2, 3]  # type: ignore[attr-defined]
    gold = json.loads((GOLD / "kobe" / "kobe-r25-003.json").read_text(encoding="utf-8"))["appendices"]
    want = [{"page": a["page"], "title": a["title"], "tables": [{"rows": t["rows"]} for t in a["tables"]],
             "notes_text": a["notes_text"]} for a in gold]  # fmt: skip
    assert project.appendices == want  # type: ignore[attr-defined]


def test_an_appendix_of_a_sheet_not_read_is_a_problem() -> None:
    """The sheet before 003's （別紙） page left without its name: no record, and the appendix
    page is not lost silently."""
    projects, problems = _kobe_reader({"税務事務": ""}, "kobe-r25-003.pdf")
    assert projects == []
    assert [(p.code, p.page) for p in problems] == [("odd_page", 1), ("page_not_read", 4)]


def test_blocks_carry_their_pages() -> None:
    from extract.reading.pipeline import extract_pdf

    report = extract_pdf(need_shared(REAL / "yokohama" / "yokohama-r7-013.pdf"))
    (project,) = report.projects
    blocks = project.sub_projects  # type: ignore[attr-defined]
    assert [(b["no"], b["pages"]) for b in blocks] == [(1, [1]), (2, [2]), (3, [2]), (4, [3])]
    assert report.problems == []


def _kobe_reader(change: dict[str, str], pdf: str = "kobe-r25-001.pdf") -> tuple[list, list]:
    """A 神戸市 sheet read page by page, each cell's text (without blanks) matching a pattern of
    ``change`` printed as its value instead: (projects, problems)."""
    from extract.reading.forms import FormReader
    from extract.reading.grid import build_grid
    from extract.reading.layout import load_layout
    from extract.reading.read import read_pdf

    reader = FormReader(load_layout(FORMS["kobe"][0]))
    for raw in read_pdf(need_shared(REAL / "kobe" / pdf)).iter_pages():
        grid = build_grid(raw)
        for cell in (c for t in grid.tables for c in t.cells):
            key = re.sub(r"\s+", "", cell.text)
            cell.text = next((new for old, new in change.items() if re.fullmatch(old, key)), cell.text)
        reader.read_page(grid)
    reader.finish()
    return reader.projects(), reader.problems


def test_a_field_or_table_not_found_is_a_problem_not_an_empty_value() -> None:
    """事業内容's label and the year headers (20年度決算 …) not printed: the field and the three
    tables under those headers are null (not "" or []), each with a problem; the required
    事務事業名 left blank: no record, a problem."""
    (whole,), none = _kobe_reader({})
    assert none == [] and whole.content and whole.costs  # type: ignore[attr-defined]
    (project,), problems = _kobe_reader({"事業内容": "", "[0-9]+年度決算": "年度"})
    assert project.content is None  # type: ignore[attr-defined]
    assert (project.costs, project.staff, project.organisation) == (None, None, None)  # type: ignore[attr-defined]
    assert sorted(p.message for p in problems if not p.message.startswith("text in no field")) == [
        "事業内容: label not found",
        "事業別コスト: table not found",
        "執行体制: table not found",
        "従事人員: table not found",
    ]
    assert all(p.page == 1 for p in problems if not p.message.startswith("text in no field"))
    projects, problems = _kobe_reader({"庁舎設備管理業務": ""})  # the name's cell left blank
    assert projects == [] and [(p.code, p.page) for p in problems] == [("odd_page", 1)]
    assert "no 事務事業名" in problems[0].message


@pytest.mark.parametrize("stem", [s for f, s in SHEETS if f == "yokohama"])
def test_the_evaluation_year_of_the_title(stem: str) -> None:
    """横浜市's title year (令和７年度 事業評価書) is the evaluation's, the 事業 is of the year before:
    the record carries it (the gold keeps it among the report facts, whose model has no place
    for it yet)."""
    from extract.reading.pipeline import extract_pdf

    report = extract_pdf(need_shared(REAL / "yokohama" / f"{stem}.pdf"))
    gold = json.loads((GOLD / "yokohama" / f"{stem}.json").read_text(encoding="utf-8"))["report"]
    (project,) = report.projects
    got = (project.evaluation_fiscal_year_label, project.evaluation_fiscal_year)  # type: ignore[attr-defined]
    assert got == (gold["evaluation_fiscal_year_label"], gold["evaluation_fiscal_year"])
    assert (report.report.fiscal_year_label, report.report.fiscal_year) == (
        gold["fiscal_year_label"],
        gold["fiscal_year"],
    )
