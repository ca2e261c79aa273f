"""The `hyoka` command: thin wiring from options to one library call each."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from extract.errors import HyokaError
from extract.pipeline import extract_pdf
from extract.settings import ExtractSettings


def _fail(path: Path, exc: Exception) -> click.ClickException:
    if isinstance(exc, HyokaError):
        return click.ClickException(str(exc))
    return click.ClickException(f"{path.name}: cannot extract ({type(exc).__name__}: {exc})")


@click.group()
@click.version_option(package_name="hyoka")
def cli() -> None:
    """hyoka: Japanese policy-evaluation report PDFs into a queryable database."""


@cli.command()
@click.argument("pdf", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write JSON here")
@click.option("--layout", default=ExtractSettings().layout, show_default=True, help="Layout description")
def extract(pdf: Path, output: Path | None, layout: str) -> None:
    """Extract one evaluation report PDF into JSON records.

    Example: hyoka extract raw/koganei-fy2020.pdf -o build/koganei-fy2020.json
    """
    try:
        report = extract_pdf(pdf, ExtractSettings(layout=layout))
    except Exception as exc:  # every failure becomes one line naming the file
        raise _fail(pdf, exc) from None
    text = report.model_dump_json(indent=2)
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n", encoding="utf-8")
