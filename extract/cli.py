"""The `hyoka` command: thin wiring from options to one library call each.

Each command imports its stage when it runs, so `hyoka extract` does not pay for loading
sqlite-utils or Datasette (a rerun of `hyoka build` is dominated by start-up time).
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import click

from extract import cli_options as options
from extract.errors import HyokaError
from extract.settings import ExtractSettings

if TYPE_CHECKING:
    from extract.database.build_state import BuildResult


def main() -> None:
    """The `hyoka` command (``python -m extract``). After `hyoka extract` of one PDF the
    process ends at once: tearing down the modules it loaded, with nothing left to close or
    flush, cost about 6 ms of a 0.27 s run (measured with and without, in turns)."""
    global _quick_exit
    _quick_exit = False
    try:
        cli(prog_name="hyoka")
    except SystemExit as done:
        if not _quick_exit:
            raise
        code = done.code if isinstance(done.code, int) else int(done.code is not None)
        if isinstance(done.code, str):
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(done.code + "\n")
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # (the command flushed its output: only a last check)
                code = code or 1
        os._exit(code)


_quick_exit = False  # set by a command that leaves nothing to finalise but its streams


@click.group()
@click.version_option(package_name="hyoka")
def cli() -> None:
    """hyoka: Japanese policy-evaluation report PDFs into a queryable database."""
    # What is loaded by now lives as long as the process: out of the collector's sight, it is
    # not scanned again by every full collection while PDFs are read (and forked readers do
    # not copy its pages). Measured: a third less time in the collector per PDF.
    gc.freeze()


@cli.command()
@click.argument("pdfs", nargs=-1, required=True, type=options.PDFS)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write JSON here: a file, or a folder")
@options.layout_options
@options.READER
@options.limits
@options.WORKERS
@click.option("--scheduler", default=None, help="Extract on this Dask cluster (tcp://HOST:PORT)")
@options.RECURSIVE
def extract(
    pdfs: tuple[Path, ...],
    output: Path | None,
    layout: str | None,
    layouts_dir: Path | None,
    reader: str,
    max_seconds_per_pdf: float | None,
    max_objects_per_pdf: int | None,
    workers: int,
    scheduler: str | None,
    recursive: bool,
) -> None:
    """Extract evaluation report PDFs into JSON records: one PDF to a file or the screen, or
    many PDFs (or folders) to one JSON each in the folder -o, skipping those already there
    (from the same PDF read with the same layout file: an edited layout is read again).

    Example: hyoka extract raw/koganei-fy2020.pdf -o build/koganei-fy2020.json

    Example: hyoka extract raw/ -o build/json --workers 2
    """
    settings = options.settings_for(
        layout, layouts_dir, reader, pdfs,
        max_seconds_per_pdf=max_seconds_per_pdf, max_objects_per_pdf=max_objects_per_pdf,
    )  # fmt: skip
    files = _pdfs_of(pdfs, recursive)
    one = len(files) == 1 and not options.is_folder(pdfs[0])
    if one and not (output and output.is_dir()) and not scheduler:
        _extract_one(files[0], output, settings)
        return
    if output is None:
        given = "a folder" if any(map(options.is_folder, pdfs)) else "several PDFs"
        raise click.ClickException(f"{given}: give the folder for their JSON with -o DIR")
    failed = _extract_many(files, output, settings, workers, scheduler)
    _say_not_read(pdfs, recursive)
    if failed:
        sys.exit(1)


def _pdfs_of(given: tuple[Path, ...], recursive: bool, slash: str = "") -> list[Path]:
    """The PDFs of the paths given (a folder's, its sub-folders' too when ``recursive``)."""
    files = options.pdf_files(given, recursive)
    if not files:
        below = "" if recursive else options.not_read_below(given)
        where = ", ".join(f"{p}{slash}" if options.is_folder(p) else str(p) for p in given)
        raise click.ClickException(options.one_line(f"no PDF in {where}" + (f"; {below}" if below else "")))
    return files


def _say_not_read(given: tuple[Path, ...], recursive: bool) -> None:
    if not recursive and (below := options.not_read_below(given)):
        options.say(f"  not read: {below}")


def _extract_one(pdf: Path, output: Path | None, settings: ExtractSettings) -> None:
    from extract.manifest import unreadable
    from extract.reading.read_apart import read_apart

    if reason := unreadable(pdf):  # a loop of links, no permission: as `hyoka build` says it
        raise click.ClickException(options.one_line(f"{pdf.name}: {reason}"))

    # the pages are read in forked processes (a crash inside pdfium is one line, not a core
    # dump) while this one loads the stages that make records of them
    global _quick_exit
    _quick_exit = True  # what follows writes one file (closed) or stdout (flushed below)
    pages = None
    try:
        pages = read_apart(pdf, settings)
        gc.disable()  # as in cli(): modules loaded now are not scanned again and again
        from extract.reading.pipeline import extract_pdf

        gc.freeze()
        gc.enable()
        text = extract_pdf(pdf, settings, pages).model_dump_json(indent=2)
    except Exception as exc:  # every failure becomes one line naming the file
        raise options.fail(pdf, exc) from None
    finally:
        if pages is not None:
            pages.close()
    try:
        if output is None:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        else:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:  # a full disk, a reader gone: not a silent half of the JSON
        raise click.ClickException(f"cannot write the JSON: {exc}") from None


def _extract_many(
    files: list[Path], folder: Path, settings: ExtractSettings, workers: int, scheduler: str | None
) -> bool:
    """Extract into ``folder``, say what was done; whether a PDF failed."""
    from extract.reading.batch import extract_many
    from extract.reading.layout import LayoutError

    if folder.exists() and not folder.is_dir():
        raise click.ClickException(
            options.one_line(f"{folder}: several PDFs need a folder for -o, not a file")
        )
    try:
        result = extract_many(files, folder, settings=settings, workers=workers, scheduler=scheduler)
    except ImportError:
        raise click.ClickException("--scheduler needs Dask: pip install 'hyoka[dask]'") from None
    except LayoutError as exc:  # refused before any PDF is read
        raise click.ClickException(options.one_line(str(exc))) from None
    except OSError as exc:  # e.g. no scheduler at that address
        raise click.ClickException(options.one_line(f"{scheduler or folder}: {exc}")) from None
    options.say(
        f"{folder}: {len(result.written)} extracted, {len(result.skipped)} already there, "
        f"{len(result.failed)} failed"
    )
    if result.reread:
        why = sorted({reason for _, reason in result.reread})
        options.say(f"  {len(result.reread)} re-read: {'; '.join(why)}")
    for name, reason in result.failed:
        options.say(f"  failed: {name}: {reason}")
    return bool(result.failed)


@cli.command(name="debug-page")
@click.argument("pdf", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("page", type=int)
@options.layout_options
@options.READER
def debug_page(pdf: Path, page: int, layout: str | None, layouts_dir: Path | None, reader: str) -> None:
    """Show one page as the pipeline sees it: kind, rebuilt cells (row, col, spans, bbox), free text.

    Example: hyoka debug-page raw/koganei-fy2020.pdf 9
    """
    import json

    from extract.reading.pipeline import inspect_page

    try:
        data = inspect_page(pdf, page, options.settings_for(layout, layouts_dir, reader, (pdf,)))
    except (HyokaError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@cli.group()
def layout() -> None:
    """Layout files: what a layout finds in a PDF, while you write it.

    Example: hyoka layout check school-evaluation-sheet raw/gakkohyoka-r4.pdf
    """


@layout.command(name="check")
@click.argument("name")
@click.argument("pdf", type=click.Path(path_type=Path, dir_okay=False))
@options.LAYOUTS
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--html", "html_file", type=click.Path(path_type=Path, dir_okay=False), help="Also write the pages drawn"
)
def layout_check(name: str, pdf: Path, layouts_dir: Path | None, fmt: str, html_file: Path | None) -> None:
    """Read PDF with layout NAME (its name, its file's name, or a .toml path) and show, page by
    page, the labels and tables found and not found with their values whole, the marks, the
    rows, and every problem.

    Example: hyoka layout check kobe-jimujigyo kobe-r25-001.pdf --html check.html
    """
    import json

    from extract.database.check_html import layout_check_html
    from extract.database.export import layout_check_text
    from extract.reading.layout import LayoutError
    from extract.reading.pipeline import check_layout

    try:
        data = check_layout(pdf, options.settings_for(name, layouts_dir, near=(pdf,)))
        if html_file is not None:
            html_file.write_text(layout_check_html(data, pdf), encoding="utf-8")
    except (HyokaError, LayoutError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if fmt == "json" else layout_check_text(data))


@layout.command(name="draft")
@click.argument("pdf", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write it here, not to stdout"
)
def layout_draft(pdf: Path, output: Path | None) -> None:
    """Draft a layout for PDF from its pages, each guess commented: a row layout when a table
    holds a column of rating letters (its columns by their headers, their roles by the cells),
    else a form layout (title, sheet start, labels and their values, year tables, blocks,
    marks, ratings, report facts).

    Example: hyoka layout draft kobe-r25-001.pdf -o layouts/kobe-draft.toml
    """
    from extract.reading.draft import slug
    from extract.reading.draft_toml import draft_layout

    try:
        text = draft_layout(pdf, name=slug(output.stem)[6:] if output else None)
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
    except (HyokaError, ValueError, OSError) as exc:
        raise click.ClickException(options.one_line(str(exc))) from None
    click.echo(
        f"{output}: a draft layout; check it: hyoka layout check {output} {pdf}" if output else text,
        nl=bool(output),
    )


@cli.command()
@click.argument("pdfs", nargs=-1, type=options.PDFS)
@options.DB
@click.option("--prune", is_flag=True, help="Remove reports whose PDF is no longer given")
@click.option("--strict", is_flag=True, help="Stop at the first bad file and change nothing")
@click.option(
    "--replace", is_flag=True, help="A PDF with the same municipality/year/title replaces the old one"
)
@click.option(
    "--identity",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Hand-made initiative matches across years [default: identity.toml in raw/ (or in the "
    "PDFs' folder) found from the PDFs' folder up, wherever the command runs]",
)
@options.WORKERS
@click.option("--silent", is_flag=True, help="No progress bar")
@click.option(
    "--from-json",
    "from_json",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Load the reports `hyoka extract -o DIR` wrote there instead of extracting PDFs",
)
@options.layout_options
@options.READER
@options.limits
@options.RECURSIVE
def build(
    pdfs: tuple[Path, ...],
    db: Path,
    prune: bool,
    strict: bool,
    replace: bool,
    identity: Path | None,
    workers: int,
    silent: bool,
    from_json: Path | None,
    layout: str | None,
    layouts_dir: Path | None,
    reader: str,
    max_seconds_per_pdf: float | None,
    max_objects_per_pdf: int | None,
    recursive: bool,
) -> None:
    """Extract PDFs or folders of PDFs (default: every PDF in raw/) and load them into SQLite.

    Example: hyoka build --db build/hyoka.db raw/koganei-fy2020.pdf
    """
    from extract.database.build_state import StrictBuildFailed
    from extract.database.lock import BuildRefused

    settings = options.settings_for(
        layout, layouts_dir, reader, pdfs or (options.DEFAULT_RAW,),
        max_seconds_per_pdf=max_seconds_per_pdf, max_objects_per_pdf=max_objects_per_pdf,
    )  # fmt: skip
    files, run = _build_job(pdfs, from_json, workers, settings, recursive)
    if identity is None:
        identity = options.identity_near((from_json,) if from_json else pdfs or (options.DEFAULT_RAW,))
    show = not silent and sys.stderr.isatty()
    label = "loading" if from_json else "extracting"
    with click.progressbar(length=len(files), label=label, file=sys.stderr, hidden=not show) as bar:
        try:
            result = run(
                db, prune=prune, strict=strict, replace=replace, identity=identity,
                on_file=lambda _: bar.update(1),
            )  # fmt: skip
        except StrictBuildFailed as exc:
            raise click.ClickException(options.one_line(f"{exc} (--strict: nothing was changed)")) from None
        except BuildRefused as exc:  # a build running, a folder not writable, a bad layout
            raise click.ClickException(options.one_line(str(exc))) from None
        except HyokaError as exc:  # e.g. identity.toml that cannot be read: nothing was changed
            raise click.ClickException(options.one_line(f"{exc} (nothing was changed)")) from None
    _say_built(db, result, () if from_json else pdfs or (options.DEFAULT_RAW,), recursive)


def _build_job(
    pdfs: tuple[Path, ...], from_json: Path | None, workers: int, settings: ExtractSettings, recursive: bool
) -> tuple[list[Path], Callable[..., BuildResult]]:
    """The files a build reads (PDFs, or the JSON of extracted reports) and what loads them."""
    from extract.database.build import build_database, build_from_json

    if from_json and pdfs:  # the JSON's PDFs are the reports: PDFs beside them would be dropped
        raise click.ClickException("give PDFs or --from-json DIR, not both (extract the PDFs into DIR first)")
    if from_json:
        files = sorted(from_json.glob("*.json"))
        if not files:
            raise click.ClickException(f"{from_json}: no extracted report (*.json) there")
        return files, partial(build_from_json, files)
    files = _pdfs_of(pdfs or (options.DEFAULT_RAW,), recursive, slash="/")
    return files, partial(build_database, files, workers=workers, settings=settings)


def _say_built(db: Path, result: BuildResult, given: tuple[Path, ...], recursive: bool) -> None:
    """What the build did, on stderr; exit status 1 if a file failed or something was not done."""
    options.say(
        f"{db}: {len(result.loaded)} loaded, {len(result.unchanged)} unchanged, "
        f"{len(result.removed)} removed, {len(result.failed)} failed"
    )
    if result.reread:
        layouts = ", ".join(sorted({layout for _, layout in result.reread}))
        options.say(f"  {len(result.reread)} re-read: their layout changed ({layouts})")
    for name, problems in result.partial:
        options.say(f"  partial: {name}: {len(problems)} problem(s), see the issues table; {problems[0]}")
    for name, reason in result.failed:
        options.say(f"  failed: {name}: {reason}")
    for warning in result.warnings:
        options.say(f"  not done: {warning}")
    _say_not_read(given, recursive)
    if result.failed or result.warnings:
        sys.exit(1)


@cli.command()
@options.DB
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@click.option(
    "--pdfs",
    "--raw",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of the PDFs to link to (default: the folder the build read)",
)
def serve(db: Path, host: str, port: int, pdfs: Path | None) -> None:
    """Serve the database read-only with Datasette, its PDFs at /pdfs/.

    Example: hyoka serve --db build/hyoka.db --port 8001
    """
    from extract.site.serve import serve as run

    try:
        run(db, pdfs, host, port, say=lambda line: click.echo(line, err=True))
    except HyokaError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@options.DB
@click.option(
    "--table", default="evaluation_rows", show_default=True,
    help="A table or view of the database: evaluation_rows, a layout's rows_<layout>, a form's tables, rating_changes …",
)  # fmt: skip
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write CSV here")
@click.option(
    "--labels", is_flag=True,
    help="For people, as the site's Excel download: Japanese headings (担当課 …), and a ' before text Excel would run as a formula",
)  # fmt: skip
def export(db: Path, table: str, output: Path | None, labels: bool) -> None:
    """Export a table or view as CSV for Excel (UTF-8 with BOM).

    Example: hyoka export --table rows_jimujigyo_sheet --labels -o build/projects.csv
    """
    heading = str
    if labels:
        from extract.site.labels import label as heading
    try:
        from extract.database.export import export_table

        text = export_table(db, table, heading, escape_formulas=labels)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if output is None:
        sys.stdout.buffer.write(text.encode("utf-8"))
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(text.encode("utf-8"))


@cli.command()
@click.option("--from", "from_year", type=int, required=True, help="Earlier fiscal year")
@click.option("--to", "to_year", type=int, required=True, help="Later fiscal year")
@options.DB
@options.FORMAT
def changes(from_year: int, to_year: int, db: Path, fmt: str) -> None:
    """Rating changes between two reports: up / down / same / added / dropped.

    Example: hyoka changes --from 2020 --to 2021 --format json
    """
    from extract.database.export import format_rows
    from extract.database.history import CHANGES_COLUMNS, year_changes

    try:
        rows = year_changes(db, from_year, to_year)
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(format_rows(rows, CHANGES_COLUMNS, fmt), nl=False)


@cli.command()
@options.DB
@options.FORMAT
def audit(db: Path, fmt: str) -> None:
    """Rows whose printed 前年度事業評価 differs from the previous report's 事業評価.

    Example: hyoka audit --format json
    """
    from extract.database.export import format_rows
    from extract.database.history import AUDIT_COLUMNS, audit_empty_reason, prev_rating_audit

    try:
        rows = prev_rating_audit(db)
    except OSError as exc:
        raise click.ClickException(str(exc)) from None
    if not rows:
        click.echo(f"no audit rows: {audit_empty_reason(db)}", err=True)
    click.echo(format_rows(rows, AUDIT_COLUMNS, fmt), nl=False)
