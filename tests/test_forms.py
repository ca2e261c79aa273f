"""池田市's real 事務事業評価シート read through the form layout file, against hand-checked records.

Each sheet is compared with ../shared/gold/ikeda/<stem>.json verbatim: texts character for
character, numbers equal, sdgs and perspectives as sets, costs and indicator values as sets of
tuples. The README's comparison (texts after NFKC and whitespace removal) is the second figure. Combined PDFs (made here with qpdf) must give one record per page
with the right page numbers, and a page that is not a sheet must become a problem.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import badpdfs as bad
import pytest
from conftest import ROOT, SHARED, need_shared

from extract.reading.forms import FormReader, is_form_page
from extract.reading.grid import build_grid
from extract.reading.layout import load_layout
from extract.reading.pipeline import extract_pdf
from extract.reading.read import read_pdf
from extract.reading.text import cell_text
from extract.settings import ExtractSettings
from schemas.form import FormLayout, Project
from schemas.grid import BBox, Cell, Char, PageGrid, Table, TextLine

LAYOUT = "jimujigyo-sheet"
PDF_DIR = SHARED / "corpus" / "real" / "ikeda"
GOLD_DIR = SHARED / "gold" / "ikeda"
PDFS = sorted(PDF_DIR.glob("*.pdf")) if PDF_DIR.is_dir() else []
KEY_FIELDS = ("no", "name", "achievement", "effectiveness", "efficiency", "direction")
SET_FIELDS = ("sdgs", "perspectives", "costs", "indicators")


def _extract(pdf: Path, layout: str) -> tuple[dict, list[Project], list]:
    """The pipeline's report for a PDF read with the form layout: (report facts, projects, problems)."""
    report = extract_pdf(pdf, ExtractSettings(layout=layout))
    return report.report.model_dump(), report.projects, report.problems


def _need(path: Path) -> None:
    need_shared(path)


def lenient(value: object) -> object:
    if isinstance(value, str):
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    return value


def verbatim(value: object) -> object:
    return value


def as_set(name: str, value: list, fold: Callable[[object], object]) -> set:
    if name == "costs":
        return {(fold(c["item"]), c["fiscal_year"], c["kind"], c["amount"]) for c in value}
    if name == "indicators":
        return {
            (fold(i["name"]), fold(i["unit"]), v["fiscal_year"], v["kind"], fold(v["value"]))
            for i in value
            for v in i["values"]
        }
    return {fold(v) for v in value}


def score(got: dict, want: dict, fold: Callable[[object], object] = verbatim) -> tuple[int, int, list[str]]:
    """(equal, compared, mismatches): one per scalar field, one per element of each set; texts
    compared after ``fold`` (verbatim, or lenient for the second figure)."""
    equal = compared = 0
    wrong: list[str] = []
    for name, expected in want.items():
        if name in SET_FIELDS:
            have, need = as_set(name, got.get(name) or [], fold), as_set(name, expected, fold)
            compared += len(have | need)
            equal += len(have & need)
            wrong += [f"{name} missing {x}" for x in need - have]
            wrong += [f"{name} invented {x}" for x in have - need]
        else:
            compared += 1
            if fold(got.get(name)) == fold(expected):
                equal += 1
            else:
                wrong.append(f"{name}: got {got.get(name)!r} want {expected!r}")
    return equal, compared, wrong


def test_layout_file_validates() -> None:
    layout = load_layout(LAYOUT)
    assert isinstance(layout, FormLayout) and layout.kind == "form"
    described = layout.fields + layout.ratings + layout.choices + layout.tables + layout.report
    assert all(f.label and f.description for f in described)
    names = [f.name for f in described if f not in layout.report] + [r.label_field for r in layout.ratings]
    assert len(names) == len(set(names)) and "page" not in names  # the record's keys, once each


@pytest.mark.parametrize(
    ("printed", "amount"),
    [("13,834", 13834), ("１３，８３４", 13834), ("-220", -220), ("△220", -220), ("▲1,200", -1200),
     ("(220)", None), ("（1,200）", None), ("-", None), ("12.5", None), ("", None)],
)  # fmt: skip
def test_amounts_as_accounts_print_them(  # brackets (内数) are not negatives
    printed: str, amount: int | None
) -> None:
    from extract.reading.form_tables import _amount

    assert _amount(printed, load_layout(LAYOUT)) == amount


def test_sheets_are_present() -> None:
    _need(PDF_DIR)
    assert len(PDFS) == 12


@pytest.mark.parametrize("pdf", PDFS, ids=[p.stem for p in PDFS])
def test_sheet_against_gold(pdf: Path) -> None:
    gold = json.loads((GOLD_DIR / f"{pdf.stem}.json").read_text(encoding="utf-8"))
    report, projects, problems = _extract(pdf, LAYOUT)
    assert len(projects) == 1, problems
    got = projects[0].model_dump()
    want = gold["project"]
    assert got["page"] == 1
    for name in ("fiscal_year", "fiscal_year_label", "plan"):
        assert report[name] == gold["report"][name]
    assert {k: got[k] for k in KEY_FIELDS} == {k: want[k] for k in KEY_FIELDS}
    equal, compared, wrong = score(got, want)
    assert wrong == [] and equal == compared
    assert problems == [], problems


def test_all_sheets_score(capsys: pytest.CaptureFixture[str]) -> None:
    _need(PDF_DIR)
    exact = lenient_equal = total = 0
    lines = []
    for pdf in PDFS:
        gold = json.loads((GOLD_DIR / f"{pdf.stem}.json").read_text(encoding="utf-8"))
        _, projects, _ = _extract(pdf, LAYOUT)
        equal, compared, _ = score(projects[0].model_dump(), gold["project"])
        folded, _, _ = score(projects[0].model_dump(), gold["project"], lenient)
        exact, lenient_equal, total = exact + equal, lenient_equal + folded, total + compared
        lines.append(f"{pdf.stem} {equal}/{compared} verbatim, {folded}/{compared} after NFKC without spaces")
    with capsys.disabled():
        print("\n" + "\n".join(lines) + f"\nall {exact}/{total} verbatim, {lenient_equal}/{total} lenient")
    assert len(PDFS) == 12 and exact == lenient_equal == total == 671  # README


def test_combined_pdf_one_record_per_page(tmp_path: Path) -> None:
    """All twelve sheets with a Koganei cover (not a sheet) in the middle."""
    _need(PDF_DIR)
    cover = ROOT / "raw" / "koganei-fy2020.pdf"
    pages = [str(p) for p in PDFS[:6]] + [str(cover), "1"] + [str(p) for p in PDFS[6:]]
    combined = bad.joined(tmp_path / "combined.pdf", pages)
    report, projects, problems = _extract(combined, LAYOUT)
    numbers = [int(p.stem.rsplit("-", 1)[1]) for p in PDFS]
    assert [p.no for p in projects] == numbers
    assert [p.page for p in projects] == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]
    assert [(p.code, p.page) for p in problems] == [("not_a_form", 7)]
    assert report["fiscal_year"] == 2024


def test_long_combined_pdf_memory_flat(tmp_path: Path) -> None:
    """The twelve sheets twenty times over (240 pages): one record per page, and the
    peak memory of reading 240 pages stays close to that of reading 24."""
    _need(PDF_DIR)
    short = bad.joined(tmp_path / "short.pdf", [str(p) for p in PDFS * 2])
    long = bad.joined(tmp_path / "long.pdf", [str(p) for p in PDFS * 20])
    small, big = _peak_kb(short, 24), _peak_kb(long, 240)
    print(f"peak RSS: 24 pages {small} kB, 240 pages {big} kB")
    assert big < small * 1.25


def _peak_kb(pdf: Path, pages: int) -> int:
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from extract.reading.pipeline import extract_pdf\n"
        "from extract.settings import ExtractSettings\n"
        f"r = extract_pdf(Path({str(pdf)!r}), ExtractSettings(layout={LAYOUT!r}))\n"
        "projects, problems = r.projects, r.problems\n"
        f"assert [p.page for p in projects] == list(range(1, {pages} + 1)), problems\n"
        "assert not problems, problems[:3]\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip().splitlines()[-1])


def test_code_does_not_know_the_answers() -> None:
    """No gold text of the sheets in extract/ or schemas/ (texts of 12+ characters)."""
    _need(GOLD_DIR)
    needles = set()
    for path in GOLD_DIR.glob("*.json"):
        project = json.loads(path.read_text(encoding="utf-8"))["project"]
        for value in project.values():
            if isinstance(value, str) and len(lenient(value)) >= 12:
                needles.add(lenient(value)[:12])
    for folder in ("extract", "schemas"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".toml", ".json"}:
                text = lenient(path.read_text(encoding="utf-8"))
                hits = [n for n in needles if n in text]
                assert not hits, f"{path} contains expected text: {hits[:3]}"


def _grid(pdf: Path) -> PageGrid:
    raw = next(read_pdf(pdf).iter_pages())
    return build_grid(raw)


def _cell(grid: PageGrid, pattern: str, offset: int = 0) -> Cell:
    """The cell ``offset`` cells right of the first cell whose text matches ``pattern``."""
    for table in grid.tables:
        cells = sorted(table.cells, key=lambda c: (c.row, c.col))
        for i, cell in enumerate(cells):
            if re.search(pattern, lenient(cell.text)):
                return cells[i + offset]
    raise AssertionError(pattern)


def _read(grid: PageGrid) -> FormReader:
    reader = FormReader(load_layout(LAYOUT))
    reader.read_page(grid)
    return reader


def test_odd_pages_become_problems() -> None:
    """Two sheets on one page, or a sheet without a name: a problem, no record."""
    _need(PDF_DIR)
    twice = _grid(PDFS[0])
    twice.tables = twice.tables + twice.tables
    reader = _read(twice)
    assert reader.projects() == []
    assert [p.code for p in reader.problems] == ["odd_page"] and "2 cells" in reader.problems[0].message
    nameless = _grid(PDFS[0])
    _cell(nameless, "^事務事業名$", 1).text = ""
    reader = _read(nameless)
    assert reader.projects() == [] and [p.code for p in reader.problems] == ["odd_page"]


def test_unreadable_values_are_reported_with_the_record() -> None:
    """A rating that is no rating, a direction outside the vocabulary and stray text: the
    record is kept and each oddity is a problem on its page."""
    _need(PDF_DIR)
    grid = _grid(PDFS[0])
    _cell(grid, "^事業の有効性$", 1).text = "よい"
    _cell(grid, "事業の方向性$", 1).text = "検討中"
    _cell(grid, "^地方債$", 1).text = "12,3X4"
    reader = _read(grid)
    (project,) = reader.projects()
    assert project.effectiveness is None and project.direction == "検討中"
    messages = [p.message for p in reader.problems]
    assert len(messages) == 3 and all(p.page == 1 for p in reader.problems), messages
    assert any("not a rating" in m for m in messages)
    assert any("none of" in m for m in messages)
    assert any("not an amount" in m for m in messages)


def test_text_in_no_field_is_reported() -> None:
    _need(PDF_DIR)
    grid = _grid(PDFS[0])
    _cell(grid, "^地方債$", 5).text = "書き込み"  # the blank cell under a 判断理由 label
    reader = _read(grid)
    assert len(reader.projects()) == 1
    assert [p.message for p in reader.problems] == ["text in no field: '書き込み'"]


def test_box_split_by_unprinted_rules_reads_whole() -> None:
    """A value box cut in two by a cell fill's edge (no printed rule) still reads as one text."""
    _need(PDF_DIR)
    pdf = next(p for p in PDFS if p.stem.endswith("154"))
    grid = _grid(pdf)
    whole = _read(grid).projects()[0].content
    box = _cell(grid, "^事業内容$", 1)
    table = next(t for t in grid.tables if box in t.cells)
    cut = (box.lines[1].bottom + box.lines[2].top) / 2
    parts = []
    for top, bottom in ((box.bbox.top, cut), (cut, box.bbox.bottom)):
        lines = [ln for ln in box.lines if top <= (ln.top + ln.bottom) / 2 < bottom]
        part = Cell(box.row, box.col, 1, 1, BBox(box.bbox.x0, top, box.bbox.x1, bottom), lines=lines)
        part.text = cell_text(lines, part.bbox, 1.5)
        parts.append(part)
    table.cells = [c for c in table.cells if c is not box] + parts
    reader = _read(grid)
    assert reader.projects()[0].content == whole
    assert reader.problems == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"fields": [{"name": "Nick Name", "label": "x", "description": "x", "labels": ["x"]}]},
            "lower-case ASCII",
        ),
        (
            {"fields": [{"name": "name", "label": "x", "description": "x", "labels": ["("]}]},
            r"unterminated|missing \)",
        ),
        ({"fields": [{"name": "name", "label": "x", "description": "x"}]}, "exactly one of"),
        ({"detect": {"all": []}}, "at least 1"),
        ({"colour": "red"}, "Extra inputs"),
    ],
)
def test_bad_layout_is_rejected(change: dict, message: str) -> None:
    import tomllib

    from extract.reading.layout import BUILTIN_DIR as LAYOUT_DIR

    data = tomllib.loads((LAYOUT_DIR / f"{LAYOUT}.toml").read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match=message):
        FormLayout.model_validate(data | change)


def test_mark_printed_inside_the_item_cell() -> None:
    """○ typed at the start of the item's own cell instead of in the cell left of it."""
    _need(PDF_DIR)
    grid = _grid(PDFS[0])
    before = _read(grid).projects()[0]
    for table in grid.tables:
        for cell in table.cells:
            if lenient(cell.text) == "○":
                item = next(c for c in table.cells if c.row == cell.row and c.col == cell.col + 1)
                cell.text, item.text = "", "○ " + item.text
    after = _read(grid)
    assert after.problems == []
    assert after.projects()[0].sdgs == before.sdgs and after.projects()[0].perspectives == before.perspectives


def test_is_form_page() -> None:
    _need(PDF_DIR)
    layout = load_layout(LAYOUT)
    assert is_form_page(layout, _grid(PDFS[0]))
    assert not is_form_page(layout, _grid(ROOT / "raw" / "koganei-fy2020.pdf"))


def _moved(grid: PageGrid, scale: float, dx: float, dy: float) -> PageGrid:
    """The same page printed larger and shifted: every glyph, rule and cell moved alike."""

    def box(b: BBox) -> BBox:
        return BBox(b.x0 * scale + dx, b.top * scale + dy, b.x1 * scale + dx, b.bottom * scale + dy)

    def line(ln: TextLine) -> TextLine:
        return TextLine(
            tuple(
                Char(
                    c.text,
                    c.x0 * scale + dx,
                    c.top * scale + dy,
                    c.x1 * scale + dx,
                    c.bottom * scale + dy,
                    c.size * scale,
                )
                for c in ln.chars
            )
        )

    tables = []
    for t in grid.tables:
        cells = [
            Cell(c.row, c.col, c.row_span, c.col_span, box(c.bbox), c.text, [line(ln) for ln in c.lines])
            for c in t.cells
        ]
        xs, ys = [x * scale + dx for x in t.xs], [y * scale + dy for y in t.ys]
        tables.append(Table(box(t.bbox), xs, ys, cells))
    free = [line(ln) for ln in grid.free_lines]
    return PageGrid(grid.page_no, grid.width * scale, grid.height * scale, tables, free)


@pytest.mark.parametrize(("scale", "dx", "dy"), [(1.41, 0, 0), (0.8, 30, -20)])
def test_reading_does_not_depend_on_where_the_form_is_printed(scale: float, dx: float, dy: float) -> None:
    _need(PDF_DIR)
    for pdf in PDFS[:4]:
        grid = _grid(pdf)
        expected = _read(grid).projects()[0].model_dump()
        moved = _read(_moved(grid, scale, dx, dy))
        assert moved.problems == []
        assert moved.projects()[0].model_dump() == expected


def test_sheet_without_its_cost_table_keeps_the_rest() -> None:
    _need(PDF_DIR)
    grid = _grid(PDFS[0])
    _cell(grid, "^区分$").text = ""
    reader = _read(grid)
    (project,) = reader.projects()
    assert project.costs is None and project.beneficiary_ratio is None and project.indicators
    assert "事業費等: table not found" in [p.message for p in reader.problems]
