"""Control-flow graphs of functions, built from libcst statements.

A node is one small statement, one atom of a branch test (``and``/``or``/``not``
are decomposed so that each edge knows which atom passed), the header of a
``for``/``with``/``match``, or one of the three pseudo nodes entry, exit
(normal return) and raise (exceptional exit). Edges carry a label:

- ``next``: normal completion;
- ``true`` / ``false``: the atom of a test node evaluated truthy / falsy;
- ``exc``: an exception raised while the node ran (only inside ``try`` and
  ``with suppress(...)``, where it can lead somewhere other than the raise node);
- ``jump``: an abrupt exit (``raise``, a call that never returns).

Which calls never return is not a fact of one function: it depends on the
helpers it calls, so the graph built here (a fact, kept with the function)
makes no such decision. It records every statement-level call as a
*candidate exit* (``CFG.calls``) and continues after it normally; an analysis
that has decided which of them never return asks for ``with_exits(nodes)``,
the same graph with those calls ending the path. An exit call raises where
an exception from it would go: the handler or ``finally`` copy its ``exc``
edge leads to, else the raise node.

``finally`` bodies are copied once per way out (normal, return, raise, break,
continue) so that no path enters a ``finally`` one way and leaves it another:
such infeasible paths would otherwise show up as missing checks.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from minlint.facts.names import all_params

NodeKind = Literal["entry", "exit", "raise", "stmt", "test", "assert", "for", "with", "case", "return", "def"]
Label = Literal["next", "true", "false", "exc", "jump"]
Edge = tuple[int, Label]  # (source node id, label)

ENTRY, EXIT, RAISE = 0, 1, 2


@dataclass
class Node:
    id: int
    kind: NodeKind
    stmt: cst.CSTNode | None = None  # the statement (or atom) this node stands for
    exprs: tuple[cst.CSTNode, ...] = ()  # what is evaluated when the node runs
    succ: list[tuple[int, Label]] = field(default_factory=list)


@dataclass
class CFG:
    nodes: list[Node]
    node_of: dict[int, int]  # id(cst node) -> CFG node, for statements and test atoms
    calls: dict[int, cst.Call] = field(default_factory=dict)  # candidate exits: node -> its statement-level call

    def with_exits(self, exits: Iterable[int]) -> CFG:
        """This graph with the calls at *exits* (nodes of ``calls``) taken to
        never return: their normal edge is gone and a ``jump`` leads where an
        exception from them would go. Nodes not changed are shared."""
        nodes = list(self.nodes)
        for n in exits:
            node = nodes[n]
            raised = [t for t, label in node.succ if label == "exc"] or [RAISE]
            succ: list[tuple[int, Label]] = [(t, label) for t, label in node.succ if label == "exc"]
            succ += [(t, "jump") for t in raised]
            nodes[n] = Node(node.id, node.kind, node.stmt, node.exprs, succ)
        return CFG(nodes, self.node_of, self.calls)

    def preds(self) -> dict[int, list[tuple[int, Label]]]:
        out: dict[int, list[tuple[int, Label]]] = {n.id: [] for n in self.nodes}
        for n in self.nodes:
            for t, label in n.succ:
                out[t].append((n.id, label))
        return out

    def reachable(
        self,
        start: int,
        *,
        blocked_edges: frozenset[Edge] | set[Edge] = frozenset(),
        blocked_nodes: frozenset[int] | set[int] = frozenset(),
        labels: Callable[[Label], bool] | None = None,
    ) -> dict[int, Edge | None]:
        """Breadth-first reach from *start*: node -> (parent, label) of the first edge found."""
        seen: dict[int, Edge | None] = {start: None}
        queue = deque([start])
        while queue:
            n = queue.popleft()
            if n != start and n in blocked_nodes:
                continue
            for t, label in self.nodes[n].succ:
                if t in seen or (n, label) in blocked_edges:
                    continue
                if labels is not None and not labels(label):
                    continue
                seen[t] = (n, label)
                queue.append(t)
        return seen

    def reaching(self, target: int) -> set[int]:
        """The nodes from which *target* can be reached (itself included)."""
        preds = self.preds()
        seen = {target}
        queue = deque([target])
        while queue:
            for p, _ in preds[queue.popleft()]:
                if p not in seen:
                    seen.add(p)
                    queue.append(p)
        return seen

    @staticmethod
    def path_to(seen: dict[int, Edge | None], target: int) -> list[Edge]:
        """The edges of the path the search found from its start to *target*."""
        path: list[Edge] = []
        cur = target
        while (step := seen.get(cur)) is not None:
            path.append(step)
            cur = step[0]
        path.reverse()
        return path


def constant_truth(expr: cst.BaseExpression) -> bool | None:
    """True/False for tests whose value is known (``while True``, ``if 0``)."""
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.value, 0) != 0
        except ValueError:
            return None
    return None


@dataclass(eq=False)
class _Frame:
    kind: Literal["loop", "try", "finally", "suppress"]
    # loop
    head: int = -1
    breaks: list[Edge] = field(default_factory=list)
    # try: where exceptions from the body go
    exc_target: int = -1
    # finally: the statements to replay on every way out
    final_body: cst.BaseSuite | None = None


class _Builder:
    def __init__(self, swallows: Callable[[cst.BaseExpression], bool]) -> None:
        self.nodes: list[Node] = [Node(ENTRY, "entry"), Node(EXIT, "exit"), Node(RAISE, "raise")]
        self.node_of: dict[int, int] = {}
        self.calls: dict[int, cst.Call] = {}
        self.pending: list[Edge] = [(ENTRY, "next")]
        self.frames: list[_Frame] = []
        self.swallows = swallows

    # -- primitives -------------------------------------------------------
    def new(self, kind: NodeKind, stmt: cst.CSTNode | None, exprs: tuple[cst.CSTNode, ...] = ()) -> int:
        node = Node(len(self.nodes), kind, stmt, exprs)
        self.nodes.append(node)
        if stmt is not None:
            self.node_of.setdefault(id(stmt), node.id)
        return node.id

    def link(self, edges: Iterable[Edge], target: int) -> None:
        for src, label in edges:
            if (target, label) not in self.nodes[src].succ:
                self.nodes[src].succ.append((target, label))

    def add(self, kind: NodeKind, stmt: cst.CSTNode | None, exprs: tuple[cst.CSTNode, ...] = ()) -> int:
        n = self.new(kind, stmt, exprs)
        self.link(self.pending, n)
        self.pending = [(n, "next")]
        if not _cannot_raise(stmt):
            self.add_exc_edge(n)
        return n

    def add_exc_edge(self, n: int) -> None:
        for frame in reversed(self.frames):
            if frame.kind in ("try", "suppress"):
                self.link([(n, "exc")], frame.exc_target)
                return
            if frame.kind == "finally":
                # An exception inside try/finally without handlers still runs
                # the finally body; its copy for the raise way out is made once.
                self.link([(n, "exc")], self.finally_raise_copy(frame))
                return

    # -- abrupt ways out ----------------------------------------------------
    def jump(self, edges: list[Edge], kind: Literal["return", "raise", "break", "continue"]) -> None:
        """Route *edges* out through every enclosing ``finally`` to the target of *kind*."""
        for i in range(len(self.frames) - 1, -1, -1):
            frame = self.frames[i]
            if frame.kind == "loop" and kind in ("break", "continue"):
                if kind == "break":
                    frame.breaks.extend(edges)
                else:
                    self.link(edges, frame.head)
                return
            if kind == "raise" and frame.kind in ("try", "suppress"):
                self.link(edges, frame.exc_target)
                return
            if frame.kind == "finally":
                edges = self.replay_finally(frame, edges, i)
        self.link(edges, EXIT if kind == "return" else RAISE)

    def replay_finally(self, frame: _Frame, edges: list[Edge], depth: int) -> list[Edge]:
        saved_pending, saved_frames = self.pending, self.frames
        self.pending, self.frames = edges, self.frames[:depth]
        if frame.final_body is not None:
            self.block(frame.final_body)
        out = self.pending
        self.pending, self.frames = saved_pending, saved_frames
        return out

    def finally_raise_copy(self, frame: _Frame) -> int:
        if frame.exc_target < 0:
            depth = next(i for i, f in enumerate(self.frames) if f is frame)
            entry = self.new("stmt", None)  # the copy's entry: exceptions land here
            frame.exc_target = entry
            out = self.replay_finally(frame, [(entry, "next")], depth)
            saved = self.frames
            self.frames = self.frames[:depth]
            self.jump(out, "raise")
            self.frames = saved
        return frame.exc_target

    # -- tests ------------------------------------------------------------
    def test(self, expr: cst.BaseExpression, kind: Literal["test", "assert"] = "test") -> tuple[list[Edge], list[Edge]]:
        """Decompose a test; returns (edges taken when truthy, edges taken when falsy)."""
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
            t, f = self.test(expr.expression, kind)
            return f, t
        if isinstance(expr, cst.BooleanOperation):
            lt, lf = self.test(expr.left, kind)
            if isinstance(expr.operator, cst.And):
                self.pending = lt
                rt, rf = self.test(expr.right, kind)
                return rt, lf + rf
            self.pending = lf
            rt, rf = self.test(expr.right, kind)
            return lt + rt, rf
        known = constant_truth(expr)
        n = self.new(kind, expr, (expr,))
        self.link(self.pending, n)
        self.add_exc_edge(n)
        if known is True:
            return [(n, "true")], []
        if known is False:
            return [], [(n, "false")]
        return [(n, "true")], [(n, "false")]

    # -- statements -------------------------------------------------------
    def block(self, stmts: Iterable[cst.BaseStatement] | cst.BaseSuite) -> None:
        if isinstance(stmts, cst.SimpleStatementSuite):
            for small in stmts.body:
                self.small(small)
            return
        if isinstance(stmts, cst.IndentedBlock):
            stmts = stmts.body
        for stmt in stmts:  # type: ignore[union-attr]
            self.statement(stmt)

    def statement(self, stmt: cst.BaseStatement) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.small(small)
        elif isinstance(stmt, cst.If):
            self.if_(stmt)
        elif isinstance(stmt, cst.While):
            self.while_(stmt)
        elif isinstance(stmt, cst.For):
            self.for_(stmt)
        elif isinstance(stmt, (cst.Try, cst.TryStar)):
            self.try_(stmt.body, stmt.handlers, stmt.orelse, stmt.finalbody)
        elif isinstance(stmt, cst.With):
            self.with_(stmt)
        elif isinstance(stmt, cst.Match):
            self.match_(stmt)
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            # The body is another scope; decorators and defaults run here.
            exprs: tuple[cst.CSTNode, ...] = tuple(d.decorator for d in stmt.decorators)
            if isinstance(stmt, cst.FunctionDef):
                exprs += tuple(p.default for p in all_params(stmt.params) if p.default is not None)
            self.add("def", stmt, exprs)
        else:  # pragma: no cover - libcst has no other statement kinds
            self.add("stmt", stmt, (stmt,))

    def small(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.Return):
            n = self.add("return", small, (small.value,) if small.value is not None else ())
            self.pending = []
            self.jump([(n, "next")], "return")
        elif isinstance(small, cst.Raise):
            n = self.add("stmt", small, (small,))
            self.pending = []
            self.jump([(n, "jump")], "raise")
        elif isinstance(small, cst.Break):
            n = self.add("stmt", small)
            self.pending = []
            self.jump([(n, "next")], "break")
        elif isinstance(small, cst.Continue):
            n = self.add("stmt", small)
            self.pending = []
            self.jump([(n, "next")], "continue")
        elif isinstance(small, cst.Assert):
            t, f = self.test(small.test, "assert")
            fail = self.new("stmt", None)
            self.link(f, fail)
            self.pending = t
            self.jump([(fail, "jump")], "raise")
            self.node_of.setdefault(id(small), self.node_of.get(id(small.test), fail))
        elif isinstance(small, cst.Expr) and isinstance(small.value, (cst.BooleanOperation, cst.IfExp)):
            self.branching(small.value)
        else:
            n = self.add("stmt", small, (small,))
            call = _statement_call(small)
            if call is not None:
                self.calls[n] = call  # a candidate exit: see CFG.with_exits

    def branching(self, expr: cst.BooleanOperation | cst.IfExp) -> None:
        """An expression statement that branches (``P or deny(r)``, ``check(o) if urgent else None``):
        its operands are a test and arms, as an ``if`` statement's are (issue 21's control inventory)."""
        if isinstance(expr, cst.BooleanOperation):
            t, f = self.test(expr.left)
            conjunction = isinstance(expr.operator, cst.And)
            self.pending = t if conjunction else f  # the right operand runs only on this side
            self.arm(expr.right)
            self.pending = (f if conjunction else t) + self.pending
            return
        t, f = self.test(expr.test)
        self.pending = t
        self.arm(expr.body)
        after = self.pending
        self.pending = f
        self.arm(expr.orelse)
        self.pending = after + self.pending

    def arm(self, expr: cst.BaseExpression) -> None:
        """One arm of a branching expression statement: a statement of its own (a call in it may be an exit)."""
        if isinstance(expr, (cst.BooleanOperation, cst.IfExp)):
            self.branching(expr)
            return
        n = self.add("stmt", expr, (expr,))
        call = statement_call(expr)
        if call is not None:
            self.calls[n] = call

    def if_(self, stmt: cst.If) -> None:
        t, f = self.test(stmt.test)
        self.pending = t
        self.block(stmt.body)
        after = self.pending
        self.pending = f
        if isinstance(stmt.orelse, cst.If):
            self.if_(stmt.orelse)
        elif isinstance(stmt.orelse, cst.Else):
            self.block(stmt.orelse.body)
        self.pending = after + self.pending

    def while_(self, stmt: cst.While) -> None:
        head = self.new("stmt", None)  # loop head: where continue lands
        self.link(self.pending, head)
        self.pending = [(head, "next")]
        t, f = self.test(stmt.test)
        frame = _Frame("loop", head=head)
        self.frames.append(frame)
        self.pending = t
        self.block(stmt.body)
        self.link(self.pending, head)
        self.frames.pop()
        self.pending = f
        if stmt.orelse is not None:
            self.block(stmt.orelse.body)
        self.pending = self.pending + frame.breaks

    def for_(self, stmt: cst.For) -> None:
        head = self.add("for", stmt, (stmt.iter, stmt.target))
        frame = _Frame("loop", head=head)
        self.frames.append(frame)
        self.pending = [(head, "true")]
        self.block(stmt.body)
        self.link(self.pending, head)
        self.frames.pop()
        self.pending = [(head, "false")]
        if stmt.orelse is not None:
            self.block(stmt.orelse.body)
        self.pending = self.pending + frame.breaks

    def try_(
        self,
        body: cst.BaseSuite,
        handlers: Iterable[cst.ExceptHandler | cst.ExceptStarHandler],
        orelse: cst.Else | None,
        finalbody: cst.Finally | None,
    ) -> None:
        fin = _Frame("finally", final_body=finalbody.body) if finalbody is not None else None
        if fin is not None:
            self.frames.append(fin)
        handlers = list(handlers)
        dispatch = self.new("stmt", None) if handlers else -1
        if handlers:
            self.frames.append(_Frame("try", exc_target=dispatch))
        self.block(body)
        if handlers:
            self.frames.pop()
        if orelse is not None:
            self.block(orelse.body)
        after = self.pending
        catch_all = False
        for h in handlers:
            self.pending = [(dispatch, "exc")]
            if h.type is None or (isinstance(h.type, cst.Name) and h.type.value == "BaseException"):
                catch_all = True
            # entering a handler raises nothing new: no exception edge here
            n = self.new("stmt", h, (h.type,) if h.type is not None else ())
            self.link(self.pending, n)
            self.pending = [(n, "next")]
            self.block(h.body)
            after = after + self.pending
        if handlers and not catch_all:
            self.jump([(dispatch, "exc")], "raise")
        if fin is not None:
            self.frames.pop()
            self.pending = after
            if fin.final_body is not None:
                self.block(fin.final_body)
        else:
            self.pending = after

    def with_(self, stmt: cst.With) -> None:
        self.add("with", stmt, tuple(item.item for item in stmt.items) + tuple(
            item.asname.name for item in stmt.items if item.asname is not None))
        swallows = any(self.swallows(item.item) for item in stmt.items)
        if swallows:
            out = self.new("stmt", None)
            self.frames.append(_Frame("suppress", exc_target=out))
            self.block(stmt.body)
            self.frames.pop()
            self.pending = [*self.pending, (out, "next")]
        else:
            self.block(stmt.body)

    def match_(self, stmt: cst.Match) -> None:
        self.add("stmt", stmt, (stmt.subject,))
        after: list[Edge] = []
        for case in stmt.cases:
            irrefutable = isinstance(case.pattern, cst.MatchAs) and case.pattern.pattern is None
            n = self.add("case", case, (case.pattern,))
            taken: list[Edge] = [(n, "true")]
            missed: list[Edge] = [] if irrefutable and case.guard is None else [(n, "false")]
            if case.guard is not None:
                self.pending = taken
                taken, guard_false = self.test(case.guard)
                missed = missed + guard_false
            self.pending = taken
            self.block(case.body)
            after = after + self.pending
            self.pending = missed
        self.pending = after + self.pending


def _cannot_raise(stmt: cst.CSTNode | None) -> bool:
    """Statements that evaluate nothing: no exception edge leaves them."""
    if isinstance(stmt, cst.Return):
        return stmt.value is None
    return isinstance(stmt, (cst.Pass, cst.Break, cst.Continue, cst.Global, cst.Nonlocal))


def _statement_call(small: cst.BaseSmallStatement) -> cst.Call | None:
    """The call a statement consists of (``f(x)``, ``await f(x)``), if any."""
    if isinstance(small, cst.Expr):
        value = small.value
        if isinstance(value, cst.Await):
            value = value.expression
        if isinstance(value, cst.Call):
            return value
    return None


def statement_call(small: cst.CSTNode) -> cst.Call | None:
    """The call at statement level: ``f(x)``, ``await f(x)`` or ``y = f(x)``; or an arm of a branching
    expression statement (``P or deny(r)``: the node of ``deny(r)`` is the call itself)."""
    if isinstance(small, cst.Await):
        small = small.expression
    if isinstance(small, cst.Call):
        return small
    if isinstance(small, cst.Expr):
        return _statement_call(small)
    if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)) and small.value is not None:
        value = small.value
        if isinstance(value, cst.Await):
            value = value.expression
        return value if isinstance(value, cst.Call) else None
    return None


def _swallows_exceptions(item: cst.BaseExpression) -> bool:
    """``with suppress(...)``: the body's exceptions continue after the block."""
    if isinstance(item, cst.Call):
        func = item.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        return name == "suppress"
    return False


def build_cfg(
    body: cst.BaseSuite | Iterable[cst.BaseStatement],
    swallows: Callable[[cst.BaseExpression], bool] | None = None,
) -> CFG:
    """The graph of a function body (or a module's top level), with no call
    taken to never return (see ``CFG.with_exits``). *swallows* says which
    ``with`` items swallow the exceptions of their body (default: a call
    named ``suppress``)."""
    b = _Builder(swallows or _swallows_exceptions)
    b.block(body)
    b.link(b.pending, EXIT)  # falling off the end returns None
    return CFG(b.nodes, b.node_of, b.calls)
