"""Line and column of libcst nodes, computed only where a finding needs them.

libcst's ``PositionProvider`` goes through ``MetadataWrapper`` (a deep copy
of the tree plus a visitor pass): about 1.6x the cost of the parse itself.
This runs libcst's position-tracking code generator directly, and only over
the statement that holds the node: a module-level statement, or a statement
in a class body (a method), started at the line where ``ast`` (which parsed
the file first anyway) says that statement begins. Each generated statement
is checked against the file: its code must be the text found at that line,
and the statement must begin on the line ``ast`` gives it. When the two trees
do not line up, the whole module is generated instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import libcst as cst
from libcst.metadata.position_provider import PositionProvidingCodegenState

from minlint.parse.nodes import children
from minlint.parse.source import Lines


class _Sink:
    """Stands in for the metadata provider: the codegen state writes here."""

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, object] = {}


class _Unit:
    """A statement generated on its own: where it starts and how it is indented."""

    __slots__ = ("first_line", "indent", "line", "stmt")

    def __init__(self, stmt: cst.CSTNode, first_line: int, line: int, indent: tuple[str, ...]) -> None:
        self.stmt, self.first_line, self.line, self.indent = stmt, first_line, line, indent


_NEWLINE = re.compile(r"\r\n?|\n")


class Positions:
    def __init__(self, module: cst.Module, lines: Lines | None = None, text: str = "") -> None:
        self._module = module
        self._lines = lines if text else None
        self._text = text.removeprefix("\ufeff")
        self._line_starts: list[int] | None = None
        self._computed: dict[cst.CSTNode, object] = {}
        self._whole = False  # the whole module has been generated
        self._unit_of: dict[int, _Unit] | None = None
        self._done: set[int] = set()  # ids of the units generated

    def span(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column): 1-based lines, 1-based columns, end exclusive."""
        rng = self._computed.get(node)
        if rng is None:
            rng = self._compute(node)
        if rng is None:
            return (1, 1, 1, 1)
        start, end = rng.start, rng.end  # type: ignore[attr-defined]
        return (start.line, start.column + 1, end.line, end.column + 1)

    def start(self, node: cst.CSTNode) -> tuple[int, int]:
        line, col, _, _ = self.span(node)
        return line, col

    def holds(self, node: cst.CSTNode) -> bool:
        """Whether *node* is a node of this tree."""
        if node in self._computed:
            return True
        units = self._units()
        if units is not None:
            return id(node) in units
        if not self._whole:
            self._generate_module()
        return node in self._computed

    def _compute(self, node: cst.CSTNode) -> object | None:
        if self._whole:
            return None
        units = self._units()
        unit = units.get(id(node)) if units is not None else None
        if unit is None or id(unit) in self._done or not self._generate(unit):
            self._generate_module()
        return self._computed.get(node)

    def _state(self, sink: _Sink) -> PositionProvidingCodegenState:
        return PositionProvidingCodegenState(
            default_indent=self._module.default_indent,
            default_newline=self._module.default_newline,
            provider=sink,  # type: ignore[arg-type]
        )

    def _generate_module(self) -> None:
        sink = _Sink()
        self._module._codegen(self._state(sink))
        self._computed = sink._computed
        self._whole = True

    def _generate(self, unit: _Unit) -> bool:
        sink = _Sink()
        state = self._state(sink)
        state.line = unit.first_line - _leading_lines(unit.stmt)
        state.indent_tokens = list(unit.indent)
        unit.stmt._codegen(state)
        self._done.add(id(unit))
        # the checks that the two trees line up: the code generated is the
        # file's text from that line on, and the statement itself starts on
        # the line ast gives it
        starts = self._starts()
        first = unit.first_line - _leading_lines(unit.stmt)
        if not 1 <= first <= len(starts) or not self._matches(state.tokens, starts[first - 1]):
            return False
        anchor = unit.stmt.body[0] if isinstance(unit.stmt, cst.SimpleStatementLine) else unit.stmt
        got = sink._computed.get(anchor)
        if got is None or got.start.line != unit.line:  # type: ignore[attr-defined]
            return False
        self._computed.update(sink._computed)
        return True

    def _matches(self, tokens: list[str], at: int) -> bool:
        if self._text.startswith("".join(tokens), at):
            return True
        # the file's last statement, in a file without a final newline (the
        # module's generation drops the last token, that newline)
        rest = "".join(tokens[:-1])
        return at + len(rest) == len(self._text) and self._text.startswith(rest, at)

    def _starts(self) -> list[int]:
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in _NEWLINE.finditer(self._text))]
        return self._line_starts

    def units(self) -> dict[int, _Unit] | None:
        """Every code node's id -> the statement it is generated with (None: see ``_units``)."""
        return self._units()

    def _units(self) -> dict[int, _Unit] | None:
        """Every code node's id -> the statement it is generated with; None
        when ``ast`` and libcst do not agree on the statements."""
        if self._unit_of is None and self._lines is not None:
            table: dict[int, _Unit] = {}
            if _index(self._module.body, self._lines, (), self._module.default_indent, table):
                self._unit_of = table
            else:
                self._lines = None
        return self._unit_of


def _index(body: object, lines: Lines, indent: tuple[str, ...], default_indent: str,
           table: dict[int, _Unit]) -> bool:
    at = 0
    for stmt in body:  # type: ignore[attr-defined]
        if at >= len(lines):
            return False
        first, line, inner = lines[at]
        unit = _Unit(stmt, first, line, indent)
        at += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
        block = stmt.body if isinstance(stmt, cst.ClassDef) else None
        stack: list[cst.CSTNode] = [stmt]
        while stack:
            cur = stack.pop()
            table[id(cur)] = unit
            if cur is block and isinstance(block, cst.IndentedBlock) and inner is not None:
                step = block.indent if block.indent is not None else default_indent
                if not _index(block.body, inner, (*indent, step), default_indent, table):
                    return False
                continue
            stack.extend(children(cur))
    return at == len(lines)


def _leading_lines(stmt: cst.CSTNode) -> int:
    """Lines a statement generates before its first decorator or token."""
    count = len(getattr(stmt, "leading_lines", ()))
    decorators = getattr(stmt, "decorators", ())
    if decorators:
        count += len(decorators[0].leading_lines)
    return count


class Lazy:
    """Text computed only when a message is actually written: building it
    may need positions, and positions cost a code generation pass."""

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = self._make()
        return self._text

    def __bool__(self) -> bool:
        return bool(str(self))
