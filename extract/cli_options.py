"""The options several `hyoka` commands share, each declared once (as sqlite-utils does), and
what they mean: a folder stands for its PDFs, --layout/--layouts/--reader make ExtractSettings.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import click

from extract.errors import HyokaError
from extract.settings import OCR_MODES, READERS, ExtractSettings


def fail(path: Path, exc: Exception) -> click.ClickException:
    """The one line a user reads when a PDF cannot be extracted."""
    from extract.reading.layout import LayoutError

    if isinstance(exc, HyokaError):
        return click.ClickException(one_line(f"{exc.path.name}: {exc.reason}"))
    if isinstance(exc, LayoutError):
        return click.ClickException(one_line(str(exc)))
    return click.ClickException(one_line(f"{path.name}: cannot extract ({type(exc).__name__}: {exc})"))


_HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs"}  # controls, format marks (bidi overrides), line breaks


def one_line(text: str) -> str:
    """``text`` with what could break or forge a line escaped as Python writes it (\\n, \\x1b,
    \\u202e): a file name holding a newline stays on its line, whatever it says."""
    return "".join(repr(c)[1:-1] if unicodedata.category(c) in _HIDDEN else c for c in text)


LAYOUTS_FOLDER = "layouts"  # a user's layout files, next to raw/


LAYOUTS = click.option(
    "--layouts", "layouts_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
    help=f"Folder of your layout files, besides the built-in ones (default: the {LAYOUTS_FOLDER}/ "
    "nearest above the PDFs' folder, e.g. next to raw/)",
)  # fmt: skip


def layout_options(command):  # noqa: ANN001, ANN201 - a click decorator
    """--layout NAME|PATH forces a layout; --layouts DIR adds a folder of layout files."""
    return click.option(
        "--layout", default=None, help="Force a layout (name or .toml path); default: detect"
    )(LAYOUTS(command))


def settings_for(
    layout: str | None,
    layouts_dir: Path | None,
    reader: str | None = None,
    near: tuple[Path, ...] = (),
    **limits: float | None,
) -> ExtractSettings:
    """The extraction settings the options ask for: the user's layouts are ``--layouts DIR``,
    else the layouts/ folders found from the PDFs (``near``, see layouts_near). ``limits``: a
    file's budget (LIMITS), where given."""
    if layouts_dir is not None and not layouts_dir.is_dir():  # a typo would silently add nothing
        raise click.ClickException(f"--layouts {layouts_dir}: no such folder")
    folders = (layouts_dir,) if layouts_dir else layouts_near(near)
    chosen = {"reader": reader} if reader else {}
    chosen |= {name: value for name, value in limits.items() if value is not None}
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get("hyoka.ocr"):
        chosen["ocr"] = ctx.meta["hyoka.ocr"]
    return ExtractSettings(layout=layout, layouts=tuple(os.path.abspath(f) for f in folders), **chosen)


def layouts_near(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """A user's layout folders for these PDFs, wherever the command runs: for each folder of
    PDFs (a folder given, or a PDF's own folder), the nearest ``layouts/`` in it or above it,
    as git finds ``.git``: ``proj/layouts`` for ``proj/raw/a.pdf``, ``proj/raw/kobe/b.pdf`` or
    ``proj/raw/``. Each folder once."""
    found: dict[str, Path] = {}
    starts = {os.path.abspath(p) if is_folder(p) else os.path.dirname(os.path.abspath(p)) for p in paths}
    for start in sorted(starts):
        for folder in (Path(start), *Path(start).parents):
            if is_folder(candidate := folder / LAYOUTS_FOLDER):
                found.setdefault(os.path.realpath(candidate), candidate)
                break
    return tuple(found.values())


IDENTITY_FILE = "identity.toml"


def _is_file(path: Path) -> bool:
    """A file that is there; a folder that cannot be looked into holds none (its PDFs fail on
    their own, one line each)."""
    try:
        return path.is_file()
    except OSError:
        return False


def identity_near(paths: tuple[Path, ...]) -> Path | None:
    """The identity overrides for these PDFs (or extracted JSON), wherever the command runs:
    from each folder of them up, the first ``identity.toml`` in it or in a ``raw/`` beside it
    (``proj/raw/identity.toml`` for ``proj/raw/a.pdf``, ``proj/raw/kobe/b.pdf`` or
    ``proj/build/json``), as ``layouts/`` is found. None when there is none; two different
    ones for one build are refused (one database links its series by one file)."""
    found: dict[str, Path] = {}
    starts = {os.path.abspath(p) if is_folder(p) else os.path.dirname(os.path.abspath(p)) for p in paths}
    for start in sorted(starts):
        for folder in (Path(start), *Path(start).parents):
            here = next(
                (f for f in (folder / IDENTITY_FILE, folder / DEFAULT_RAW / IDENTITY_FILE) if _is_file(f)),
                None,
            )
            if here is not None:
                found.setdefault(os.path.realpath(here), here)
                break
    if len(found) > 1:
        files = ", ".join(str(f) for f in found.values())
        raise click.ClickException(f"two identity files apply ({files}): give one with --identity FILE")
    return next(iter(found.values()), None)


def limits(command):  # noqa: ANN001, ANN201 - a click decorator
    """--max-seconds-per-pdf and --max-objects-per-pdf: a file's budget, past which it fails."""
    seconds = click.option(
        "--max-seconds-per-pdf", type=click.FloatRange(0.01), default=None,
        help=f"Give up a PDF after this long [default: {ExtractSettings().max_seconds_per_pdf:g}]",
    )  # fmt: skip
    objects = click.option(
        "--max-objects-per-pdf", type=click.IntRange(1), default=None,
        help=f"Give up a PDF of more glyphs and edges [default: {ExtractSettings().max_objects_per_pdf}]",
    )  # fmt: skip
    return seconds(objects(command))


def _remember_ocr(ctx: click.Context, _param: click.Parameter, value: str) -> None:
    ctx.meta["hyoka.ocr"] = value  # read by settings_for: the commands' signatures stay as they were


def READER(command):  # noqa: ANN001, ANN201, N802 - a click decorator, named as the other options
    """--reader pdfium|pdfplumber, and --ocr never|auto|always (pages without a text layer)."""
    command = click.option(
        "--ocr", type=click.Choice(OCR_MODES), default=ExtractSettings().ocr, show_default=True,
        expose_value=False, callback=_remember_ocr, is_eager=True,
        help="Read image-only pages (scans) by Japanese OCR: auto (pages without a usable text "
        "layer), always (every page), never",
    )(command)  # fmt: skip
    return click.option(
        "--reader",
        type=click.Choice(READERS),
        default=ExtractSettings().reader,
        show_default=True,
        help="PDF reader (pdfplumber: slower, a cross-check)",
    )(command)


DEFAULT_DB = Path("build/hyoka.db")
DB = click.option(
    "--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True,
    help="The database file",
)  # fmt: skip
DEFAULT_RAW = Path("raw")


WORKERS = click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Extracting processes"
)


PDFS = click.Path(path_type=Path, readable=False)  # one that cannot be read is named, the rest go on


def say(line: str) -> None:
    """One line of a summary on stderr, names in it escaped (one_line)."""
    click.echo(one_line(line), err=True)


def is_folder(path: Path) -> bool:
    """Whether ``path`` is a folder; False when it cannot even be looked at (then the build or
    extraction names it as a file it cannot read)."""
    try:
        return path.is_dir()
    except OSError:
        return False


RECURSIVE = click.option(
    "-r", "--recursive", is_flag=True, help="Read the PDFs in a folder's sub-folders too"
)


def pdf_files(paths: tuple[Path, ...], recursive: bool = False) -> list[Path]:
    """The PDFs given, a folder standing for every PDF in it (``recursive``: and in its
    sub-folders, not following links to folders), each once. A folder that cannot be listed
    stands for itself: the build and extraction name it as failed, and --prune, not knowing
    what it holds, removes nothing."""
    found: dict[str, Path] = {}
    for given in paths:
        for pdf in _listed(given, recursive) if is_folder(given) else [given]:
            found.setdefault(os.path.abspath(pdf), pdf)
    return list(found.values())


def _listed(folder: Path, recursive: bool = False) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            listed = sorted(folder / e.name for e in entries if e.name.endswith(".pdf"))
    except OSError:
        return [folder]
    return listed + [p for _, pdfs in _below(folder) for p in pdfs] if recursive else listed


def _below(folder: Path) -> list[tuple[str, list[Path]]]:
    """(sub-folder of ``folder`` it is under, PDFs) of each folder below ``folder``, in order;
    hidden folders and links to folders are not entered (a link may loop)."""
    found = []
    for top, dirs, files in os.walk(folder, onerror=lambda _: None):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if top != str(folder) and (pdfs := sorted(Path(top) / f for f in files if f.endswith(".pdf"))):
            found.append((Path(top).relative_to(folder).parts[0], pdfs))
    return found


def not_read_below(paths: tuple[Path, ...]) -> str | None:
    """The PDFs in sub-folders of the folders given, which are not read without --recursive,
    in words; None when there are none."""
    counted = [(folder, _below(folder)) for folder in paths if is_folder(folder)]
    counted = [(folder, below) for folder, below in counted if below]
    if not counted:
        return None
    count = sum(len(pdfs) for _, below in counted for _, pdfs in below)
    subs = sorted({f"{folder / sub}/" for folder, below in counted for sub, _ in below})
    more = f" and {len(subs) - 3} more" if len(subs) > 3 else ""
    return f"{count} PDF{'s' if count > 1 else ''} in sub-folders ({', '.join(subs[:3])}{more}): --recursive reads them"


FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
