"""The options several `hyoka` commands share, each declared once (as sqlite-utils does), and
what they mean: a folder stands for its PDFs, --layout/--layouts/--reader make ExtractSettings.
"""

from __future__ import annotations

from pathlib import Path

import click

from extract.errors import HyokaError
from extract.settings import OCR_MODES, READERS, ExtractSettings


def fail(path: Path, exc: Exception) -> click.ClickException:
    """The one line a user reads when a PDF cannot be extracted."""
    from extract.reading.layout import LayoutError

    if isinstance(exc, HyokaError | LayoutError):
        return click.ClickException(str(exc))
    return click.ClickException(f"{path.name}: cannot extract ({type(exc).__name__}: {exc})")


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


def settings_for(layout: str | None, layouts_dir: Path | None, reader: str | None = None) -> ExtractSettings:
    """The extraction settings the options ask for; a user's layouts/ folder is used if present."""
    if layouts_dir is not None and not layouts_dir.is_dir():  # a typo would silently add nothing
        raise click.ClickException(f"--layouts {layouts_dir}: no such folder")
    folder = layouts_dir or (DEFAULT_LAYOUTS if DEFAULT_LAYOUTS.is_dir() else None)
    chosen = {"reader": reader} if reader else {}
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get("hyoka.ocr"):
        chosen["ocr"] = ctx.meta["hyoka.ocr"]
    return ExtractSettings(layout=layout, layouts=(str(folder),) if folder else (), **chosen)


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


def pdf_files(paths: tuple[Path, ...]) -> list[Path]:
    """The PDFs given, a folder standing for every PDF in it."""
    return [f for p in paths for f in (sorted(p.glob("*.pdf")) if p.is_dir() else [p])]


FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
