"""The syntax pass: MIN999 for files no analysis needed to parse."""

from __future__ import annotations

import ast
import symtable
import warnings

from minlint.core.findings import Finding
from minlint.parse.source import WARNINGS_LOCK, Unreadable, parse_module


def syntax_problem(text: str) -> Unreadable | None:
    """The MIN999 of a file no analysis needed. Python's own parser is ten
    times cheaper than libcst; only when it refuses does the full guarded
    parse decide, so that syntax newer than this interpreter is not reported
    as broken. ``symtable`` runs that parser without building the Python
    objects of an ``ast`` tree (a third cheaper); it also refuses a few
    programs the parser accepts (``nonlocal`` at module level), so a refusal
    is asked again of ``ast`` before the guarded parse."""
    with WARNINGS_LOCK, warnings.catch_warnings():
        # the checked code's warnings (invalid escapes) are not ours to print
        warnings.simplefilter("ignore")
        try:
            symtable.symtable(text, "<checked>", "exec")
            return None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
        try:
            ast.parse(text)
            return None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    try:
        parse_module(text)
    except Unreadable as exc:
        return exc
    return None


def min999(display: str, exc: Unreadable) -> Finding:
    params = (("reason", exc.reason),)
    return Finding(display, exc.line, exc.column, "MIN999", f"cannot check this file: {exc.reason}",
                   exc.line, exc.column + 1, params=params)
