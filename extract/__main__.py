"""`python -m extract` is the `hyoka` command."""

from extract.cli import cli

cli(prog_name="hyoka")
