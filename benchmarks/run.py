"""hyoka benchmark: medians and ratios against table-extraction baselines, on this machine, now.

Every measurement is a fresh process (imports included), repeated; the table shows the
median wall time, pages per second, peak memory and the ratio to pdfplumber's own
`extract_tables()` on every page (each page closed after use, as hyoka does). A second table
compares equal work with the start-up paid once on both sides: N copies of the sample in one
`hyoka extract DIR -o OUT` against one Python process running `extract_tables()` over them.

Peak memory is the larger of the measured process's own high-water mark (VmHWM, written by
the process as it exits: ru_maxrss would include what a forked child inherits from this
script) and the largest sum of proportional resident memory (Pss) over its whole process tree,
sampled every 10 ms (hyoka reads each PDF in a forked child; `--workers N` runs N of them).

    python benchmarks/run.py                 # about five minutes on 2 cores
    python benchmarks/run.py --reps 3 --scale 1,4,16
    python benchmarks/run.py --copies 8 --no-scale   # 8 copies, without the --workers scaling table
    python benchmarks/run.py --corpus 10,1000        # a grown database instead: see corpus_scale.py
    python benchmarks/run.py --ocr                   # scanned reports: s/page and accuracy (ocr.py)

Camelot and PyMuPDF are optional: install them with `pip install -e '.[bench]'`; a missing
baseline is reported as such.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
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
        "    for page in pdf.pages:\n"
        "        page.extract_tables()\n"
        "        page.close()"
    ),
    "camelot lattice": "import sys, camelot\ncamelot.read_pdf(sys.argv[1], pages='all', flavor='lattice')",
    "pymupdf find_tables()": (
        "import sys, pymupdf\ndoc = pymupdf.open(sys.argv[1])\n[p.find_tables().tables for p in doc]"
    ),
}

# the same baseline over every PDF given, in one process: start-up paid once
MANY_PDFPLUMBER = (
    "import sys, pdfplumber\n"
    "for path in sys.argv[1:]:\n"
    "    with pdfplumber.open(path) as pdf:\n"
    "        for page in pdf.pages:\n"
    "            page.extract_tables()\n"
    "            page.close()"
)


# Runs a module (-m NAME) or code (-c CODE) and writes its own VmHWM (KiB) when it exits.
WRAPPER = """
import atexit, os, runpy, sys
def _peak():
    status = open("/proc/self/status").read()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    open(os.environ["HYOKA_BENCH_PEAK"], "w").write(kib)
atexit.register(_peak)
mode, target, *rest = sys.argv[1:]
if mode == "-m":
    sys.argv = [target, *rest]
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    sys.argv = ["-c", *rest]
    exec(compile(target, "<benchmark>", "exec"), {"__name__": "__main__"})
"""


@dataclass
class Run:
    seconds: float
    cpu: float  # user + system seconds of the whole process tree
    peak_mib: float
    ok: bool


def _tree(pid: int) -> list[int]:
    """The process and all its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return out


def _tree_memory(pid: int) -> int:
    """Bytes resident in the process tree, shared pages counted once (proportional set size:
    a forked child shares its parent's pages until it writes them)."""
    pids = _tree(pid)
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                pss = next(line for line in fh if line.startswith("Pss:"))
            total += int(pss.split()[1]) * 1024
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run(cmd: list[str], cwd: Path = ROOT) -> Run:
    """Wall time, CPU time and peak memory of one command (``[PY, "-m"|"-c", target, *args]``)."""
    with tempfile.NamedTemporaryFile(prefix="hyoka-peak-", delete=False) as fh:
        peak_file = Path(fh.name)
    env = {**os.environ, "HYOKA_BENCH_PEAK": str(peak_file)}
    argv = [cmd[0], "-c", WRAPPER, *cmd[1:]]
    peak, done = {"tree": 0}, threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def sample() -> None:
        while not done.wait(0.02):
            peak["tree"] = max(peak["tree"], _tree_memory(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = peak_file.read_text()
    peak_file.unlink()
    own = int(text) * 1024 if text else 0
    cpu = usage.ru_utime + usage.ru_stime
    return Run(elapsed, cpu, max(own, peak["tree"]) / 2**20, proc.returncode == 0)


@dataclass
class Stat:
    seconds: float  # median wall time
    cpu: float  # median CPU time (user + system, whole process tree)
    peak_mib: float  # largest peak of the runs
    ok: bool


# CPU seconds of each stage of `hyoka extract`, in one process, best of three
STAGES = """
import sys, time
from pathlib import Path
start = time.process_time()
import extract.cli, extract.reading.pipeline
from extract.reading.grid import build_grid
from extract.reading.read import read_pdf
from extract.settings import ExtractSettings
imports = time.process_time() - start
path = Path(sys.argv[1])
for reader in ("pdfium", "pdfplumber"):
    settings, read, grid = ExtractSettings(reader=reader), [], []
    for _ in range(3):
        t0 = time.process_time()
        pages = list(read_pdf(path, settings).iter_pages())
        t1 = time.process_time()
        [build_grid(p, settings) for p in pages]
        read.append(t1 - t0)
        grid.append(time.process_time() - t1)
    print(reader, min(read), min(grid))
from extract.reading.pipeline import extract_pdf
whole = []
for _ in range(3):
    t0 = time.process_time()
    extract_pdf(path, ExtractSettings()).model_dump_json(indent=1)
    whole.append(time.process_time() - t0)
print("extract", min(whole))
print("imports", imports)
"""


def stages() -> dict[str, tuple[float, ...]]:
    done = subprocess.run(
        [PY, "-c", STAGES, str(SAMPLE)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return {line.split()[0]: tuple(float(v) for v in line.split()[1:]) for line in done.stdout.splitlines()}


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


def per_pdf(copies: int, reps: int, work: Path) -> list[str]:
    """Equal work with start-up paid once on both sides: `hyoka extract DIR -o OUT` (one
    process) against one Python process running pdfplumber's `extract_tables()` over the same
    files; and the same with one file, so that the cost of each further PDF shows apart from
    the start-up. Rounds in turns; the ratios are medians of per-round ratios."""
    folders = {}
    for n in (1, copies):
        folder = work / f"copies-{n}"
        folder.mkdir()
        for i in range(n):
            shutil.copyfile(SAMPLE, folder / f"copy-{i:02d}.pdf")
        folders[n] = folder
    runs: dict[tuple[str, int], list[Run]] = {}
    for round_no in range(reps):
        for n, folder in folders.items():
            out = work / f"out-{n}-{round_no}"
            hyoka = [PY, "-m", "extract", "extract", str(folder), "-o", str(out)]
            runs.setdefault(("hyoka", n), []).append(run(hyoka))
            files = [str(p) for p in sorted(folder.glob("*.pdf"))]
            runs.setdefault(("pdfplumber", n), []).append(run([PY, "-c", MANY_PDFPLUMBER, *files]))

    def median(who: str, n: int, cpu: bool = False) -> float:
        return statistics.median(r.cpu if cpu else r.seconds for r in runs[(who, n)])

    def ratio(n: int, cpu: bool) -> float:
        pairs = zip(runs[("hyoka", n)], runs[("pdfplumber", n)], strict=True)
        return statistics.median((h.cpu / b.cpu) if cpu else (h.seconds / b.seconds) for h, b in pairs)

    def each(who: str, cpu: bool = False) -> float:  # the cost of each PDF after the first
        return (median(who, copies, cpu) - median(who, 1, cpu)) / (copies - 1)

    ok = all(r.ok for rs in runs.values() for r in rs)
    lines = [
        f"Per PDF, start-up paid once: {copies} copies of the sample in a folder, `hyoka extract DIR -o OUT` "
        f"against one Python process running pdfplumber `extract_tables()` over the same files "
        f"(pages closed after use); medians of {reps} rounds, in turns{'' if ok else ' (a run FAILED)'}.",
        "",
        "| what | hyoka s | pdfplumber s | × pdfplumber (wall) | × pdfplumber (CPU) |",
        "|---|---:|---:|---:|---:|",
    ]
    for n in (1, copies):
        lines.append(
            f"| {n} PDF{'s' if n > 1 else ''}, one process | {median('hyoka', n):.2f} | "
            f"{median('pdfplumber', n):.2f} | {ratio(n, False):.2f} | {ratio(n, True):.2f} |"
        )
    lines.append(
        f"| each further PDF: (N PDFs − 1 PDF) / (N − 1) | {each('hyoka'):.3f} | {each('pdfplumber'):.3f} "
        f"| {each('hyoka') / each('pdfplumber'):.2f} | {each('hyoka', True) / each('pdfplumber', True):.2f} |"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--scale", default="1,4,16,64")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--copies", type=int, default=10, help="PDFs in the per-PDF comparison")
    parser.add_argument("--no-scale", action="store_true", help="Leave out the --workers scaling table")
    parser.add_argument(
        "--corpus", default=None, help="Only the corpus benchmark, at these sizes (e.g. 10,1000,10000)"
    )
    parser.add_argument("--corpus-keep", type=Path, default=None, help="Build the corpus there and keep it")
    parser.add_argument(
        "--extract-many", type=int, default=0, help="Only: extract N copies, locally and on Dask"
    )
    parser.add_argument("--ocr", action="store_true", help="Only: scanned reports (benchmarks/ocr.py)")
    args = parser.parse_args()
    if args.ocr:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import ocr

        print(ocr.run(args.out))
        return
    if args.extract_many:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import corpus_scale

        print(corpus_scale.extract_per_pdf(args.extract_many))
        return
    if args.corpus:
        run_corpus(args.corpus, args.out, args.corpus_keep)
        return
    args.out = args.out or ROOT / "build" / "benchmark.md"
    # hyoka's modules byte-compiled, as pip compiles an installed package (and the baselines'):
    # under PYTHONDONTWRITEBYTECODE a source checkout would otherwise compile them on every run
    for package in ("extract", "schemas"):
        compileall.compile_dir(ROOT / package, quiet=1)
    pages = pages_of(SAMPLE)
    work = Path(tempfile.mkdtemp(prefix="hyoka-bench-"))
    load = os.getloadavg()[0]
    few = max(1, args.reps // 2 + 1)
    out, db = work / "out.json", work / "h.db"
    extract = [PY, "-m", "extract", "extract", str(SAMPLE), "-o", str(out), "--reader"]
    build = [PY, "-m", "extract", "build", "--silent", "--db", str(db), str(SAMPLE)]
    # (name, command, before each run, runs, per page, note); run in turns, one of each per
    # round, so a change in the machine's load falls on every row alike
    specs = [
        ("pdfplumber extract_tables()", [PY, "-c", BASELINES["pdfplumber extract_tables()"], str(SAMPLE)],
         None, args.reps, True, "baseline"),
        *((name, [PY, "-c", code, str(SAMPLE)], None, few, True, "") for name, code in list(BASELINES.items())[1:]),
        ("hyoka extract --reader pdfium", [*extract, "pdfium"], None, args.reps, True, "default"),
        ("hyoka extract --reader pdfplumber", [*extract, "pdfplumber"], None, args.reps, True, "the cross-check"),
        ("hyoka build (from scratch)", build, lambda: db.unlink(missing_ok=True), args.reps, True, ""),
        ("hyoka build (rerun, nothing new)", build, None, args.reps, False, ""),
    ]  # fmt: skip
    runs: dict[str, list[Run]] = {spec[0]: [] for spec in specs}
    for round_no in range(args.reps):
        for name, cmd, before, times, _, _ in specs:
            if round_no < times:
                if before:
                    before()
                runs[name].append(run(cmd))
    rows: list[tuple[str, Stat, bool, str]] = []
    for name, _, _, _, per_page, note in specs:
        rs = runs[name]
        stat = Stat(
            statistics.median(r.seconds for r in rs),
            statistics.median(r.cpu for r in rs),
            max(r.peak_mib for r in rs),
            all(r.ok for r in rs),
        )
        rows.append((name, stat, per_page, note if stat.ok else (note + " FAILED").strip()))
    base = rows[0][1]
    paired = [
        (h.seconds / b.seconds, h.cpu / b.cpu)
        for h, b in zip(
            runs["hyoka extract --reader pdfium"], runs["pdfplumber extract_tables()"], strict=True
        )
    ]

    many = per_pdf(args.copies, args.reps, work)
    scale_rows = []
    sizes = [] if args.no_scale else [int(n) for n in args.scale.split(",")]
    copies = render_copies(max(sizes), work) if sizes else []
    copy_pages = pages_of(copies[0]) if copies else 0
    for n in sizes:
        for workers in (1, 2):
            db.unlink(missing_ok=True)
            cmd = [PY, "-m", "extract", "build", "--silent", "--workers", str(workers), "--db", str(db)]
            r = run(cmd + [str(p) for p in copies[:n]])
            scale_rows.append((n, workers, r.seconds, r.peak_mib, n * copy_pages / r.seconds, r.ok))

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; {time.strftime('%Y-%m-%d')}; load average "
        f"{load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end",
        f"Sample: {SAMPLE.name}, {pages} pages; medians of {args.reps} runs (Camelot/PyMuPDF: "
        f"{few}), taken in turns; every run a fresh process.",
        "",
        "| what | median s | CPU s | pages/s | peak MiB | × pdfplumber (wall) | × pdfplumber (CPU) | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, st, per_page, note in rows:
        if not st.ok:  # a time to fail is no measure: e.g. Camelot not installed (make bench installs it)
            lines.append(f"| {name} | — | — | — | — | — | — | {note} |")
            continue
        pps = f"{pages / st.seconds:.1f}" if per_page else "—"
        lines.append(
            f"| {name} | {st.seconds:.2f} | {st.cpu:.2f} | {pps} | {st.peak_mib:.0f} | "
            f"{st.seconds / base.seconds:.2f} | {st.cpu / base.cpu:.2f} | {note} |"
        )
    cost = stages()
    lines += [
        "",
        f"Median of the {args.reps} ratios `hyoka extract` (pdfium) / pdfplumber `extract_tables()`, "
        f"each from one round: {statistics.median(p[0] for p in paired):.2f} by wall time, "
        f"{statistics.median(p[1] for p in paired):.2f} by CPU time.",
        "",
        f"Where `hyoka extract` spends CPU (seconds, one process, best of 3): interpreter and imports "
        f"{cost['imports'][0]:.2f}; reading the sample with pdfium {cost['pdfium'][0]:.2f}, with "
        f"pdfplumber {cost['pdfplumber'][0]:.2f}; grid and cell text {cost['pdfium'][1]:.2f}; "
        f"the whole extraction of the sample after imports (default reader) {cost['extract'][0]:.2f}.",
        "",
        *many,
    ]
    if scale_rows:
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
