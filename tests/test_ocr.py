"""Scanned reports: image-only pages read by Japanese OCR (extract/reading/read_ocr.py).

The scans are made here, at test time, from the shared text PDFs as a scanner makes them
(tests/scanned.py: 200 dpi gray, turned 1°, noise, JPEG), and compared with the text PDF's own
extraction (Koganei) or the gold (池田市). A few pages and sheets only: the whole scans are
measured by benchmarks/ocr.py. Tesseract and its Japanese model are required: without them
these tests fail (scripts/system-deps.sh installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE_PDF, SHARED, need_shared, run_hyoka
from ocrscore import score_ikeda, score_koganei
from scanned import scan_pdf

from extract.reading.pipeline import extract_pdf
from extract.reading.read_ocr import missing
from extract.settings import ExtractSettings

IKEDA = SHARED / "corpus" / "real" / "ikeda"
IKEDA_SHEETS = ("ikeda-r7-008", "ikeda-r7-154")


def test_tesseract_and_its_japanese_model_are_installed() -> None:
    assert missing() is None, "scripts/system-deps.sh installs tesseract-ocr and tesseract-ocr-jpn"
    assert shutil.which("pdftoppm"), "poppler-utils makes the scans"


@pytest.fixture(scope="module")
def koganei(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    """Pages 5–10 of the sample, scanned, and the same pages of the text PDF, both extracted."""
    tmp = tmp_path_factory.mktemp("ocr")
    text_pdf = tmp / "text.pdf"
    subprocess.run(
        ["qpdf", str(SAMPLE_PDF), "--pages", str(SAMPLE_PDF), "1-2,5-10", "--", str(text_pdf)], check=True
    )
    scan = scan_pdf(text_pdf, tmp / "scan.pdf")
    text = extract_pdf(text_pdf).model_dump(mode="json")
    return extract_pdf(scan).model_dump(mode="json"), text


def test_a_scanned_koganei_report_reads_as_its_text_pdf(koganei: tuple[dict, dict]) -> None:
    """Every row and comment of the scanned pages, ratings right, texts nearly equal."""
    scan, text = koganei
    score = score_koganei(scan, text)
    assert score.rows == score.rows_expected >= 10, score.summary()
    assert score.comments == score.comments_expected >= 1, score.summary()
    assert score.rating_accuracy >= 0.98, score.summary()
    assert score.exact_right >= 0.95 * score.exact, score.summary()
    assert score.text_similarity >= 0.95, (score.summary(), score.worst)
    covid = [e for e in scan["evaluations"] if e["outlook_covid"]]
    assert len(covid) == len([e for e in text["evaluations"] if e["outlook_covid"]]), "【感染症対応】 split"


def test_what_ocr_read_says_so(koganei: tuple[dict, dict]) -> None:
    """Each record from a scanned page carries the page's confidence, the report lists the pages
    read by OCR, and a doubtful line is a problem with its page and box; a text PDF has none."""
    scan, text = koganei
    assert [p["page"] for p in scan["ocr_pages"]] == list(range(1, 9))
    assert all(
        0 < p["confidence"] <= 100 and p["words"] > 0 and abs(p["skew"] - 1.0) < 0.2
        for p in scan["ocr_pages"]
    )
    assert all(e["ocr"] and e["ocr"] > 50 for e in scan["evaluations"] + scan["comments"])
    doubtful = [p for p in scan["problems"] if p["code"] == "ocr_doubtful"]
    assert doubtful and all(p["page"] and len(p["bbox"]) == 4 for p in doubtful)
    assert all(
        0 <= p["bbox"][0] < p["bbox"][2] <= 842 and 0 <= p["bbox"][1] < p["bbox"][3] <= 596 for p in doubtful
    )
    assert text["ocr_pages"] == [] and all(e["ocr"] is None for e in text["evaluations"])


def test_scanned_ikeda_sheets(tmp_path: Path) -> None:
    """Two 池田市 sheets scanned: name, department, the three ratings, the direction and
    every amount as the gold has them."""
    need_shared(IKEDA)
    results, golds = {}, {}
    for stem in IKEDA_SHEETS:
        scan = scan_pdf(IKEDA / f"{stem}.pdf", tmp_path / f"{stem}.pdf")
        results[stem] = extract_pdf(scan).model_dump(mode="json")
        golds[stem] = json.loads((SHARED / "gold" / "ikeda" / f"{stem}.json").read_text(encoding="utf-8"))
    score = score_ikeda(results, golds)
    assert score.keys_right == len(IKEDA_SHEETS), score.misses
    assert score.amounts_right >= 0.98 * score.amounts, (score.summary(), score.misses)
    assert all(r["projects"][0]["ocr"] for r in results.values())


def test_a_real_scan_that_is_no_evaluation_says_so_after_ocr() -> None:
    """A scanned 落札 list is read by OCR and found to be no evaluation report."""
    pdf = need_shared(SHARED / "corpus" / "real" / "otoineppu-rakusetsu-scan-r4.pdf")
    done = run_hyoka("extract", str(pdf))
    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: {pdf.name}: not an evaluation report: no page has the table"), (
        done.stderr
    )


def test_ocr_never_and_without_tesseract_is_one_line(tmp_path: Path) -> None:
    """--ocr never: today's line; Tesseract's model missing: that line and how to install it."""
    page = tmp_path / "page.pdf"
    subprocess.run(["qpdf", str(SAMPLE_PDF), "--pages", str(SAMPLE_PDF), "6", "--", str(page)], check=True)
    scan = scan_pdf(page, tmp_path / "scan.pdf")
    done = run_hyoka("extract", "--ocr", "never", str(scan))
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"Error: {scan.name}: cannot read any page: no text layer (scanned or outlined text; OCR would be needed)"
    )
    done = subprocess.run(
        [sys.executable, "-m", "extract", "extract", str(scan)],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "TESSDATA_PREFIX": "/nonexistent"},
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip().endswith(
        "OCR would be needed); Tesseract's Japanese model is not installed "
        "(apt-get install tesseract-ocr tesseract-ocr-jpn)"
    ), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_ocr_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="ocr: one of never, auto, always"):
        ExtractSettings(ocr="sometimes")  # type: ignore[arg-type]
