"""Line and column of libcst nodes, computed only when a module needs them.

libcst's ``PositionProvider`` goes through ``MetadataWrapper`` (a deep copy
of the tree plus a visitor pass): about 1.6x the cost of the parse itself.
Running the position-tracking code generator directly over the module costs
about as much as one code generation, and it runs only for modules that have
something to report.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from libcst.metadata.position_provider import PositionProvidingCodegenState


class _Sink:
    """Stands in for the metadata provider: the codegen state writes here."""

    def __init__(self) -> None:
        self._computed: dict[cst.CSTNode, object] = {}


class Positions:
    def __init__(self, module: cst.Module) -> None:
        self._module = module
        self._computed: dict[cst.CSTNode, object] | None = None

    def _table(self) -> dict[cst.CSTNode, object]:
        if self._computed is None:
            sink = _Sink()
            state = PositionProvidingCodegenState(
                default_indent=self._module.default_indent,
                default_newline=self._module.default_newline,
                provider=sink,  # type: ignore[arg-type]
            )
            self._module._codegen(state)
            self._computed = sink._computed
        return self._computed

    def span(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column): 1-based lines, 1-based columns, end exclusive."""
        rng = self._table().get(node)
        if rng is None:
            return (1, 1, 1, 1)
        start, end = rng.start, rng.end  # type: ignore[attr-defined]
        return (start.line, start.column + 1, end.line, end.column + 1)

    def start(self, node: cst.CSTNode) -> tuple[int, int]:
        line, col, _, _ = self.span(node)
        return line, col


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
