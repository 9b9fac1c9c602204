"""One analysis of a project: the index, the policy's vocabulary, the flow
facts and the payloads, shared by every rule so each is computed once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from minlint.cfg import ENTRY
from minlint.facts import ClassFacts, Function, ModuleFacts
from minlint.flow import Flow
from minlint.index import Project
from minlint.payload import Payloads, _string
from minlint.policy import Policy, Sink
from minlint.vocab import Vocabulary, calls_in


@dataclass(frozen=True)
class Disclosure:
    fn: Function
    node: int  # CFG node of the sink call or the return
    site: cst.CSTNode  # the sink call, or the return statement: where MIN2xx/MIN301 are reported
    label: str  # "disclose()" or "the return of answer()"
    payload: tuple[cst.BaseExpression, ...]
    entry_point: bool  # inside a disclosure function: its callers do not count

    @property
    def module(self) -> ModuleFacts:
        return self.fn.module


class Analysis:
    def __init__(self, project: Project, policy: Policy) -> None:
        self.project = project
        self.policy = policy
        self.vocab = Vocabulary(policy)
        self.flow = Flow(self, self.vocab)
        self.payloads = Payloads(self)

    def callee(self, call: cst.Call, fn: Function) -> Function | ClassFacts | None:
        target = self.project.resolve(call.func, fn)
        return target if isinstance(target, (Function, ClassFacts)) else None

    def constant_strings(
        self, expr: cst.BaseExpression, fn: Function, *, single: bool = False, at: int | None = None, depth: int = 0
    ) -> tuple[str, ...] | None:
        """The strings a list/set/tuple literal or a constant holds, resolved
        through local assignments and module constants across modules."""
        if depth > 10:
            return None
        s = _string(expr)
        if s is not None:
            return (s,)
        if single:
            return None
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            out: list[str] = []
            for el in expr.elements:
                got = self.constant_strings(el.value, fn, at=at, depth=depth + 1)
                if got is None:
                    return None
                out.extend(got)
            return tuple(out)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value in (
            "frozenset", "set", "tuple", "list", "sorted",
        ) and len(expr.args) == 1:
            return self.constant_strings(expr.args[0].value, fn, at=at, depth=depth + 1)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.BitOr, cst.Add)):
            left = self.constant_strings(expr.left, fn, at=at, depth=depth + 1)
            right = self.constant_strings(expr.right, fn, at=at, depth=depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(expr, cst.Name) and at is not None and fn.node is not None:
            reaching = self.payloads.defs(fn).reaching(expr.value, at)
            if reaching:
                out = []
                for d in reaching:
                    if d.kind != "assign" or d.value is None:
                        return None
                    got = self.constant_strings(d.value, fn, at=d.node, depth=depth + 1)
                    if got is None:
                        return None
                    out.extend(got)
                return tuple(out)
        if isinstance(expr, (cst.Name, cst.Attribute)):
            target = self.project.resolve(expr, fn)
            if isinstance(target, tuple):
                module, name = target
                values = module.constants.get(name, [])
                scope = module.module_function
                if len(values) == 1 and scope is not None:
                    return self.constant_strings(values[0], scope, at=None, depth=depth + 1)
        return None

    # -- disclosures ------------------------------------------------------------
    def disclosures(self, module: ModuleFacts) -> Iterator[Disclosure]:
        scopes = [module.module_function, *module.functions.values()]
        for fn in scopes:
            if fn is None:
                continue
            entry = self.vocab.is_disclosure_function(fn)
            # the body of a sink defined in the checked code is the sink's own
            # implementation: each call of the sink is the disclosure
            implements_sink = fn.node is not None and self.vocab.defines_sink(fn)
            cfg = self.flow.flow(fn).cfg
            for node in cfg.nodes:
                for expr in node.exprs:
                    if implements_sink:
                        break
                    for call in calls_in(expr):
                        sink = self.vocab.sink(call, fn)
                        if sink is not None:
                            yield Disclosure(fn, node.id, call, f"{_callee_text(call)}()",
                                             _payload(call, sink), entry)
                if entry and node.kind == "return" and node.exprs and _discloses(node.exprs[0]):
                    value = node.exprs[0]
                    assert isinstance(value, cst.BaseExpression) and node.stmt is not None
                    yield Disclosure(fn, node.id, node.stmt, f"the return of {fn.name}()", (value,), True)

    def entry_ctx_node(self) -> int:
        return ENTRY


def _callee_text(call: cst.Call) -> str:
    from minlint.names import dotted

    return dotted(call.func) or "<call>"


def _payload(call: cst.Call, sink: Sink) -> tuple[cst.BaseExpression, ...]:
    if sink.payload is None:
        return tuple(a.value if not a.star else _Starred(a) for a in call.args)  # type: ignore[misc]
    out: list[cst.BaseExpression] = []
    positional = [a for a in call.args if a.keyword is None]
    for sel in sink.payload:
        if isinstance(sel, int):
            if sel < len(positional) and not positional[sel].star:
                out.append(positional[sel].value)
            elif any(a.star == "*" for a in positional[: sel + 1]):
                out.extend(a.value for a in positional if a.star == "*")
        else:
            out.extend(a.value for a in call.args if a.keyword is not None and a.keyword.value == sel)
            out.extend(a.value for a in call.args if a.star == "**")
    return tuple(dict.fromkeys(out))


def _Starred(arg: cst.Arg) -> cst.BaseExpression:
    """``disclose(*parts)`` exports parts; ``disclose(**kw)`` exports kw's keys."""
    if arg.star == "**":
        return cst.Dict([cst.StarredDictElement(arg.value)])
    return arg.value


def _discloses(value: cst.CSTNode) -> bool:
    """``return`` / ``return None`` / ``return <constant>`` hand nothing over."""
    if isinstance(value, cst.Name) and value.value in ("None", "True", "False"):
        return False
    return not isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float,
                                  cst.Imaginary, cst.Ellipsis))
