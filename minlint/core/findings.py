"""The finding: what every rule produces and every reporter consumes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Finding:
    """One reported problem.

    Positions are 1-based lines and 1-based columns (as printed by flake8 and
    ruff); ``end_column`` is exclusive. ``path`` is the path as the user gave
    it, with POSIX separators.
    """

    path: str
    line: int
    column: int
    code: str
    message: str
    end_line: int = 0
    end_column: int = 0
    function: str | None = None  # qualified name of the enclosing function
    fields: tuple[str, ...] = ()  # MIN10x: the offending field names
    guard: str | None = None  # MIN20x: the guard id
    # a tiered pack (SPEC 9), MIN101/MIN200: the instruments that hold where it is reported
    tiers: tuple[str, ...] | None = field(default=None, compare=False)
    source_line: str = field(default="", compare=False)  # the text of `line`, for fingerprints
    # what `message` was made from (minlint.core.codes.message): findings that
    # merge (two fields on one line) are made again from these, never by
    # editing the text
    params: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def identity(self, path: str) -> str:
        """What makes a finding the same finding across edits, for baselines
        and SARIF fingerprints: its code, file, enclosing function and the
        offending source text with all whitespace removed (a formatter's
        reflow is no change) -- never its line number."""
        source = "".join(self.source_line.split())
        return "\0".join((self.code, path, self.function or "", source))

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line or self.line,
            "end_column": self.end_column or self.column,
            "code": self.code,
            "message": self.message,
        }
        if self.function is not None:
            out["function"] = self.function
        if self.fields:
            out["fields"] = list(self.fields)
        if self.guard is not None:
            out["guard"] = self.guard
        if self.tiers is not None:
            out["tiers"] = list(self.tiers)
        return out
