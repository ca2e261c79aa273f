"""hyoka at corpus scale: a database grown to N reports, timed from the command line and the site.

The sample is extracted once; copy k is its report under municipality k // 2, fiscal year
2020 + k % 2 (the second year with tests/nextyear.py's changes), so half the series have two
years to link. Copies are loaded with `hyoka build --from-json`; the database grows from one
size to the next. For each size: the build that grew it, adding one real PDF (median of 3, on
copies of the database) and the same build again (nothing new), with each command's peak
memory; the database as a user's holds it (its file and WAL, free pages included, and the
commit and shape that made it); and the site: `hyoka serve` is started on a loopback port and
each page is fetched once to warm up, then 3 times (median), and the server's peak memory.

    python benchmarks/run.py --corpus 10,1000          # about 2 minutes on 2 cores
    python benchmarks/run.py --corpus 10,1000,10000    # about 9 minutes, 8 GB of free disk
    python benchmarks/run.py --extract-many 8          # s per PDF: 1 and 2 processes, Dask
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "raw" / "koganei-fy2020.pdf"
PY = sys.executable
PARAMS = {"title": "防災", "from_year": "2020", "to_year": "2021"}  # of the canned queries
SEARCHES = ("防災", "事業", "支援の充実")  # a rare word, a word of half the rows, a phrase


def hyoka(*args: str) -> float:
    """Wall time of one `hyoka` command; it must succeed."""
    return hyoka_run(*args).seconds


def hyoka_run(*args: str):
    """Wall time and peak memory of one `hyoka` command (run.py's measure); it must succeed."""
    from run import run

    done = run([PY, "-m", "extract", *args])
    if not done.ok:
        raise RuntimeError(f"hyoka {' '.join(args)} failed")
    return done


def write_copies(sample: dict, folder: Path, start: int, stop: int) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    import corpus

    shutil.rmtree(folder, ignore_errors=True)
    for k in range(start, stop):
        corpus.write(corpus.variant(sample, k // 2, 2020 + k % 2), folder)


def add_one_pdf(db: Path, work: Path, reps: int = 3) -> dict[str, float]:
    """Median wall time of `hyoka build` with one new PDF, each time on a copy of the database
    (copied before the clock starts), and of the same build again (nothing new); the larger
    peak memory of each. The PDF is copied beside the corpus first: read from the checkout's
    raw/, it would bring raw/identity.toml, which the corpus was not linked with, and every
    series would be linked again (a change of overrides does that; measured: 35 s instead of 1
    at 1,000 reports)."""
    pdf = work / "pdf" / SAMPLE.name
    pdf.parent.mkdir(exist_ok=True)
    shutil.copyfile(SAMPLE, pdf)
    adds, reruns = [], []
    for _ in range(reps):
        copy = work / "add.db"
        shutil.copyfile(db, copy)
        command = ("build", "--silent", "--db", str(copy), str(pdf))
        adds.append(hyoka_run(*command))
        reruns.append(hyoka_run(*command))
        for path in (copy, work / "add.db-wal", work / "add.db-shm"):
            path.unlink(missing_ok=True)
    return {
        "add one PDF (s)": statistics.median(r.seconds for r in adds),
        "add one PDF: peak memory (MiB)": max(r.peak_mib for r in adds),
        "no-op rerun: that build again (s)": statistics.median(r.seconds for r in reruns),
        "no-op rerun: peak memory (MiB)": max(r.peak_mib for r in reruns),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        body = response.read()
    return time.perf_counter() - start, body


def timed(url: str, reps: int = 3) -> float | str:
    """Median seconds, or what the server answered instead (e.g. over its 3 s query limit)."""
    try:
        fetch(url)  # warm up: the first visit opens connections and reads the schema
        return statistics.median(fetch(url)[0] for _ in range(reps))
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code} (over the time limit)" if exc.code == 400 else f"HTTP {exc.code}"


def peak_mib(pid: int) -> float:
    """A live process's own peak resident memory (VmHWM), MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


def site_times(db: Path) -> dict[str, float | str]:
    """Times of the flat page with its facets, a search and each canned query on a live server,
    and the server's peak memory after them."""
    port = free_port()
    server = subprocess.Popen(
        [PY, "-m", "extract", "serve", "--db", str(db), "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/{db.stem}"
    try:
        _wait_for(base + ".json")
        out: dict[str, float | str] = {}
        page = json.loads(fetch(base + "/evaluation_rows.json")[1])
        out["facets timed out"] = ", ".join(page.get("facets_timed_out") or []) or "none"
        out["flat page + facets"] = timed(base + "/evaluation_rows")
        for word in SEARCHES:
            url = base + "/evaluation_rows?" + urllib.parse.urlencode({"_search": word})
            found = json.loads(fetch(url.replace("/evaluation_rows?", "/evaluation_rows.json?"))[1])
            out[f"search {word}: rows, facets timed out"] = (
                f"{found['filtered_table_rows_count']:,}, {', '.join(found.get('facets_timed_out') or []) or 'none'}"
            )
            out[f"search {word}"] = timed(url)
        for name in sorted(q["name"] for q in json.loads(fetch(base + ".json")[1])["queries"]):
            out[f"query {name}"] = timed(f"{base}/{name}?" + urllib.parse.urlencode(PARAMS))
        for facet in FACET_PAGES:
            out[f"page {facet}"] = timed(base + facet)
        out["hyoka serve: peak memory (MiB)"] = peak_mib(server.pid)
        return out
    finally:
        server.terminate()
        server.wait()


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            fetch(url)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def measure(sizes: list[int], keep: Path | None = None) -> tuple[list[dict[str, float | str]], str]:
    """A column of measures per size, and the index variants at the largest size up to 1,000
    (each takes a while). ``keep``: work there and leave the database (corpus.db)."""
    work = keep or Path(tempfile.mkdtemp(prefix="hyoka-corpus-"))
    work.mkdir(parents=True, exist_ok=True)
    db, sample_json = work / "corpus.db", work / "sample.json"
    hyoka("extract", str(SAMPLE), "-o", str(sample_json))
    sample = json.loads(sample_json.read_text(encoding="utf-8"))
    columns, loaded, variants = [], 0, ""
    try:
        for n in sorted(sizes):
            write_copies(sample, work / "json", loaded, n)
            grow = hyoka_run("build", "--silent", "--from-json", str(work / "json"), "--db", str(db))
            loaded = n
            rows, held = database_held(db)
            column: dict[str, float | str] = {
                "reports": n, "evaluation rows": rows, "build from JSON (s, this step)": grow.seconds,
                "build from JSON: peak memory (MiB)": grow.peak_mib,
            }  # fmt: skip
            column.update(add_one_pdf(db, work))
            column["add one PDF: × its cost at the smallest size"] = (
                column["add one PDF (s)"] / columns[0]["add one PDF (s)"] if columns else 1.0
            )
            column.update(held)
            column.update(bytes_by_part(db, rows))
            column.update(site_times(db))
            columns.append(column)
            if n <= 1000:
                variants = f"At {n:,} reports:\n\n" + index_variants(db)
            print(f"So far (up to {n:,} reports):\n{table(columns)}\n", file=sys.stderr, flush=True)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return columns, variants


# Facet pages of every layout's view, as a reader opens them (the flat view's is timed above)
FACET_PAGES = ("/rows_koganei_welfare", "/remarks_koganei_welfare")


def database_held(db: Path) -> tuple[int, dict[str, float | str]]:
    """Evaluation rows, and the database as its user's disk holds it: the file and its WAL (a
    build's commit may wait there for a checkpoint), free pages included, and the commit and
    shape that made it. (The corpus issue's closing note quoted this benchmark's first run,
    made on shape 5, where each row's texts were held three times: 6,408 bytes a row; the
    database its final code built held 1,923. The table now says which code it measured.)"""
    files = [db, db.with_name(db.name + "-wal")]
    size = sum(f.stat().st_size for f in files if f.exists())
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        rows = conn.execute("select count(*) from evaluations").fetchone()[0]
        free = (
            conn.execute("pragma freelist_count").fetchone()[0]
            * conn.execute("pragma page_size").fetchone()[0]
        )
        shape = conn.execute("select value from build_info where name = 'shape_version'").fetchone()[0]
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return rows, {
        "database MiB (file and WAL)": size / 2**20, "… of it free pages (MiB)": free / 2**20,
        "bytes per evaluation row": size / rows, "made by (commit, shape)": f"{commit}, {shape}",
    }  # fmt: skip


PARTS = {  # where a row's bytes go: table and index names (dbstat) by their first word
    "evaluations": ("evaluations",),
    "its indexes (facets, keys, layout order)": ("idx_evaluations_",),
    "its search index": ("evaluation_rows_fts",),
    "remarks and their index": ("remarks", "idx_remarks_"),
    "history (links across years, rating changes)": (
        "evaluation_links", "item_links", "rating_change_pairs", "idx_item_links_",
        "idx_rating_change_pairs_",
    ),
    "items, sheets": ("items", "sheets", "idx_items_", "idx_sheets_"),
}  # fmt: skip


def bytes_by_part(db: Path, rows: int) -> dict[str, float]:
    """Bytes per evaluation row of each part of the database (SQLite's dbstat), the rest together."""
    with closing(sqlite3.connect(db)) as conn:
        sizes = conn.execute("select name, sum(pgsize) from dbstat group by name").fetchall()
    out = dict.fromkeys((f"… {part}" for part in PARTS), 0.0) | {"… the rest": 0.0}
    for name, size in sizes:
        part = next((p for p, prefixes in PARTS.items() if name.startswith(prefixes)), "the rest")
        out[f"… {part}"] += size / rows
    return out


WORDS = (
    "地域福祉",
    "事業",
    "支援の充実",
)  # counted with each index: a phrase, or its tokens anywhere then checked


def _bigram_terms(*texts: str | None) -> str:
    """The tokens of hyoka's index before shape 6, for comparison: each run of letters as its
    overlapping bigrams, and its last letter alone only where a query needs it (a one-letter
    query is a prefix query: when no bigram of the row starts with it; and between two runs,
    when the next is one letter or starts with that letter)."""
    from extract.database.search import _runs

    runs = [run for text in texts for run in _runs(text or "")]
    starts = {run[i] for run in runs for i in range(len(run) - 1)}
    tokens: list[str] = []
    for k, run in enumerate(runs):
        tokens += [run[i : i + 2] for i in range(len(run) - 1)]
        last, after = run[-1], runs[k + 1] if k + 1 < len(runs) else ""
        if last not in starts or len(after) == 1 or after[:1] == last:
            tokens.append(last)
    return " ".join(tokens)


def _bigram_query(word: str) -> str:
    """A word as a phrase of the bigram index's tokens (the query of shape 5)."""
    return '"' + " ".join(word[i : i + 2] for i in range(len(word) - 1)) + '"'


def _anywhere(word: str, tokens: str) -> str:
    """The word's tokens anywhere in the row (an index without positions cannot ask more)."""
    parts = word if tokens == "letters" else [word[i : i + 2] for i in range(len(word) - 1)]
    return " ".join(f'"{part}"' for part in parts)


def index_variants(db: Path) -> str:
    """Bytes per row of the rows' search index as hyoka keeps it (a token per letter, with
    positions), as shape 5 kept it (overlapping bigrams), and without positions (FTS5
    detail=column and none), and the time to count the rows holding each of WORDS: by phrase
    with positions; without, the rows holding its tokens anywhere, each then checked against
    its own text (so results stay exact)."""
    sys.path.insert(0, str(ROOT))
    from extract.database.load import FTS
    from extract.database.schema import FTS_OPTIONS
    from extract.database.search import index_terms, match_query

    variants = [  # tokens, how the row's are made, detail, the word's query, phrases
        ("letters", index_terms, "full", match_query, "yes (hyoka's)"),
        ("bigrams", _bigram_terms, "full", _bigram_query, "yes (shape 5)"),
        (
            "letters",
            index_terms,
            "column",
            partial(_anywhere, tokens="letters"),
            "no: each row found checked",
        ),
        ("letters", index_terms, "none", partial(_anywhere, tokens="letters"), "no: each row found checked"),
    ]
    sql, _ = FTS["evaluation_rows_fts"]
    src = sqlite3.connect(db)
    encoding = src.execute("pragma encoding").fetchone()[0]
    rows = src.execute("select count(*) from evaluations").fetchone()[0]
    words = " | ".join(f"count {w} (s)" for w in WORDS)
    lines = [
        f"| search index of the rows | bytes per row | {words} | phrases |",
        "|---|---:" + "|---:" * len(WORDS) + "|---|",
    ]
    try:
        for tokens, terms, detail, query, how in variants:
            with tempfile.TemporaryDirectory() as tmp:
                out = sqlite3.connect(Path(tmp) / "fts.db")
                out.execute("pragma page_size = 16384")
                out.execute(f"pragma encoding = '{encoding}'")  # to attach the corpus
                out.execute(f"create virtual table f using fts5(terms, {FTS_OPTIONS}, detail={detail})")
                rows_terms = ((row[0], terms(*row[1:])) for row in src.execute(sql))
                out.executemany("insert into f (rowid, terms) values (?, ?)", rows_terms)
                out.commit()
                size = out.execute("select sum(pgsize) from dbstat where name like 'f_%'").fetchone()[0]
                counts = [_count_word(out, db, w, detail == "full", query(w)) for w in WORDS]
                out.close()
            cells = " | ".join(f"{seconds:.3f} ({found:,} rows)" for seconds, found in counts)
            lines.append(f"| {tokens}, detail={detail} | {size / rows:,.0f} | {cells} | {how} |")
    finally:
        src.close()
    return "\n".join(lines)


def _count_word(out: sqlite3.Connection, db: Path, word: str, phrase: bool, query: str) -> tuple[float, int]:
    """Median seconds of 3 counts of the rows holding the word, and the count."""
    import unicodedata

    out.execute("attach ? as c", [str(db)])

    def holds(*texts: str | None) -> bool:  # what the phrase finds: the word inside one text
        return any(word in unicodedata.normalize("NFKC", t).lower() for t in texts if t)

    out.create_function("holds", -1, holds, deterministic=True)
    if phrase:
        sql = "select count(*) from c.evaluations where id in (select rowid from f where f match ?)"
    else:
        sql = """select count(*) from c.evaluation_rows v where id in (select rowid from f where f match ?)
            and holds(title, department, group_title, sheet_title,
                (select group_concat(j.value, char(10)) from c.evaluations e, json_each(e.fields) j
                 where e.id = v.id and j.type = 'text'),
                (select group_concat(j.value, char(10)) from c.sheets s, json_each(s.fields) j
                 where s.id = v.sheet_id and j.type = 'text'))"""
    times, found = [], 0
    for _ in range(3):
        start = time.perf_counter()
        found = out.execute(sql, [query]).fetchone()[0]
        times.append(time.perf_counter() - start)
    out.execute("detach c")
    return statistics.median(times), found


def table(columns: list[dict[str, float | str]]) -> str:
    """Markdown: one row per measure, one column per size."""
    head = "| what | " + " | ".join(f"{c['reports']:,} reports" for c in columns) + " |"
    lines = [head, "|---|" + "---:|" * len(columns)]
    for key in columns[0]:
        if key == "reports":
            continue
        cells = [_cell(c.get(key, "")) for c in columns]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: float | str | int) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
    return str(value)


def main(sizes: list[int], out: Path, keep: Path | None = None) -> None:
    import platform

    columns, variants = measure(sizes, keep)
    text = (
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{time.strftime('%Y-%m-%d')}. Times in seconds (site: median of 3 after a warm-up).\n\n"
        + table(columns)
        + "\n\n"
        + variants
        + "\n"
    )
    print(text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")


def extract_per_pdf(n: int) -> str:
    """Seconds per PDF for `hyoka extract` of n copies of the sample into a folder: one PDF at
    a time (its pages read apart, one process per core), two PDFs at a time (`--workers 2`,
    each read in one process), and a Dask LocalCluster on loopback (2 workers of 1 thread,
    each PDF read in the worker)."""
    from distributed import LocalCluster

    work = Path(tempfile.mkdtemp(prefix="hyoka-extract-"))
    pdfs = work / "pdfs"
    pdfs.mkdir()
    for k in range(n):
        shutil.copyfile(SAMPLE, pdfs / f"copy-{k:03d}.pdf")
    rows = []
    try:
        for label, extra in (
            ("one PDF at a time (--workers 1)", []),
            ("two at a time (--workers 2)", ["--workers", "2"]),
        ):
            rows.append((label, hyoka("extract", str(pdfs), "-o", str(work / label), *extra) / n))
        with LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster:
            seconds = hyoka(
                "extract", str(pdfs), "-o", str(work / "dask"), "--scheduler", cluster.scheduler_address
            )
            rows.append(("Dask LocalCluster, 2 workers", seconds / n))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [f"`hyoka extract` of {n} copies of {SAMPLE.name} into a folder (s per PDF, one run):", ""]
    lines += ["| how | s per PDF |", "|---|---:|"] + [f"| {label} | {s:.2f} |" for label, s in rows]
    return "\n".join(lines)
