"""Every command has an example in its help and a section in the README."""

from __future__ import annotations

from conftest import ROOT

from extract.cli import cli


def test_every_command_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = [line for line in readme.splitlines() if line.startswith("### ")]
    for name, command in cli.commands.items():
        assert "Example: hyoka " + name in (command.help or ""), name
        assert any(f"`hyoka {name}`" in h for h in headings), name
