"""The options several `hyoka` commands share, each declared once (as sqlite-utils does), and
what they mean: a folder stands for its PDFs, --layout/--layouts/--reader make ExtractSettings.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import click

from extract.errors import HyokaError
from extract.settings import READERS, ExtractSettings


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


DEFAULT_LAYOUTS = Path("layouts")  # a user's layout files, next to raw/


LAYOUTS = click.option(
    "--layouts", "layouts_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
    help=f"Folder of your layout files, besides the built-in ones (default: {DEFAULT_LAYOUTS}/ if present)",
)  # fmt: skip


def layout_options(command):  # noqa: ANN001, ANN201 - a click decorator
    """--layout NAME|PATH forces a layout; --layouts DIR adds a folder of layout files."""
    return click.option(
        "--layout", default=None, help="Force a layout (name or .toml path); default: detect"
    )(LAYOUTS(command))


def settings_for(
    layout: str | None, layouts_dir: Path | None, reader: str | None = None, **limits: float | None
) -> ExtractSettings:
    """The extraction settings the options ask for; a user's layouts/ folder is used if present.
    ``limits``: a file's budget (LIMITS), where given."""
    if layouts_dir is not None and not layouts_dir.is_dir():  # a typo would silently add nothing
        raise click.ClickException(f"--layouts {layouts_dir}: no such folder")
    folder = layouts_dir or (DEFAULT_LAYOUTS if DEFAULT_LAYOUTS.is_dir() else None)
    chosen = {"reader": reader} if reader else {}
    chosen |= {name: value for name, value in limits.items() if value is not None}
    return ExtractSettings(layout=layout, layouts=(str(folder),) if folder else (), **chosen)


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


READER = click.option(
    "--reader",
    type=click.Choice(READERS),
    default=ExtractSettings().reader,
    show_default=True,
    help="PDF reader (pdfplumber: slower, a cross-check)",
)


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


def pdf_files(paths: tuple[Path, ...]) -> list[Path]:
    """The PDFs given, a folder standing for every PDF in it, each once. A folder that cannot
    be listed stands for itself: the build and extraction name it as failed, and --prune, not
    knowing what it holds, removes nothing."""
    found: dict[str, Path] = {}
    for given in paths:
        for pdf in _listed(given) if is_folder(given) else [given]:
            found.setdefault(os.path.abspath(pdf), pdf)
    return list(found.values())


def _listed(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(folder / e.name for e in entries if e.name.endswith(".pdf"))
    except OSError:
        return [folder]


FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
