"""hyoka benchmark: medians and ratios against table-extraction baselines, on this machine, now.

Every measurement is a fresh process (imports included), repeated; the table shows the
median wall time, pages per second, peak memory (max RSS of the process) and the ratio to
pdfplumber's own `extract_tables()` on every page, the floor for a pdfplumber-based tool.

    python benchmarks/run.py                 # about three minutes on 2 cores
    python benchmarks/run.py --reps 3 --scale 1,4,16
    python benchmarks/run.py --corpus 10,1000        # a grown database instead: see corpus_scale.py

Camelot and PyMuPDF are optional: install them with `pip install -e '.[bench]'`; a missing
baseline is reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "raw" / "koganei-fy2020.pdf"
EXPECTED = ROOT / "tests" / "expected" / "koganei-fy2020.json"
PY = sys.executable

BASELINES = {
    "pdfplumber extract_tables()": (
        "import sys, pdfplumber\n"
        "with pdfplumber.open(sys.argv[1]) as pdf:\n"
        "    [p.extract_tables() for p in pdf.pages]"
    ),
    "camelot lattice": "import sys, camelot\ncamelot.read_pdf(sys.argv[1], pages='all', flavor='lattice')",
    "pymupdf find_tables()": (
        "import sys, pymupdf\ndoc = pymupdf.open(sys.argv[1])\n[p.find_tables().tables for p in doc]"
    ),
}


@dataclass
class Run:
    seconds: float
    peak_mib: float
    ok: bool


def run(cmd: list[str], cwd: Path = ROOT) -> Run:
    """Wall time and peak RSS of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(elapsed, usage.ru_maxrss / 1024, proc.returncode == 0)


def median_of(make_cmd, reps: int, before=None) -> tuple[float, float, bool]:
    runs = []
    for _ in range(reps):
        if before:
            before()
        runs.append(run(make_cmd()))
    return (
        statistics.median(r.seconds for r in runs),
        max(r.peak_mib for r in runs),
        all(r.ok for r in runs),
    )


def pages_of(pdf: Path) -> int:
    out = subprocess.run(
        [PY, "-c", "import sys,pdfplumber;print(len(pdfplumber.open(sys.argv[1]).pages))", str(pdf)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(out.stdout)


def render_copies(n: int, folder: Path) -> list[Path]:
    """n renderings of the sample's records, each another fiscal year (so each loads)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from render import Variant, render_report

    records = json.loads(EXPECTED.read_text(encoding="utf-8"))
    paths = []
    for i in range(n):
        year = 2020 + i
        records["report"].update(fiscal_year=year, fiscal_year_label=f"令和{year - 2018}年度")
        path = folder / f"copy-{i:03d}.pdf"
        if not path.exists():
            render_report(records, path, Variant())
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--scale", default="1,4,16,64")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--corpus", default=None, help="Only the corpus benchmark, at these sizes (e.g. 10,1000,10000)"
    )
    parser.add_argument("--corpus-keep", type=Path, default=None, help="Build the corpus there and keep it")
    parser.add_argument(
        "--extract-many", type=int, default=0, help="Only: extract N copies, locally and on Dask"
    )
    args = parser.parse_args()
    if args.extract_many:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import corpus_scale

        print(corpus_scale.extract_per_pdf(args.extract_many))
        return
    if args.corpus:
        run_corpus(args.corpus, args.out, args.corpus_keep)
        return
    args.out = args.out or ROOT / "build" / "benchmark.md"
    pages = pages_of(SAMPLE)
    work = Path(tempfile.mkdtemp(prefix="hyoka-bench-"))
    rows: list[tuple[str, float, float, float | None, str]] = []

    base_cmd = [PY, "-c", BASELINES["pdfplumber extract_tables()"], str(SAMPLE)]
    base, base_mem, _ = median_of(lambda: base_cmd, args.reps)
    rows.append(("pdfplumber extract_tables()", base, base_mem, pages / base, "baseline"))
    for name, code in list(BASELINES.items())[1:]:
        t, mem, ok = median_of(lambda code=code: [PY, "-c", code, str(SAMPLE)], max(1, args.reps // 2 + 1))
        rows.append((name, t, mem, pages / t, "" if ok else "not installed or failed"))
    out = work / "out.json"
    t, mem, ok = median_of(lambda: [PY, "-m", "extract", "extract", str(SAMPLE), "-o", str(out)], args.reps)
    rows.append(("hyoka extract", t, mem, pages / t, "" if ok else "FAILED"))

    db = work / "h.db"
    build = [PY, "-m", "extract", "build", "--silent", "--db", str(db), str(SAMPLE)]
    t, mem, ok = median_of(lambda: build, args.reps, before=lambda: db.unlink(missing_ok=True))
    rows.append(("hyoka build (from scratch)", t, mem, pages / t, "" if ok else "FAILED"))
    t, mem, ok = median_of(lambda: build, args.reps)
    rows.append(("hyoka build (rerun, nothing new)", t, mem, None, "" if ok else "FAILED"))

    scale_rows = []
    sizes = [int(n) for n in args.scale.split(",")]
    copies = render_copies(max(sizes), work)
    copy_pages = pages_of(copies[0])
    for n in sizes:
        for workers in (1, 2):
            db.unlink(missing_ok=True)
            cmd = [PY, "-m", "extract", "build", "--silent", "--workers", str(workers), "--db", str(db)]
            r = run(cmd + [str(p) for p in copies[:n]])
            scale_rows.append((n, workers, r.seconds, r.peak_mib, n * copy_pages / r.seconds, r.ok))

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; {time.strftime('%Y-%m-%d')}",
        f"Sample: {SAMPLE.name}, {pages} pages; medians of {args.reps} runs (Camelot/PyMuPDF: "
        f"{max(1, args.reps // 2 + 1)}); every run a fresh process.",
        "",
        "| what | median s | pages/s | peak MiB | × pdfplumber | note |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, t, mem, pps, note in rows:
        pps_text = f"{pps:.1f}" if pps else "—"
        lines.append(f"| {name} | {t:.2f} | {pps_text} | {mem:.0f} | {t / base:.2f} | {note} |")
    lines += [
        "",
        f"Scaling: `hyoka build` from scratch of N renderings of the report ({copy_pages} pages each, "
        "each another fiscal year), one run each.",
        "",
        "| N reports | workers | s | s / report | pages/s | peak MiB | speed-up vs 1 worker |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    single = {n: t for n, w, t, *_ in scale_rows if w == 1}
    for n, workers, t, mem, pps, ok in scale_rows:
        flag = "" if ok else " FAILED"
        lines.append(
            f"| {n} | {workers} | {t:.1f} | {t / n:.2f} | {pps:.1f} | {mem:.0f} | {single[n] / t:.2f}{flag} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)


def run_corpus(sizes: str, out: Path | None, keep: Path | None) -> None:
    """`--corpus N,...`: a database grown to N reports (benchmarks/corpus_scale.py)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import corpus_scale

    sizes_given = [int(n) for n in sizes.split(",")]
    corpus_scale.main(sizes_given, out or ROOT / "build" / "benchmark-corpus.md", keep)


if __name__ == "__main__":
    main()
