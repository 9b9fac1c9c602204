"""Reaching definitions: which assignments and mutations of a name reach a
node of a function's control-flow graph (SPEC 2.2, "a local name").

A definition is an assignment (``p = {...}``), an element of what a ``for``
or an unpacking binds, a parameter, or a mutation of the object a name holds
(``p["k"] = v``, ``p.update(...)``, ``setattr(p, "k", v)``): mutations do not
kill what the name held before, assignments do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from minlint.facts.cfg import CFG, ENTRY
from minlint.facts.module import Function
from minlint.facts.names import dotted, string_value
from minlint.parse.nodes import children

MUTATING_METHODS = {"append", "add", "extend", "insert", "appendleft", "extendleft"}

DefKind = Literal["assign", "mutate", "element", "param"]


@dataclass(frozen=True)
class Def:
    name: str
    kind: DefKind
    node: int  # CFG node
    value: cst.BaseExpression | None = None
    key: str | None = None  # mutate: the key written, if constant
    key_node: cst.CSTNode | None = None


@dataclass
class Defs:
    """Reaching definitions of one function: which assignments and mutations reach each node."""

    defs: list[Def]
    reach_in: dict[int, int]  # node -> bit set of def indexes reaching its entry
    by_name: dict[str, int] = field(default_factory=dict)  # name -> bit set of its defs

    def reaching(self, name: str, node: int) -> list[Def]:
        bits = self.reach_in.get(node, 0) & self.by_name.get(name, 0)
        return [d for i, d in enumerate(self.defs) if bits >> i & 1]

    def all_of(self, name: str) -> list[Def]:
        bits = self.by_name.get(name, 0)
        return [d for i, d in enumerate(self.defs) if bits >> i & 1]


def bound_targets(target: cst.BaseExpression) -> list[tuple[cst.Name, int | None]]:
    """Names bound by an assignment target, with their index in a tuple target."""
    if isinstance(target, cst.Name):
        return [(target, None)]
    if isinstance(target, (cst.Tuple, cst.List)):
        out: list[tuple[cst.Name, int | None]] = []
        for i, el in enumerate(target.elements):
            inner = el.value
            for name, _ in bound_targets(inner):
                out.append((name, i if isinstance(inner, cst.Name) else None))
        return out
    return []


def _node_defs(node_id: int, kind: str, stmt: cst.CSTNode | None, exprs: Iterable[cst.CSTNode]) -> list[Def]:
    out: list[Def] = []
    if kind == "for" and isinstance(stmt, cst.For):
        for name, _ in bound_targets(stmt.target):
            out.append(Def(name.value, "element", node_id, stmt.iter))
    elif kind == "with" and isinstance(stmt, cst.With):
        for item in stmt.items:
            if item.asname is not None:
                for name, _ in bound_targets(item.asname.name):  # type: ignore[arg-type]
                    out.append(Def(name.value, "assign", node_id, item.item))
    elif isinstance(stmt, (cst.Assign, cst.AnnAssign, cst.AugAssign)) and stmt.value is not None:
        value = stmt.value
        targets = [t.target for t in stmt.targets] if isinstance(stmt, cst.Assign) else [stmt.target]
        for target in targets:
            if isinstance(target, cst.Name):
                out.append(Def(target.value, "mutate" if isinstance(stmt, cst.AugAssign) else "assign",
                               node_id, value))
            elif isinstance(target, (cst.Tuple, cst.List)):
                values = value.elements if isinstance(value, (cst.Tuple, cst.List)) else None
                for name, index in bound_targets(target):
                    if values is not None and index is not None and index < len(values):
                        out.append(Def(name.value, "assign", node_id, values[index].value))
                    else:
                        out.append(Def(name.value, "element", node_id, value))
            elif isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
                key_node = target.slice[0].slice if len(target.slice) == 1 else None
                key = string_value(key_node.value) if isinstance(key_node, cst.Index) else None
                out.append(Def(target.value.value, "mutate", node_id, value, key,
                               key_node.value if isinstance(key_node, cst.Index) and key is not None else target))
            elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
                out.append(Def(target.value.value, "mutate", node_id, value, target.attr.value, target))
            elif isinstance(target, (cst.Subscript, cst.Attribute)):
                out.extend(_nested_write(node_id, target, value))
    elif isinstance(stmt, cst.Expr):
        out.extend(_mutation_call(node_id, stmt.value))
    for expr in exprs:  # walrus targets anywhere in what the node evaluates
        stack = [expr]
        while stack:
            cur = stack.pop()
            node_type = type(cur)  # libcst's node classes are final: no ABCMeta instance checks
            if node_type is cst.NamedExpr and type(cur.target) is cst.Name:  # type: ignore[attr-defined]
                out.append(Def(cur.target.value, "assign", node_id, cur.value))  # type: ignore[attr-defined]
            if node_type is not cst.Lambda and node_type is not cst.FunctionDef:
                stack.extend(children(cur))
    return out


def _nested_write(node_id: int, target: cst.Subscript | cst.Attribute, value: cst.BaseExpression) -> list[Def]:
    """``x["a"][0]["b"] = v`` (SPEC 8.5): like ``x["a"] = [{"b": v}]`` — a
    mutation of ``x`` under every constant key on the path, the value under
    the last name; ``x.a.b = v`` writes ``b`` (``a`` is only read)."""
    path: list[tuple[str, cst.CSTNode]] = []
    last = True
    cur: cst.BaseExpression = target
    while isinstance(cur, (cst.Subscript, cst.Attribute)):
        if isinstance(cur, cst.Attribute):
            if last:
                path.append((cur.attr.value, cur))
        elif len(cur.slice) == 1 and isinstance(cur.slice[0].slice, cst.Index):
            key_value = cur.slice[0].slice.value
            key = string_value(key_value)
            if key is not None:
                path.append((key, key_value))
        last = False
        cur = cur.value
    if not isinstance(cur, cst.Name):
        return []
    if not path:  # only integer or computed keys: the value goes into the object
        return [Def(cur.value, "mutate", node_id, value)]
    innermost = path[0]
    out = [Def(cur.value, "mutate", node_id, value, innermost[0], innermost[1])]
    out.extend(Def(cur.value, "mutate", node_id, None, key, node) for key, node in path[1:])
    return out


def _mutation_call(node_id: int, value: cst.BaseExpression) -> list[Def]:
    if isinstance(value, cst.Await):
        value = value.expression
    if not isinstance(value, cst.Call):
        return []
    func, args = value.func, value.args
    callee = dotted(func) or ""
    if callee.rpartition(".")[2] in ("setattr", "setitem") and callee in ("setattr", "operator.setitem", "setitem") \
            and len(args) >= 3 and isinstance(args[0].value, cst.Name):
        key = string_value(args[1].value)
        return [Def(args[0].value.value, "mutate", node_id, args[2].value, key, args[1].value)]
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return []
    owner, method = func.value.value, func.attr.value
    if method in ("__setitem__", "__setattr__") and len(args) >= 2:
        key = string_value(args[0].value)
        return [Def(owner, "mutate", node_id, args[1].value, key, args[0].value)]
    if method == "update":
        out = []
        for arg in args:
            if arg.keyword is not None:
                out.append(Def(owner, "mutate", node_id, arg.value, arg.keyword.value, arg.keyword))
            else:
                out.append(Def(owner, "mutate", node_id, arg.value))  # a dict: its own fields
        return out
    if method == "setdefault" and args:
        key = string_value(args[0].value)
        return [Def(owner, "mutate", node_id, args[1].value if len(args) > 1 else None, key, args[0].value)]
    if method in MUTATING_METHODS and args:
        return [Def(owner, "mutate", node_id, args[-1].value)]
    return []


def reaching_definitions(fn: Function, cfg: CFG) -> Defs:
    defs: list[Def] = []
    gen: dict[int, int] = {}
    assigns_at: dict[int, set[str]] = {}
    for name in fn.params:
        defs.append(Def(name, "param", ENTRY))
    gen[ENTRY] = (1 << len(defs)) - 1
    for node in cfg.nodes:
        found = _node_defs(node.id, node.kind, node.stmt, node.exprs)
        bits = 0
        for d in found:
            bits |= 1 << len(defs)
            defs.append(d)
            if d.kind in ("assign", "element"):
                assigns_at.setdefault(node.id, set()).add(d.name)
        if bits:
            gen[node.id] = gen.get(node.id, 0) | bits
    by_name: dict[str, int] = {}
    for i, d in enumerate(defs):
        by_name[d.name] = by_name.get(d.name, 0) | 1 << i
    kill = {n: sum(by_name[name] for name in names) for n, names in assigns_at.items()}
    preds = cfg.preds()
    reach_in: dict[int, int] = {n.id: 0 for n in cfg.nodes}
    out: dict[int, int] = {n.id: gen.get(n.id, 0) for n in cfg.nodes}
    work = list(range(len(cfg.nodes)))
    while work:
        n = work.pop()
        new_in = 0
        for p, _ in preds[n]:
            new_in |= out[p]
        reach_in[n] = new_in
        new_out = gen.get(n, 0) | (new_in & ~kill.get(n, 0))
        if new_out != out[n]:
            out[n] = new_out
            work.extend(t for t, _ in cfg.nodes[n].succ)
    return Defs(defs, reach_in, by_name)
