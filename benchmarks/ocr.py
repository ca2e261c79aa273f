"""Scanned reports: seconds per scanned page and accuracy against the text PDF and the gold.

The scans are made as tests/scanned.py makes them (a scanner's 200 dpi gray page, turned 1°,
noise, JPEG artefacts, an image-only PDF) from the Koganei sample (24 pages) and the twelve
池田市 sheets of ../shared, in a temporary folder (nothing of ../shared is kept). Each is
extracted in this one process (one core: read and OCR here, no reading processes), its CPU
time divided by its pages; then scored by tests/ocrscore.py:

- Koganei: rows and comments found, ratings right, numbers right (sheet, goal, 施策, 事業
  numbers, 新規), and the text fields' character similarity (NFKC, whitespace removed,
  difflib ratio, over all fields) to `hyoka extract` of the text PDF itself;
- 池田市: sheets whose name, department, three ratings and direction are right, amounts right
  (gold: ../shared/gold/ikeda), scanned twice: as tests/scanned.py does by default, and turned
  the other way with other noise (scans the code was not tuned on).

    python benchmarks/run.py --ocr          # about 5 minutes on one core
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "tests"))

from ocrscore import score_ikeda, score_koganei  # noqa: E402
from scanned import scan_pdf  # noqa: E402

from extract.reading.pipeline import extract_pdf  # noqa: E402
from extract.settings import ExtractSettings  # noqa: E402


def _timed(pdf: Path) -> tuple[dict, float, float, int]:
    """The report of ``pdf`` read in this process: (report, CPU seconds, wall seconds, pages)."""
    cpu, wall = time.process_time(), time.perf_counter()
    report = extract_pdf(pdf, ExtractSettings()).model_dump(mode="json")
    return report, time.process_time() - cpu, time.perf_counter() - wall, report["report"]["source"]["pages"]


def run(out: Path | None = None) -> str:
    koganei = SHARED / "corpus" / "koganei-fy2020.pdf"
    ikeda = sorted((SHARED / "corpus" / "real" / "ikeda").glob("*.pdf"))
    lines = ["| scan | pages | CPU s/page | wall s/page | accuracy |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        text = extract_pdf(koganei).model_dump(mode="json")
        report, cpu, wall, pages = _timed(scan_pdf(koganei, Path(tmp) / koganei.name))
        score = score_koganei(report, text)
        lines.append(
            f"| Koganei, 200 dpi, 1° skew | {pages} | {cpu / pages:.2f} | {wall / pages:.2f} | {score.summary()} |"
        )
        misses = []
        for label, skew in (("1° skew", {}), ("−0.7° skew, other noise", {"angle": -0.7, "seed": 5})):
            results, golds, cpu_all, wall_all, pages_all = {}, {}, 0.0, 0.0, 0
            for pdf in ikeda:
                report, cpu, wall, pages = _timed(scan_pdf(pdf, Path(tmp) / pdf.name, **skew))
                results[pdf.stem] = report
                golds[pdf.stem] = json.loads(
                    (SHARED / "gold" / "ikeda" / f"{pdf.stem}.json").read_text("utf-8")
                )
                cpu_all, wall_all, pages_all = cpu_all + cpu, wall_all + wall, pages_all + pages
            ik = score_ikeda(results, golds)
            misses += [f"{label}: {m}" for m in ik.misses]
            lines.append(
                f"| 池田市 sheets ×{len(ikeda)}, 200 dpi, {label} | {pages_all} | {cpu_all / pages_all:.2f} "
                f"| {wall_all / pages_all:.2f} | {ik.summary()} |"
            )
    text_out = "\n".join(lines)
    details = "\n".join(f"- {r:.3f} {where}: {got!r} / {want!r}" for r, where, got, want in score.worst)
    text_out += (
        "\n\nKoganei, least similar fields:\n"
        + details
        + "\n\n池田市 misses:\n"
        + "\n".join(f"- {m}" for m in misses)
    )
    if out:
        out.write_text(text_out + "\n", encoding="utf-8")
    return text_out


if __name__ == "__main__":
    print(run())
