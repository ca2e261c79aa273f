"""Imports follow the data, each library stays at its edge, and no expected text is in the code."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from conftest import EXPECTED, ROOT

# Each stage may import only the stages before it (and schemas/).
ORDER = [
    "errors",
    "manifest",
    "settings",
    "forked",
    "normalise",
    "patterns",
    "layout",
    "read_content",
    "read_geometry",
    "read_pdfium",
    "read",
    "text",
    "paragraphs",
    "grid",
    "read_apart",
    "columns",
    "boxes",
    "rows",
    "comments",
    "classify",
    "front",
    "leftovers",
    "form_cells",
    "form_tables",
    "form_sheets",
    "forms",
    "form_trace",
    "records",
    "pipeline",
    "draft",
    "draft_toml",
    "batch",
    "search",
    "isolate",
    "identity",
    "schema",
    "insert",
    "load",
    "history",
    "build_state",
    "lock",
    "build",
    "export",
    "check_html",
    "site",
    "serve",
    "cli_options",
    "cli",
    "__main__",
]
EDGES = {
    "pdfplumber": {"read", "grid"},
    "pdfminer": {"read", "read_content"},
    "pypdfium2": {"read_pdfium"},
    "sqlite_utils": {"insert", "load", "history"},
    "datasette": {"site", "serve"},
    "uvicorn": {"serve"},
    "vl_convert": {"site"},
    "click": {"cli", "cli_options"},
    "dask": {"batch"},
    "regex": {"patterns"},
}


def _imports(path: Path) -> set[str]:
    """Modules imported, ``from extract.reading import read_pdfium`` as extract.reading.read_pdfium."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module in PACKAGES:
                names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


PACKAGES = ("extract", "extract.reading", "extract.database")


def _stage(module: str) -> str | None:
    """The stage of a module path: its own name, or `site` for the plugin modules of extract.site
    (its serve.py, which starts the server, is a stage of its own)."""
    parts = module.split(".")
    if parts[0] != "extract" or len(parts) < 2 or module in PACKAGES:
        return None
    return "site" if parts[1] == "site" and parts[-1] != "serve" else parts[-1]


def _stages() -> list[tuple[str, Path]]:
    """(stage, module file) of every module of extract/ and its sub-packages."""
    out = []
    for path in sorted((ROOT / "extract").rglob("*.py")):
        if path.stem == "__init__" and path.parent.name != "site":
            continue
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        out.append((_stage(dotted) or path.stem, path))
    return out


def test_each_stage_lives_in_its_sub_package() -> None:
    """Reading (PDF -> Report) and the database each have their sub-package; serving is site/."""
    where = {stage: path.parent.name for stage, path in _stages()}
    assert {s for s, p in where.items() if p == "reading"} >= {"read", "grid", "rows", "forms", "pipeline"}
    assert {s for s, p in where.items() if p == "database"} >= {"schema", "load", "history", "build"}
    assert where["site"] == "site" and where["cli"] == "extract"


def test_stages_import_only_earlier_stages() -> None:
    for stage, path in _stages():
        assert stage in ORDER, f"{path.name}: place the new module in ORDER"
        mine = ORDER.index(stage)
        for name in _imports(path):
            other = _stage(name)
            if other is not None:
                assert ORDER.index(other) < mine or other == stage == "site", (
                    f"{path.name} imports the later stage {other}"
                )


def test_libraries_stay_at_their_edge() -> None:
    for stage, path in _stages():
        for name in _imports(path):
            root = name.split(".")[0]
            if root in EDGES:
                assert stage in EDGES[root], f"{path.name} imports {root}"
    for path in sorted((ROOT / "schemas").glob("*.py")):
        assert not {n.split(".")[0] for n in _imports(path)} & {"pdfplumber", "click", "extract"}


def _literal(node: ast.expr) -> bool:
    """The code's own pattern: a literal, a module constant (UPPER_CASE) or a sum of them."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id.lstrip("_").isupper()
    if isinstance(node, ast.JoinedStr):  # an f-string of literals and module constants
        return all(_literal(v.value if isinstance(v, ast.FormattedValue) else v) for v in node.values)
    return isinstance(node, ast.BinOp) and _literal(node.left) and _literal(node.right)


def test_layout_patterns_run_with_a_time_limit() -> None:
    """``re`` (no time limit) only runs the code's own literal patterns: a pattern from a layout
    file goes through extract/reading/patterns.py, whose matches stop after a time limit."""
    for _, path in _stages():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.args
            ):
                assert _literal(node.args[0]), f"{path.name}:{node.lineno}: re.{node.func.attr} of a variable"


def test_code_does_not_know_the_answer() -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    needles = {
        line[:12]
        for row in expected["evaluations"]
        for field in ("initiative_title", "results", "outlook")
        for line in (row[field] or "").splitlines()
        if len(line) >= 12
    }
    needles |= {p["policy_title"] for p in expected["policies"]}
    for folder in ("extract", "schemas"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".toml", ".json"}:
                text = path.read_text(encoding="utf-8")
                hits = [n for n in needles if n in text]
                assert not hits, f"{path} contains expected text: {hits[:3]}"
