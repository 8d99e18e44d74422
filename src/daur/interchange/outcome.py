"""What an import reports: the result of a written (or dry-run) file, or why nothing was written."""

from __future__ import annotations

from dataclasses import dataclass, field

from daur.interchange.staging import Problem

SHOWN_PROBLEMS = 50


@dataclass
class ImportResult:
    kind: str
    path: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    dry_run: bool = False
    custom_columns: list[str] = field(default_factory=list)
    rejects_path: str | None = None
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    # The customers the written rows belong to, when the caller asked (import_file's
    # `customers_up_to`), and what their re-score came to (daur.actions.interchange).
    customers: list[int] = field(default_factory=list)
    rescore_note: str = ""
    warnings: list[str] = field(default_factory=list)  # e.g. suspected duplicate customers

    def report(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        lines = [
            f"{verb} {self.rows - self.rejected:,} of {self.rows:,} {self.kind} rows from "
            f"{self.path} in {self.seconds:.1f} s: {self.created:,} created, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged."
        ]
        if self.custom_columns:
            lines.append("Columns kept as custom fields: " + ", ".join(self.custom_columns) + ".")
        lines.extend(self.warnings)
        if self.rejected:
            lines.append(
                f"Rejected {self.rejected:,} rows; they and the reasons are in {self.rejects_path}:"
            )
            lines.extend(_shown(self.problems, self.rejected))
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        elif self.rescore_note:
            lines.append(self.rescore_note)
        return "\n".join(lines)


class ImportFailed(Exception):
    """The file cannot be imported as it is; nothing was written."""

    def __init__(self, kind: str, path: str, problems: list[Problem], bad_rows: int = 0) -> None:
        self.kind = kind
        self.path = path
        self.problems = problems
        self.bad_rows = bad_rows or len({p.line for p in problems})
        super().__init__(self.report())

    def report(self) -> str:
        head = (
            f"Cannot import {self.path} as {self.kind}: {self.bad_rows:,} "
            f"{'row has' if self.bad_rows == 1 else 'rows have'} problems. Nothing was written."
        )
        return "\n".join([head, *_shown(self.problems, len(self.problems))])


def _shown(problems: list[Problem], total: int) -> list[str]:
    ordered = sorted(problems, key=lambda p: p.line)
    lines = [f"  line {p.line}, column {p.column}: {p.reason}" for p in ordered[:SHOWN_PROBLEMS]]
    if total > SHOWN_PROBLEMS:
        lines.append(f"  … and {total - SHOWN_PROBLEMS:,} more")
    return lines
