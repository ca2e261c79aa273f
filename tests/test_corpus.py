"""Every real PDF of ../shared/corpus/real: each file's real outcome, not only "no crash".

Those files are other publishers' data and stay outside the project. The folder exists in
CI; in a user's clone without it these tests skip, except under CI=true, where they fail.
Each file has its outcome in a table below: the exact one-line reason it is rejected with, or
a place in ACCEPTED, where it must give rows that look like a real report.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import SHARED, need_shared, run_hyoka

REAL = SHARED / "corpus" / "real"
PDFS = sorted(REAL.rglob("*.pdf")) if REAL.is_dir() else []

NO_TABLE = (
    "not an evaluation report: no page has the table of a known layout "
    "(jimujigyo-sheet, kobe-jimujigyo, koganei-welfare, school-evaluation-sheet, yokohama-jigyo)"
)
NO_TEXT = "cannot read any page: no text layer (scanned or outlined text; OCR would be needed)"
NOT_JAPANESE = "cannot read any page: no Japanese text on the page"
CHINESE = "no Japanese text (no kana on any page: Chinese or another language)"


def unknown_form(page: int, signs: str) -> str:
    """An evaluation document of a form no shipped layout reads: what was seen, and the next step."""
    return (
        f"page {page} looks like an evaluation sheet ({signs}) but no layout matches it (layouts: "
        "jimujigyo-sheet, kobe-jimujigyo, koganei-welfare, school-evaluation-sheet, yokohama-jigyo): start one with "
        "hyoka layout draft PDF -o layouts/NAME.toml (next to raw/), then hyoka layout check NAME PDF"
    )


GRID = "a grid of label cells beside their values"

# Rejected, with the line after "Error: <file>: ". The lists, budgets, minutes and plans are
# no evaluation report and say that no page has a layout's table; an evaluation sheet of a
# form no layout reads says what it saw.
REJECTED = {
    "cn-landuse-table-pdfplumber.pdf": CHINESE,
    "fuji-yosansho-r6-p21-30.pdf": NO_TABLE,
    "fuji-yosansho-r8-sainyu-shizei.pdf": NO_TABLE,
    "fuji-yosansho-r8-saishutsu-gikaihi.pdf": NO_TABLE,
    # a day-service's published self-evaluation (事業所評価): a form of its own
    "houkago-day-yuu-jigyosho-hyoka-r7.pdf": unknown_form(
        3, f"the title 「事業所における自己評価結果」; {GRID}"
    ),
    "kanpo-pdfminer-sample.pdf": NO_TABLE,
    "mhlw-kinkyuhinin-list-hokkaido.pdf": NO_TABLE,
    "mhlw-kinkyuhinin-list-osaka.pdf": NO_TABLE,
    "mhlw-kinkyuhinin-list-tokyo.pdf": NO_TABLE,
    "mhlw-tsuchi-kinkyuhinin.pdf": NO_TABLE,
    "nlp2004slides-ja.pdf": NO_TABLE,
    "otoineppu-bousai-jishin-2020.pdf": NO_TABLE,
    "otoineppu-corona-hinan-flyer.pdf": NO_TABLE,
    "otoineppu-hinan-point-outlined-r3.pdf": NO_TABLE,  # outlined text in a form XObject: read by OCR
    "otoineppu-kansui-keieisenryaku-2018.pdf": NO_TABLE,
    "otoineppu-koudoukeikaku-tenkenhyo.pdf": NO_TABLE,
    "otoineppu-kouhou-2020-11-p6-kpi.pdf": NO_TABLE,
    "otoineppu-koukyoukouji-r7.pdf": NO_TABLE,
    "otoineppu-kyoka-ichiran-r7.pdf": NO_TABLE,
    "otoineppu-kyuyo-teiin-r7.pdf": NO_TABLE,
    "otoineppu-rakusetsu-scan-r4.pdf": NO_TABLE,  # a scanned 落札 list: read by OCR, no evaluation table
    "otoineppu-sogosenryaku-2015.pdf": NO_TABLE,
    "soumu-furusato-koujo-r1.pdf": NO_TABLE,
    "soumu-futsukoufuzei-taikou-r4.pdf": NO_TABLE,
    "us-ca-warn-report-pdfplumber.pdf": NOT_JAPANESE,
    "wakayama-kogyo-kyoikukatei-kenchiku.pdf": NO_TABLE,
    "wakayama-kogyo-unei-kyogikai-r6-2.pdf": NO_TABLE,
    "yaizu-opendata-kiyaku.pdf": NO_TABLE,
}
# The real evaluation reports, with the layout each must be read with and its rows.
ACCEPTED = {
    **{f"ikeda/ikeda-r7-{n}.pdf": ("jimujigyo-sheet", 1) for n in
       ("008", "060", "092", "127", "132", "154", "158", "280", "295", "315", "369", "400")},
    "wakayama-kogyo-gakkohyoka-h22.pdf": ("school-evaluation-sheet", 4),
    "wakayama-kogyo-gakkohyoka-h27.pdf": ("school-evaluation-sheet", 4),
    "wakayama-kogyo-gakkohyoka-r2.pdf": ("school-evaluation-sheet", 3),
    "wakayama-kogyo-gakkohyoka-r4.pdf": ("school-evaluation-sheet", 12),
    # sheets over several pages (issue 23); 003's 別紙 page is read as its sheet's appendix
    **{f"kobe/kobe-r25-{n}.pdf": ("kobe-jimujigyo", 1) for n in ("001", "003", "008", "011", "014")},
    "kobe/kobe-r25-007.pdf": ("kobe-jimujigyo", 2),
    **{f"yokohama/yokohama-r7-{n}.pdf": ("yokohama-jigyo", 1) for n in ("002", "004", "007", "013", "017")},
}  # fmt: skip


def _name(pdf: Path) -> str:
    return pdf.relative_to(REAL).as_posix()


def test_corpus_is_present_and_every_file_has_an_outcome() -> None:
    need_shared(REAL)
    names = {_name(p) for p in PDFS}
    tables = set(REJECTED) | set(ACCEPTED)
    assert len(tables) == len(REJECTED) + len(ACCEPTED), "a file in two tables"
    assert names == tables, f"without an outcome: {names - tables}; gone: {tables - names}"
    assert len(names) >= 40


@pytest.mark.parametrize("pdf", PDFS, ids=[_name(p) for p in PDFS])
def test_real_pdf(pdf: Path, tmp_path: Path) -> None:
    name = _name(pdf)
    out = tmp_path / "out.json"
    done = run_hyoka("extract", str(pdf), "-o", str(out), timeout=120)
    assert "Traceback" not in done.stderr
    if name in ACCEPTED:
        assert done.returncode == 0, done.stderr
        _looks_like_a_report(json.loads(out.read_text(encoding="utf-8")), *ACCEPTED[name])
        return
    reason = REJECTED[name]
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.splitlines() == [f"Error: {pdf.name}: {reason}"]
    assert not out.exists()


def _looks_like_a_report(report: dict, layout: str, rows: int, problems: list | None = None) -> None:
    """Accepted must mean a real report read with its layout, with no problem left over (but
    the page-level ones listed: a page of the PDF that is not a sheet, named by its page).
    A form without a number or a rating (神戸市 rates by options, 横浜市 not at all) is checked
    for what it has."""
    assert report["layout"]["name"] == layout
    records = report["evaluations"] + report["projects"]
    assert len(records) == rows
    assert [(p["code"], p["page"]) for p in report["problems"]] == (problems or [])
    roles = {f["role"]: f["name"] for f in report["layout"]["fields"]}
    for row in records:
        assert row[roles["title"]]
        if "number" in roles:
            assert row[roles["number"]] is not None
        if "rating" in roles:
            assert row[roles["rating"]] in {"A", "B", "C", "D"}


NEEDS = Path(__file__).with_name("shared_needs.txt")
_NAMED = re.compile(r'"([A-Za-z0-9_./-]+\.(?:pdf|json))"')
_BASES = ("corpus/real", "corpus", "gold/real", "gold")  # where a test's bare file name points


def test_shared_check_names_every_file_a_test_reads() -> None:
    """`make shared-check` (tests/shared_needs.txt) names every ../shared file a test reads, so a
    missing one is said before pytest runs and stops a CI run, where it must not skip."""
    listed = [
        ln.strip() for ln in NEEDS.read_text(encoding="utf-8").splitlines() if ln.strip() and ln[0] != "#"
    ]
    for path in listed:
        need_shared(SHARED / path)
    named = {
        m for test in Path(__file__).parent.glob("*.py") for m in _NAMED.findall(test.read_text("utf-8"))
    }
    found = {f"{base}/{name}" for name in named for base in _BASES if (SHARED / base / name).is_file()}
    assert found, "the tests name files of ../shared"
    uncovered = sorted(p for p in found if not any(p == n or p.startswith(n + "/") for n in listed))
    assert uncovered == [], f"add to {NEEDS.name}: {uncovered}"
