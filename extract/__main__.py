"""`python -m extract` is the `hyoka` command."""

from extract.cli import main

main()
