"""Whether calling a function of the checked code runs its body (issue 21).

A check made inside a helper holds after a call of the helper only if the
call runs the helper's body: calling a generator function builds a generator
(the body runs when it is iterated, maybe never), and calling an ``async``
function without ``await`` builds a coroutine (the body runs when it is
awaited, maybe never; Python warns "coroutine ... was never awaited").
"""

from __future__ import annotations

import libcst as cst

from minlint.facts.module import Function
from minlint.parse.nodes import children

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def is_generator(node: cst.FunctionDef) -> bool:
    """A ``yield`` in the function's own scope (not in a nested def, class or lambda)."""
    stack: list[cst.CSTNode] = [node.body]
    while stack:
        cur = stack.pop()
        if isinstance(cur, cst.Yield):
            return True
        if not isinstance(cur, _SCOPES):
            stack.extend(children(cur))
    return False


def awaited(statement: cst.CSTNode) -> bool:
    """``await f(x)`` or ``y = await f(x)`` at statement level (or an arm ``await f(x)``)."""
    value = getattr(statement, "value", None)
    return isinstance(statement, cst.Await) or isinstance(value, cst.Await)


def body_runs(helper: Function, statement: cst.CSTNode) -> bool:
    """Does the statement-level call of *helper* in *statement* run the helper's body?"""
    node = helper.node
    if node is None:
        return True
    if node.asynchronous is not None and not awaited(statement):
        return False
    return not is_generator(node)
