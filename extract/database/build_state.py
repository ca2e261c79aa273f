"""What a build knows while it goes: the reports the database holds (by SHA-256 and by file
name), what it loads, replaces and removes, and the tally the CLI prints (``BuildResult``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from extract.errors import HyokaError
from extract.manifest import REPORT_KEY, cannot_read, sha256_of

if TYPE_CHECKING:
    from extract.database.load import Database
    from schemas.report import Report


@dataclass
class BuildResult:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    partial: list[tuple[str, list[str]]] = field(default_factory=list)  # loaded, with problems
    warnings: list[str] = field(default_factory=list)  # asked for and not done (no file failed)
    reread: list[tuple[str, str]] = field(default_factory=list)  # (file, layout) read again: layout changed
    written: bool = False


def is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False when it cannot be looked at (a folder not listed)."""
    try:
        return path.is_file()
    except OSError:
        return False


class StrictBuildFailed(HyokaError):
    """--strict: the first bad file stops the build and nothing is written."""


@dataclass
class BuildState:
    """What the database holds while the build goes: reports by SHA-256 and by file name."""

    db: Database
    result: BuildResult
    replace: bool
    known: dict[str, dict] = field(default_factory=dict)
    by_file: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    series: set[str] = field(default_factory=set)  # of the reports added or removed: linked again
    # SHA-256 of each layout file by layout name: a report read with another version of its
    # layout's file is read again (None: loading JSON, which carries its own)
    digests: dict[str, str] | None = None
    stale: set[str] = field(default_factory=set)  # reports to read again: their layout changed

    def __post_init__(self) -> None:
        from extract.database.load import loaded_reports

        self.known = loaded_reports(self.db)
        self.by_file = {row["file"]: sha for sha, row in self.known.items()}

    def fail(self, pdf: Path, reason: str, strict: bool, name: str | None = None) -> None:
        self.result.failed.append((name or pdf.name, reason))
        if strict:
            raise StrictBuildFailed(name or pdf, reason)

    def check(self, pdf: Path) -> str | None:
        """None when already loaded, 'extract' when new or changed, else why it is refused."""
        try:
            sha = sha256_of(pdf)
        except OSError as exc:  # missing, a loop of links, no permission, a folder not listed
            return cannot_read(pdf, exc)
        if sha not in self.known:
            return "extract"
        if self.known[sha]["file"] != pdf.name:
            return f"duplicate of {self.known[sha]['file']} (same SHA-256): not loaded twice"
        row = self.known[sha]
        if self.digests is not None and row.get("layout_sha256") != self.digests.get(row["layout"]):
            self.stale.add(sha)
            return "extract"
        self.seen.add(sha)
        self.result.unchanged.append(pdf.name)
        return None

    def load(self, pdf: Path, report: Report, folder: Path | None = None) -> str | None:
        """Load a new report (replacing the file's old one); why not, when it clashes."""
        sha = report.report.source.sha256
        if sha in self.known and sha not in self.stale:  # the same bytes under two names, both new
            return f"duplicate of {self.known[sha]['file']} (same SHA-256): not loaded twice"
        key = tuple(getattr(report.report, k) for k in REPORT_KEY)
        clash = next(
            (
                s
                for s, row in self.known.items()
                if row["file"] != pdf.name
                and tuple(row[k] for k in REPORT_KEY) == key
                and self._same_items(s, report)
            ),
            None,
        )
        if clash and not self.replace:
            label = " / ".join(str(k) for k in key if k is not None)
            return (
                f"same report as {self.known[clash]['file']} ({label}): remove one, or rebuild with --replace"
            )
        from extract.database.load import load_report, series_key, too_many_indexes

        if why := too_many_indexes(self.db, report.layout):
            return why
        if clash:
            self._delete(clash)
        if sha in self.stale:  # read again with its layout's new file: the old records go
            self.result.reread.append((pdf.name, self.known[sha]["layout"]))
            self.stale.discard(sha)
            self._delete(sha, count=False)
        if pdf.name in self.by_file:  # the PDF changed: its new content replaces the old report
            self._delete(self.by_file[pdf.name], count=False)
        load_report(self.db, report, folder)
        self.series.add(series_key(report))
        if report.problems:
            self.result.partial.append((pdf.name, [f"p.{p.page}: {p.message}" for p in report.problems]))
        self.known[sha] = {
            "file": pdf.name, "series": series_key(report), **dict(zip(REPORT_KEY, key, strict=True))
        }  # fmt: skip
        self.by_file[pdf.name] = sha
        self.seen.add(sha)
        self.result.loaded.append(pdf.name)
        return None

    def _same_items(self, sha: str, report: Report) -> bool:
        """Two PDFs of one key clash when they share an item; sheets split from one publication
        into several files (one project each) do not."""
        from extract.database.insert import item_keys

        return bool(item_keys(self.db, sha) & item_keys(report))

    def known_as(self, report: Report) -> bool:
        """Whether this report is loaded already under its own file name (then unchanged)."""
        sha, name = report.report.source.sha256, report.report.source.file
        if sha not in self.known or self.known[sha]["file"] != name:
            return False
        if self.known[sha].get("layout_sha256") != report.layout.sha256:  # extracted with another layout file
            self.stale.add(sha)
            return False
        self.seen.add(sha)
        self.result.unchanged.append(name)
        return True

    def names_seen(self) -> set[str]:
        return {self.known[sha]["file"] for sha in self.seen if sha in self.known}

    def prune(self, pdfs: list[Path]) -> None:
        """Remove reports whose PDF is no longer given; never when a given path is unreadable."""
        if any(not is_file(p) for p in pdfs):
            self.result.warnings.append("--prune: some given PDFs are missing, so nothing was removed")
            return
        self.prune_names({p.name for p in pdfs})

    def prune_names(self, names: set[str]) -> None:
        for sha, row in list(self.known.items()):
            if row["file"] not in names and sha not in self.seen:
                self._delete(sha)

    def _delete(self, sha: str, count: bool = True) -> None:
        from extract.database.history import unlink_report
        from extract.database.load import delete_report

        unlink_report(self.db, sha)
        delete_report(self.db, sha)
        row = self.known.pop(sha)
        self.series.add(row["series"])
        self.by_file.pop(row["file"], None)
        if count:
            self.result.removed.append(row["file"])
