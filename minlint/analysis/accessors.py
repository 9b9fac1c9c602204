"""The standard library's ways of reading one attribute or key (issue 21).

``getattr(o, "k")`` and ``o["k"]`` are in the payload rules themselves; this
module recognises the other spellings the standard library offers for the
same read, so that a constant name is the field (MIN101) and not an unknown
object (MIN103):

* ``operator.getitem(o, k)``, ``object.__getattribute__(o, k)``,
  ``o.__getattribute__(k)``, ``o.__getattr__(k)``, ``o.__getitem__(k)``;
* ``operator.attrgetter(*names)(o)`` (a dotted name reads its last
  attribute), ``operator.itemgetter(*keys)(o)``,
  ``operator.methodcaller("get" | "__getitem__" | "__getattribute__", k)(o)``;
* ``functools.partial(getattr | operator.getitem | object.__getattribute__,
  *a)(*b)``: the read with ``a + b`` as its arguments.

Recognition only: which names are constants, and what that exports, is the
payload's business (analysis/payload.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from minlint.facts.names import Imports, known_names, string_value

# Functions whose first argument is the object and second the name or key.
READ_FUNCTIONS = frozenset({"getattr", "builtins.getattr", "operator.getitem", "getitem",
                            "object.__getattribute__", "builtins.object.__getattribute__"})
# Methods that read the attribute or key named by their (first) argument.
READ_METHODS = frozenset({"__getattribute__", "__getattr__", "__getitem__"})
# The getters of the operator module: a callable made from the names, applied to the object.
GETTERS = {"operator.attrgetter": "attribute", "attrgetter": "attribute",
           "operator.itemgetter": "key", "itemgetter": "key"}
METHODCALLERS = frozenset({"operator.methodcaller", "methodcaller"})
CALLED_READS = frozenset({"get", "__getitem__", "__getattribute__", "__getattr__", "pop"})
PARTIALS = frozenset({"functools.partial", "partial"})


@dataclass(frozen=True)
class Access:
    """A read of ``obj``'s attributes or keys named by ``keys`` (expressions, constant or not)."""

    obj: cst.BaseExpression | None
    keys: tuple[cst.BaseExpression, ...]
    dotted: bool = False  # attrgetter("profile.email"): a name may be a path, the field is its last name


def _positional(call: cst.Call) -> list[cst.BaseExpression] | None:
    """The positional arguments, or None when a ``*args``/``**kwargs`` makes them unknown."""
    if any(a.star for a in call.args):
        return None
    return [a.value for a in call.args if a.keyword is None]


def _names(expr: cst.BaseExpression, imports: Imports) -> frozenset[str]:
    return frozenset(known_names(expr, imports))


def accessor(call: cst.Call, imports: Imports) -> Access | None:
    """The read *call* makes, when it is one of the standard library's spellings of ``o.k`` or ``o[k]``."""
    args = _positional(call)
    if args is None:
        return None
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in READ_METHODS:
        if isinstance(func.value, cst.Name) and func.value.value in ("object", "type"):
            # object.__getattribute__(o, "k"); type(o) is not a Name, so `type.__getattribute__` only
            return Access(args[0], (args[1],)) if len(args) >= 2 else None
        return Access(func.value, (args[0],)) if args else None
    if not isinstance(func, cst.Call):
        if _names(func, imports) & READ_FUNCTIONS and "getattr" not in _names(func, imports) and len(args) >= 2:
            return Access(args[0], (args[1],))  # getattr itself is the payload's own rule
        return None
    inner = _positional(func)
    if inner is None:
        return None
    names = _names(func.func, imports)
    getter = next((GETTERS[n] for n in sorted(names & GETTERS.keys())), None)
    if getter is not None:
        return Access(args[0] if args else None, tuple(inner), dotted=getter == "attribute")
    if names & METHODCALLERS and len(inner) >= 2:
        if string_value(inner[0]) in CALLED_READS:
            return Access(args[0] if args else None, (inner[1],))
        return None
    if names & PARTIALS and inner:
        bound = _names(inner[0], imports)
        combined = [*inner[1:], *args]
        if bound & READ_FUNCTIONS and len(combined) >= 2:
            return Access(combined[0], (combined[1],))
    return None
