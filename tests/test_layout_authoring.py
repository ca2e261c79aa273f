"""Issue 24, authoring: `hyoka layout draft` writes a layout that loads and reads, and `hyoka
layout check` shows every label found or not with its value whole (text and --html), on the
shared real forms and row tables. The measured share of the shipped layouts' values a draft
reads is pinned."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import SHARED, need_shared, run_hyoka

from extract.reading.draft_toml import draft_layout
from extract.reading.pipeline import extract_pdf
from extract.settings import ExtractSettings
from schemas.form import FormLayout
from schemas.layout import RowLayout

REAL = SHARED / "corpus" / "real"
# one PDF per shared form: (path, the least share of the shipped layout's values its draft reads)
FORMS = {
    "kobe/kobe-r25-001.pdf": 0.80,
    "kobe/kobe-r25-003.pdf": 0.60,
    "kobe/kobe-r25-007.pdf": 0.80,
    "ikeda/ikeda-r7-008.pdf": 0.70,
    "yokohama/yokohama-r7-013.pdf": 0.60,
}
# every row table shared: (path, the least share of the shipped layout's row values its draft reads)
ROW_TABLES = {
    "real/wakayama-kogyo-gakkohyoka-h22.pdf": 0.95,
    "real/wakayama-kogyo-gakkohyoka-h27.pdf": 0.95,
    "real/wakayama-kogyo-gakkohyoka-r2.pdf": 0.95,
    "real/wakayama-kogyo-gakkohyoka-r4.pdf": 0.95,
    "koganei-fy2020.pdf": 0.80,
}
_SKIP = {"page", "pages", "no"}
_ROW_SKIP = {"sheet_no", "page", "ocr"}


def values(obj: object) -> list[str]:
    """Every non-empty value of the records (table cells and block items included)."""
    if isinstance(obj, dict):
        return [v for k, x in obj.items() if k not in _SKIP for v in values(x)]
    if isinstance(obj, list):
        return [v for x in obj for v in values(x)]
    return [] if obj in (None, "", False) else [str(obj)]


def _draft(pdf: Path, tmp_path: Path) -> Path:
    out = tmp_path / f"{pdf.stem}.toml"
    out.write_text(draft_layout(pdf), encoding="utf-8")
    return out


def row_values(row: dict) -> set[str]:
    """A row record's values as text (its sheet, page and OCR left out; False and blanks too)."""
    return {str(v) for k, v in row.items() if k not in _ROW_SKIP and v not in (None, "", False)}


def same_rows(shipped: list[dict], drafted: list[dict]) -> tuple[int, int, int]:
    """(rows paired, shipped values the paired draft row holds, shipped values): the n-th row
    of a page is paired with the draft's n-th row of that page; a value counts when that row
    holds it with the same text."""
    by_page: dict[int, list[dict]] = {}
    for row in drafted:
        by_page.setdefault(row["page"], []).append(row)
    seen: dict[int, int] = {}
    paired = same = total = 0
    for row in shipped:
        n = seen[row["page"]] = seen.get(row["page"], -1) + 1
        other = by_page.get(row["page"], [])
        found = row_values(other[n]) if n < len(other) else set()
        paired += n < len(other)
        values = row_values(row)
        same += len(values & found)
        total += len(values)
    return paired, same, total


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_draft_loads_reads_and_finds_what_the_shipped_layout_finds(name: str, tmp_path: Path) -> None:
    pdf = need_shared(REAL / name)
    layout = _draft(pdf, tmp_path)
    assert 'kind = "form"' in layout.read_text(encoding="utf-8")
    FormLayout.model_validate(tomllib.loads(layout.read_text(encoding="utf-8")))
    drafted = extract_pdf(pdf, ExtractSettings(layout=str(layout)))
    assert drafted.projects, "the draft reads at least one record"
    shipped = values([r.model_dump() for r in [*extract_pdf(pdf).evaluations, *extract_pdf(pdf).projects]])
    found = set(values([p.model_dump() for p in drafted.projects]))
    same = sum(v in found for v in shipped) / len(shipped)
    assert same >= FORMS[name], f"{name}: the draft reads {same:.2f} of the shipped layout's values"


@pytest.mark.parametrize("name", sorted(ROW_TABLES))
def test_a_row_table_is_drafted_as_rows_that_read_what_the_shipped_layout_reads(
    name: str, tmp_path: Path
) -> None:
    """A table of rated rows is drafted as a row layout (columns by their headers, the rating
    by its letters): every shipped row is found on its page, most values with the same text."""
    pdf = need_shared(SHARED / "corpus" / name)
    layout = _draft(pdf, tmp_path)
    RowLayout.model_validate(tomllib.loads(layout.read_text(encoding="utf-8")))
    drafted = [e.model_dump() for e in extract_pdf(pdf, ExtractSettings(layout=str(layout))).evaluations]
    shipped = [e.model_dump() for e in extract_pdf(pdf).evaluations]
    paired, same, total = same_rows(shipped, drafted)
    assert len(drafted) == len(shipped) == paired, (
        f"{name}: {len(drafted)} rows drafted, {len(shipped)} shipped"
    )
    assert same / total >= ROW_TABLES[name], f"{name}: the draft reads {same}/{total} of the shipped values"


def test_check_shows_whole_values_and_labels_not_found() -> None:
    pdf = need_shared(REAL / "kobe" / "kobe-r25-001.pdf")
    done = run_hyoka("layout", "check", "kobe-jimujigyo", str(pdf))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "name (事務事業名): found at [43.1, 78.3, 134.1, 99.1]\n      庁舎設備管理業務" in out
    # a value of 200 characters is shown whole, wrapped: its last words are there
    assert "⑦各種設備の小修繕" in out and "…" not in out
    assert "evaluation_reason_note (評価理由の注記): NOT FOUND" in out
    assert "table costs (事業別コスト): found" in out and "header row: 20年度決算 | 21年度決算" in out


def test_check_html_draws_each_page_with_the_field_names(tmp_path: Path) -> None:
    pdf = need_shared(REAL / "kobe" / "kobe-r25-001.pdf")
    page = tmp_path / "check.html"
    done = run_hyoka("layout", "check", "kobe-jimujigyo", str(pdf), "--html", str(page))
    assert done.returncode == 0, done.stderr
    text = page.read_text(encoding="utf-8")
    assert text.count("<img src='data:image/png;base64,") == 3  # one per page, inside the file
    assert "http" not in text.replace("data:image", "")
    assert ">purpose</span>" in text and ">costs</span>" in text


def test_check_of_a_row_layout_lists_its_sheet_fields() -> None:
    pdf = need_shared(REAL / "wakayama-kogyo-gakkohyoka-r4.pdf")
    done = run_hyoka("layout", "check", "school-evaluation-sheet", str(pdf))
    assert done.returncode == 0, done.stderr
    assert "vision (目指す学校像): found" in done.stdout
    assert "column rating" in done.stdout


def test_draft_command_writes_a_layout_check_reads(tmp_path: Path) -> None:
    pdf = need_shared(REAL / "kobe" / "kobe-r25-001.pdf")
    out = tmp_path / "layouts" / "kobe-draft.toml"
    done = run_hyoka("layout", "draft", str(pdf), "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "name = 'kobe-draft'" in text and "start = ['^事務事業名$']" in text
    assert "labels = ['^目的$']" in text and "header = '^[0-9]+年度決算$'" in text
    assert "chosen = ['●']" in text  # 取組への評価: ● among ○
    checked = run_hyoka("layout", "check", str(out), str(pdf))
    assert "field_04 (目的): found" in checked.stdout


def test_draft_of_a_row_table_is_read_back_by_check(tmp_path: Path) -> None:
    pdf = need_shared(SHARED / "corpus" / "koganei-fy2020.pdf")
    out = tmp_path / "layouts" / "welfare.toml"
    done = run_hyoka("layout", "draft", str(pdf), "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert 'kind = "rows"' in text and "header = ['^事業評価$']\nrole = \"rating\"" in text
    assert 'role = "prev_rating"' in text and "header = ['^担当課$']\nrole = \"department\"" in text
    assert 'numbering = { style = "circled"' in text and "marker = '【感染症対応】'" in text
    checked = run_hyoka("layout", "check", str(out), str(pdf))
    assert checked.returncode == 0, checked.stderr
    assert "rating: B" in checked.stdout and "department: 地域福祉課" in checked.stdout
