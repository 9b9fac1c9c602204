"""Property: the control-flow graph's verdict on the court-order check agrees
with a brute-force interpretation of every path.

Hypothesis writes small disclosure functions from the statements the CFG
handles (checks, predicate branches, if/else, while/for with break and
continue, try/except/finally, return, raise). The oracle runs the same text,
parsed by Python's own ``ast`` (not libcst, not the CFG), with an exact
collecting semantics: the only state is "has the court order been checked",
every condition can go either way, a check can fail by raising, and inside a
``try`` any statement can raise. Loops run to a fixpoint, so every path is
covered. A disclosure is unchecked when some execution reaches it with the
state still false; minlint must report MIN201 exactly there.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from tests.support import run_case

Out = dict[str, frozenset[bool]]  # signal -> states: normal, break, continue, return, raise


# -- programs ------------------------------------------------------------------
@dataclass(frozen=True)
class Stmt:
    kind: str
    body: tuple[Stmt, ...] = ()
    orelse: tuple[Stmt, ...] = ()
    handlers: tuple[str, ...] = ()  # "E" (may catch) or "" (bare: catches all)
    final: tuple[Stmt, ...] = ()
    cond: str = ""


SIMPLE_IN_LOOP = ["check", "disclose", "pass", "raise", "return", "break", "continue"]
SIMPLE = ["check", "disclose", "pass", "raise", "return"]
CONDS = ["c()", "court_order_verified(r)", "not court_order_verified(r)"]


def blocks(depth: int, in_loop: bool, in_finally: bool = False) -> st.SearchStrategy[tuple[Stmt, ...]]:
    simple = SIMPLE_IN_LOOP if in_loop and not in_finally else SIMPLE
    if in_finally:  # no jumps out of a finally: keep to what reads as ordinary code
        simple = ["check", "disclose", "pass"]
    leaf = st.sampled_from(simple).map(lambda k: Stmt(k))
    if depth == 0:
        return st.lists(leaf, min_size=1, max_size=3).map(tuple)
    inner = blocks(depth - 1, in_loop, in_finally)
    loop_inner = blocks(depth - 1, True, in_finally)
    compound = st.one_of(
        st.builds(lambda c, b, o: Stmt("if", b, o, cond=c), st.sampled_from(CONDS), inner,
                  st.one_of(st.just(()), inner)),
        st.builds(lambda c, b: Stmt("while", b, cond=c), st.sampled_from(["c()", "True"]), loop_inner),
        st.builds(lambda b: Stmt("for", b), loop_inner),
        st.builds(lambda b, h, hb, f: Stmt("try", b, hb, h, f), inner,
                  # a bare `except:` must come last, and only once
                  st.lists(st.sampled_from(["E", ""]), min_size=0, max_size=2, unique=True).map(
                      lambda hs: tuple(sorted(hs, key=lambda h: h == ""))), inner,
                  st.one_of(st.just(()), blocks(depth - 1, in_loop, True))).filter(
            lambda s: bool(s.handlers) or bool(s.final)),
    )
    return st.lists(st.one_of(leaf, compound), min_size=1, max_size=3).map(tuple)


def render(stmts: tuple[Stmt, ...], indent: int, counter: list[int]) -> list[str]:
    pad = "    " * indent
    out: list[str] = []
    for s in stmts:
        if s.kind == "check":
            out.append(f"{pad}verify_court_order(r)")
        elif s.kind == "disclose":
            counter[0] += 1
            out.append(f"{pad}disclose(ip{counter[0]})")
        elif s.kind == "raise":
            out.append(f"{pad}raise E()")
        elif s.kind in ("pass", "return", "break", "continue"):
            out.append(f"{pad}{s.kind}")
        elif s.kind == "if":
            out.append(f"{pad}if {s.cond}:")
            out += render(s.body, indent + 1, counter)
            if s.orelse:
                out.append(f"{pad}else:")
                out += render(s.orelse, indent + 1, counter)
        elif s.kind == "while":
            out.append(f"{pad}while {s.cond}:")
            out += render(s.body, indent + 1, counter)
        elif s.kind == "for":
            out.append(f"{pad}for _ in xs:")
            out += render(s.body, indent + 1, counter)
        elif s.kind == "try":
            out.append(f"{pad}try:")
            out += render(s.body, indent + 1, counter)
            for h in s.handlers:
                out.append(f"{pad}except {h}:" if h else f"{pad}except:")
                out += render(s.orelse, indent + 1, counter)
            if s.final:
                out.append(f"{pad}finally:")
                out += render(s.final, indent + 1, counter)
    return out


def program(body: tuple[Stmt, ...]) -> str:
    lines = render(body, 1, [0])
    return "@disclosure\ndef handler(r, xs, " + ", ".join(f"ip{i}" for i in range(1, 60)) + "):\n" + "\n".join(lines) + "\n"


# -- the oracle -------------------------------------------------------------------
class Oracle:
    """Collecting semantics over ``ast``: which disclosures some execution
    reaches before the court order is checked."""

    def __init__(self) -> None:
        self.unchecked: set[int] = set()

    def block(self, stmts: list[ast.stmt], states: frozenset[bool], in_try: bool) -> Out:
        out: dict[str, set[bool]] = {}
        current = set(states)
        for stmt in stmts:
            if not current:
                break
            result = self.stmt(stmt, frozenset(current), in_try)
            current = set(result.get("normal", frozenset()))
            for signal, s in result.items():
                if signal != "normal":
                    out.setdefault(signal, set()).update(s)
        if current:
            out.setdefault("normal", set()).update(current)
        return {k: frozenset(v) for k, v in out.items()}

    def stmt(self, node: ast.stmt, states: frozenset[bool], in_try: bool) -> Out:
        may_raise: Out = {"raise": states} if in_try else {}
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            name = node.value.func.id  # type: ignore[attr-defined]
            if name == "verify_court_order":
                return {"normal": frozenset({True}), "raise": states}
            if name == "disclose" and False in states:
                self.unchecked.add(node.lineno)
            return {"normal": states, **may_raise}
        if isinstance(node, ast.Pass):
            return {"normal": states}  # evaluates nothing: cannot raise
        if isinstance(node, ast.Raise):
            return {"raise": states}
        if isinstance(node, ast.Return):
            return {"return": states}
        if isinstance(node, ast.Break):
            return {"break": states}
        if isinstance(node, ast.Continue):
            return {"continue": states}
        if isinstance(node, ast.If):
            yes, no = self.condition(node.test, states)
            return merge(may_raise, self.block(node.body, yes, in_try), self.block(node.orelse, no, in_try))
        if isinstance(node, (ast.While, ast.For)):
            return self.loop(node, states, in_try)
        if isinstance(node, ast.Try):
            return self.try_(node, states, in_try)
        raise AssertionError(ast.dump(node))

    def condition(self, test: ast.expr, states: frozenset[bool]) -> tuple[frozenset[bool], frozenset[bool]]:
        checked = frozenset({True}) if states else frozenset()
        if isinstance(test, ast.Call) and test.func.id == "court_order_verified":  # type: ignore[attr-defined]
            return checked, states
        if isinstance(test, ast.UnaryOp):
            return states, checked
        return states, states

    def loop(self, node: ast.While | ast.For, states: frozenset[bool], in_try: bool) -> Out:
        forever = isinstance(node, ast.While) and isinstance(node.test, ast.Constant)
        head: set[bool] = set(states)
        out: dict[str, set[bool]] = {}
        while True:  # to a fixpoint: the head's states only grow, over a finite set
            if in_try:
                out.setdefault("raise", set()).update(head)
            if not forever:
                out.setdefault("normal", set()).update(head)
            body = self.block(node.body, frozenset(head), in_try)
            again = set(body.get("normal", ())) | set(body.get("continue", ()))
            out.setdefault("normal", set()).update(body.get("break", ()))
            for signal in ("return", "raise"):
                out.setdefault(signal, set()).update(body.get(signal, ()))
            if again <= head:
                break
            head |= again
        return {k: frozenset(v) for k, v in out.items() if v}

    def try_(self, node: ast.Try, states: frozenset[bool], in_try: bool) -> Out:
        inner_try = in_try or bool(node.finalbody)
        body = self.block(node.body, states, True)
        results: dict[str, set[bool]] = {k: set(v) for k, v in body.items() if k != "raise"}
        raised = body.get("raise", frozenset())
        catch_all = any(h.type is None for h in node.handlers)
        if raised and not catch_all:
            results.setdefault("raise", set()).update(raised)
        for h in node.handlers:
            if raised:
                for signal, s in self.block(h.body, raised, inner_try).items():
                    results.setdefault(signal, set()).update(s)
        if not node.finalbody:
            return {k: frozenset(v) for k, v in results.items() if v}
        out: dict[str, set[bool]] = {}
        for signal, s in results.items():
            if not s:
                continue
            final = self.block(node.finalbody, frozenset(s), in_try)
            for fsig, fs in final.items():
                out.setdefault(signal if fsig == "normal" else fsig, set()).update(fs)
        return {k: frozenset(v) for k, v in out.items() if v}


def merge(*outs: Out) -> Out:
    merged: dict[str, set[bool]] = {}
    for out in outs:
        for k, v in out.items():
            merged.setdefault(k, set()).update(v)
    return {k: frozenset(v) for k, v in merged.items()}


def oracle(text: str) -> set[int]:
    fn = ast.parse(text).body[0]
    assert isinstance(fn, ast.FunctionDef)
    o = Oracle()
    o.block(fn.body, frozenset({False}), False)
    return o.unchecked


# -- the property -------------------------------------------------------------------
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(body=blocks(2, False))
def test_cfg_verdict_matches_every_path(tmp_path: Path, body: tuple[Stmt, ...]) -> None:
    text = program(body)
    found = {line for line, code in run_case(tmp_path, text, ("MIN201",)) if code == "MIN201"}
    assert found == oracle(text), text


def test_oracle_sees_the_classic_cases() -> None:
    """The oracle itself, on cases whose answer is known."""
    swallowed = program((Stmt("try", (Stmt("check"),), (Stmt("pass"),), ("",)), Stmt("disclose")))
    assert oracle(swallowed) == {7}
    guarded = program((Stmt("if", (Stmt("return"),), cond="not court_order_verified(r)"), Stmt("disclose")))
    assert oracle(guarded) == set()
    in_loop = program((Stmt("for", (Stmt("if", (Stmt("continue"),), cond="not court_order_verified(r)"),
                                    Stmt("disclose"))),))
    assert oracle(in_loop) == set()
    after_loop = program((Stmt("for", (Stmt("check"),)), Stmt("disclose")))
    assert oracle(after_loop) == {5}


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(body=blocks(3, False))
def test_cfg_verdict_matches_every_path_long(tmp_path: Path, body: tuple[Stmt, ...]) -> None:
    """The long run, by hand: ``pytest -m slow tests/test_cfg_property.py``."""
    text = program(body)
    found = {line for line, code in run_case(tmp_path, text, ("MIN201",)) if code == "MIN201"}
    assert found == oracle(text), text
