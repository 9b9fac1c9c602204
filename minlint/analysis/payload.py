"""What a payload expression exports (SPEC 2.2).

``Payloads.exported(expr, ctx, whole)`` returns the items an expression
hands over: named fields (checked against the policy by the field rules),
whole records (MIN102) and things that cannot be known statically (MIN103).

``whole`` says that the value of the expression itself is exported, not a
part of it: a parameter nobody passes anything to is harmless inside
``{"ip": p.ip}`` but is an unknown object when it is the payload itself.
Dict values and keyword values are named by their key, so they are
evaluated with ``whole=False``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import libcst as cst

from minlint.analysis.accessors import Access, accessor
from minlint.analysis.dataflow import Def, bound_targets
from minlint.analysis.evidence import Export, ExportKind, Through
from minlint.analysis.frameworks import selected, selected_fields, view_serializer
from minlint.analysis.resolve import Resolver
from minlint.facts.cfg import ENTRY
from minlint.facts.module import ClassFacts, Function
from minlint.facts.names import all_params, dotted, last_name, string_value
from minlint.parse.nodes import children
from minlint.parse.positions import Lazy
from minlint.policy.pack import normalise_field

WHOLE_METHODS = {"dict", "model_dump", "to_dict", "_asdict", "as_dict", "asdict", "to_json_dict", "model_dump_json", "json"}
ASDICT_FUNCS = {"asdict", "astuple", "model_to_dict", "to_dict"}
# A copy of the whole record with some fields replaced: whole unless built here (qualified names only:
# `s.replace(".", "-")` is str's)
REPLACE_FUNCS = {"dataclasses.replace", "copy.replace"}
# PEP 750 template strings (Python 3.14); libcst parses them from 1.8 on
TEMPLATED = getattr(cst, "TemplatedString", None)
ORM_METHODS = {"get", "filter", "first", "last", "all", "exclude", "get_or_create", "latest", "earliest", "one",
               "one_or_none", "scalar", "scalars", "select_related", "prefetch_related", "only", "defer"}




@dataclass(frozen=True)
class Ctx:
    fn: Function
    node: int
    env: Mapping[str, tuple[Export, ...] | tuple[str, ...]] = field(default_factory=dict)
    bindings: Mapping[str, tuple[cst.BaseExpression, Ctx]] = field(default_factory=dict)
    via: str | Lazy = ""
    through: Through = ""


class Payloads:
    def __init__(self, resolver: Resolver) -> None:
        self.a = resolver
        self.defs = resolver.defs
        self.types = resolver.types
        self._active: set[tuple[int, int, bool]] = set()

    # -- entry ------------------------------------------------------------------
    def exported(self, expr: cst.BaseExpression, ctx: Ctx, whole: bool) -> list[Export]:
        key = (id(expr), id(ctx.fn), whole)
        if key in self._active:  # a value defined in terms of itself adds nothing new
            return []
        self._active.add(key)
        try:
            return self._exported(expr, ctx, whole)
        finally:
            self._active.discard(key)

    def _item(self, kind: ExportKind, name: str, node: cst.CSTNode, ctx: Ctx) -> Export:
        return Export(kind, name, ctx.fn.module, node, ctx.via,
                    ctx.fn.qualname if ctx.fn.node is not None else None, ctx.through)

    def _all(self, exprs: Iterable[cst.BaseExpression | None], ctx: Ctx, whole: bool) -> list[Export]:
        out: list[Export] = []
        for e in exprs:
            if e is not None:
                out.extend(self.exported(e, ctx, whole))
        return out

    def _exported(self, expr: cst.BaseExpression, ctx: Ctx, whole: bool) -> list[Export]:
        if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary,
                             cst.Ellipsis, cst.Comparison)):
            return []
        if isinstance(expr, cst.Lambda):
            # what a lambda hands over is its body; its parameters are unknown
            env = {**ctx.env, **{p.name.value: () for p in all_params(expr.params)}}
            return self.exported(expr.body, Ctx(ctx.fn, ctx.node, env, ctx.bindings, ctx.via, ctx.through), whole)
        if isinstance(expr, cst.FormattedString) or (TEMPLATED is not None and isinstance(expr, TEMPLATED)):
            return self._all(_formatted_expressions(expr), ctx, True)
        if isinstance(expr, cst.Name):
            return self._name(expr, ctx, whole)
        if isinstance(expr, cst.Attribute):
            return self._attribute(expr, ctx, whole)
        if isinstance(expr, cst.Subscript):
            return self._subscript(expr, ctx, whole)
        if isinstance(expr, cst.Call):
            return self._call(expr, ctx, whole)
        if isinstance(expr, cst.Dict):
            return self._dict(expr, ctx)
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            out: list[Export] = []
            for el in expr.elements:
                out.extend(self.exported(el.value, ctx, True))
            return out
        if isinstance(expr, (cst.DictComp, cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self._comprehension(expr, ctx)
        if isinstance(expr, cst.BinaryOperation):
            return self._all((expr.left, expr.right), ctx, whole)
        if isinstance(expr, cst.BooleanOperation):
            return self._all((expr.left, expr.right), ctx, whole)
        if isinstance(expr, cst.IfExp):
            return self._all((expr.body, expr.orelse), ctx, whole)
        if isinstance(expr, (cst.Await, cst.Yield)):
            inner = expr.expression if isinstance(expr, cst.Await) else expr.value
            if isinstance(inner, cst.From):
                inner = inner.item
            return self.exported(inner, ctx, whole) if isinstance(inner, cst.BaseExpression) else []
        if isinstance(expr, cst.NamedExpr):
            return self.exported(expr.value, ctx, whole)
        if isinstance(expr, cst.UnaryOperation):
            return [] if isinstance(expr.operator, cst.Not) else self.exported(expr.expression, ctx, whole)
        return []

    # -- names ------------------------------------------------------------------
    def _name(self, expr: cst.Name, ctx: Ctx, whole: bool) -> list[Export]:
        name = expr.value
        if name in ("None", "True", "False"):
            return []
        if name in ctx.env:
            bound = ctx.env[name]
            return [b for b in bound if isinstance(b, Export)]
        if name in ("vars", "locals", "globals"):
            return []
        defs = self.defs(ctx.fn)
        reaching = defs.reaching(name, ctx.node)
        if reaching:
            return self._from_defs(reaching + self._alias_mutations(name, ctx), expr, ctx, whole)
        fn = ctx.fn.parent
        while fn is not None:  # a closure's free name: every definition in the enclosing function
            outer = self.defs(fn).all_of(name)
            if outer:
                return self._from_defs(outer, expr, Ctx(fn, ENTRY, via=ctx.via, through=ctx.through), whole)
            fn = fn.parent
        target = self.a.project.resolve(expr, ctx.fn)
        if isinstance(target, tuple):  # a module constant, here or imported
            module, const = target
            scope = module.module_function
            assert scope is not None
            return self._all(module.constants.get(const, ()), Ctx(scope, ENTRY, via=ctx.via, through=ctx.through), whole)
        if isinstance(target, (Function, ClassFacts)):
            return []
        if whole and name not in BUILTINS:
            return [self._item("dynamic", f"'{name}', whose contents are unknown", expr, ctx)]
        return []

    def _alias_mutations(self, name: str, ctx: Ctx) -> list[Def]:
        """Mutations made through another local name for the same object
        (``q = p; q["email"] = ...`` changes p), in either direction."""
        defs = self.defs(ctx.fn)
        aliases = {d.name for d in defs.defs
                   if d.kind == "assign" and isinstance(d.value, cst.Name) and d.value.value == name and d.name != name}
        aliases |= {d.value.value for d in defs.reaching(name, ctx.node)
                    if d.kind == "assign" and isinstance(d.value, cst.Name) and d.value.value != name}
        return [d for q in sorted(aliases) for d in defs.reaching(q, ctx.node) if d.kind == "mutate"]

    def _written_under(self, base: cst.BaseExpression, key: str, ctx: Ctx) -> list[Export]:
        """What a local dict or object holds under *key*: a value stored under
        an allowed name is still the value (``p["phone"] = user.email``)."""
        if not isinstance(base, cst.Name) or base.value in ctx.env:
            return []
        out: list[Export] = []
        if base.value == "self" and ctx.fn.cls is not None:
            # an attribute of self holds what any method of the class stored in it
            for method in ctx.fn.cls.methods.values():
                for d in self.defs(method).all_of("self"):
                    if d.kind == "mutate" and d.key == key and d.value is not None:
                        out.extend(self.exported(d.value, Ctx(method, d.node, via=ctx.via, through=ctx.through), False))
            return out
        reaching = self.defs(ctx.fn).reaching(base.value, ctx.node) + self._alias_mutations(base.value, ctx)
        for d in reaching:
            at = Ctx(ctx.fn, d.node, bindings=ctx.bindings, via=ctx.via, through=ctx.through)
            if d.kind == "mutate" and d.key == key and d.value is not None:
                out.extend(self.exported(d.value, at, False))
            elif d.kind == "assign" and isinstance(d.value, cst.Dict):
                for el in d.value.elements:
                    if isinstance(el, cst.DictElement) and string_value(el.key) == key:
                        out.extend(self.exported(el.value, at, False))
        return out

    def _from_defs(self, reaching: list[Def], use: cst.Name, ctx: Ctx, whole: bool) -> list[Export]:
        out: list[Export] = []
        for d in reaching:
            at = Ctx(ctx.fn, d.node, bindings=ctx.bindings, via=ctx.via, through=ctx.through)
            if d.kind == "param":
                out.extend(self._param(d.name, use, ctx, whole))
            elif d.kind == "mutate":
                if d.value is not None and _literal(d.value):
                    continue
                if d.key is not None and d.key_node is not None:
                    out.append(self._item("field", d.key, d.key_node, at))
                    if d.value is not None:
                        out.extend(self.exported(d.value, at, False))
                elif d.value is not None:
                    out.extend(self.exported(d.value, at, True))
            elif d.value is not None:
                out.extend(self.exported(d.value, at, whole))
        return out

    def _param(self, name: str, use: cst.Name, ctx: Ctx, whole: bool) -> list[Export]:
        """A parameter holds what its callers pass; with no visible callers,
        what its name says (by the policy), else it is unknown."""
        if name in ctx.bindings:
            arg, caller = ctx.bindings[name]
            return self.exported(arg, caller, whole)
        fn = ctx.fn
        if fn.node is not None and name not in ("self", "cls"):
            sites, escapes = self.a.project.call_sites(fn)
            if sites:
                out: list[Export] = []
                if escapes:  # SPEC 8.4: the known callers' fields, and for the rest what its name says, else MIN103
                    out.append(self._item("field", name, use, ctx) if self._named_by_policy(name) else self._item(
                        "dynamic", f"parameter '{name}', whose callers are not all known", use, ctx))
                for site in sites:
                    passed = _argument_for(site.call, fn, name)
                    node = self.a.node_of_call(site.caller).get(id(site.call))
                    if passed is None or node is None:
                        continue
                    caller = Ctx(site.caller, node, via=Lazy(lambda s=site: (  # type: ignore[misc]
                        f"via the call of {fn.name}() at {s.caller.module.display}:{s.caller.module.line_of(s.call)}")),
                        through=ctx.through or "argument")
                    out.extend(self.exported(passed, caller, whole))
                return out
        if self._named_by_policy(name):
            return [self._item("field", name, use, ctx)]
        if whole:
            return [self._item("dynamic", f"parameter '{name}', whose callers are not all known", use, ctx)]
        return []

    # -- attributes and subscripts ----------------------------------------------
    def _attribute(self, expr: cst.Attribute, ctx: Ctx, whole: bool) -> list[Export]:
        attr = expr.attr.value
        if attr == "__dict__":
            return [self._item("whole", self._code(expr, ctx), expr, ctx)]
        if attr == "data":
            serializer = self._serializer(expr.value, ctx)
            if serializer is not None:
                return self._serializer_fields(serializer, expr, ctx)
        if self._is_module(expr.value, ctx):
            return []  # `status.HTTP_200_OK`, `settings.REGION`: a constant, not user data
        return [self._item("field", attr, expr, ctx), *self._written_under(expr.value, attr, ctx)]

    def _subscript(self, expr: cst.Subscript, ctx: Ctx, whole: bool) -> list[Export]:
        if len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Index):
            return self.exported(expr.value, ctx, whole)  # a slice: part of the same data
        key = expr.slice[0].slice.value
        names = self.constant_keys(key, ctx)
        if names is not None:
            return [self._item("field", n, expr, ctx) for n in names] + [
                i for n in names for i in self._written_under(expr.value, n, ctx)]
        if isinstance(key, (cst.Integer, cst.UnaryOperation)):
            return self.exported(expr.value, ctx, whole)
        return [self._item("dynamic", f"{self._code(expr, ctx)} with a key known only at run time", expr, ctx)]

    def constant_keys(self, key: cst.BaseExpression, ctx: Ctx) -> tuple[str, ...] | None:
        s = string_value(key)
        if s is not None:
            return (s,)
        if isinstance(key, cst.BinaryOperation) and isinstance(key.operator, cst.Add):
            left, right = self.constant_keys(key.left, ctx), self.constant_keys(key.right, ctx)
            if left is not None and right is not None and len(left) == len(right) == 1:
                return (left[0] + right[0],)  # "em" + "ail"
            return None
        if isinstance(key, cst.Name):
            if key.value in ctx.env:
                bound = ctx.env[key.value]
                if bound and all(isinstance(b, str) for b in bound):
                    return tuple(b for b in bound if isinstance(b, str))
                return None
            return self.a.constant_strings(key, ctx.fn, at=ctx.node)
        return None

    # -- calls ------------------------------------------------------------------
    def _call(self, call: cst.Call, ctx: Ctx, whole: bool) -> list[Export]:
        func = call.func
        names = self.a.vocab.names(func, ctx.fn)
        last = last_name(func) or ""
        args = call.args
        positional = [a.value for a in args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a for a in args if a.keyword is not None}
        code = self._code(call, ctx)

        if last in ("vars", "locals", "globals") and isinstance(func, cst.Name):
            if not args:
                return [self._item("dynamic", f"{last}()", call, ctx)]
            return [self._item("whole", code, call, ctx)]
        access = accessor(call, ctx.fn.module.imports)
        if access is not None:  # operator.attrgetter("email")(u), object.__getattribute__(u, "email"), ...
            return self._access(access, call, ctx)
        if last == "getattr" and isinstance(func, cst.Name) and len(positional) >= 2:
            found = self.constant_keys(positional[1], ctx)
            if found is not None:
                return [self._item("field", n, call, ctx) for n in found]
            return [self._item("dynamic", f"{code} with a name known only at run time", call, ctx)]
        if isinstance(func, cst.Attribute) and last == "get" and positional and not self._is_orm(call, ctx):
            found = self.constant_keys(positional[0], ctx)
            if found is not None:
                return [self._item("field", n, call, ctx) for n in found] + [
                    i for n in found for i in self._written_under(func.value, n, ctx)]
            return [self._item("dynamic", f"{code} with a key known only at run time", call, ctx)]
        if last in ("copy", "deepcopy") and positional:
            inner = self.exported(positional[0], ctx, True)
            if any(i.kind == "whole" for i in inner) or self._record(positional[0], ctx) is not None:
                return [self._item("whole", code, call, ctx)]
            return inner
        if last in ("values", "values_list") and isinstance(func, cst.Attribute):
            named = [(s, a) for a in positional if (s := string_value(a)) is not None]
            if named:
                return [self._item("field", s, a, ctx) for s, a in named]
            if self._is_local_dict(func.value, ctx) or not self._maybe_queryset(func.value, ctx):
                return self.exported(func.value, ctx, True)  # a dict's values: its contents (SPEC 8.6)
            return [self._item("whole", code, call, ctx)]
        if last == "serialize" and any(n.endswith("serializers.serialize") or n == "serialize" for n in names):
            return self._named_or_whole(keywords.get("fields"), call, ctx)
        if ((isinstance(func, cst.Name) or (isinstance(func, cst.Attribute) and self._is_module(func.value, ctx))) and (
            last in ASDICT_FUNCS and positional
        )) or (positional and any(n in REPLACE_FUNCS for n in names)):
            if "fields" in keywords:
                return self._named_or_whole(keywords.get("fields"), call, ctx)
            return self._whole_or_built(positional[0], call, ctx)
        if isinstance(func, cst.Attribute) and last in WHOLE_METHODS and not self._is_module(func.value, ctx):
            if "include" in keywords:
                return self._named_or_whole(keywords.get("include"), call, ctx)
            return self._whole_or_built(func.value, call, ctx)
        select = selected(call)
        if select is not None:  # SQLAlchemy (SPEC 8.6): the columns selected, else rows of the model
            columns = selected_fields(select)
            if columns is not None:
                return [self._item("field", n, node, ctx) for n, node in columns]
            return [self._item("whole", f"a model instance from {code}", call, ctx)] if whole else []
        if last == "get_object_or_404" or (self._is_orm(call, ctx)):
            return [self._item("whole", f"a model instance from {code}", call, ctx)] if whole else []

        lambdas = self._lambdas(func, ctx)
        if lambdas:
            return [i for lam in lambdas for i in self.exported(lam, ctx, whole)] + self._all(
                (a.value for a in args), ctx, False)
        target = self.a.callee(call, ctx.fn)
        if isinstance(target, ClassFacts):
            return self._construct(target, call, ctx, whole)
        if isinstance(func, cst.Attribute) and self.a.vocab.sink(call, ctx.fn) is None:
            methods = self.types.targets(call, ctx.fn)  # SPEC 8.1: the method and its overrides, the union
            if methods:
                return [i for m in methods for i in self._returns(m, call, ctx, whole)]
        if isinstance(target, Function) and self.a.vocab.sink(call, ctx.fn) is None:
            return self._returns(target, call, ctx, whole)
        if isinstance(func, cst.Name) and func.value == "dict":
            return self._keywords_as_fields(args, ctx)  # dict(k=v) is {"k": v}
        # an unknown function: derived data is still the data
        out = []
        if isinstance(func, cst.Attribute) and not self._is_module(func.value, ctx) and not isinstance(
            func.value, (cst.SimpleString, cst.ConcatenatedString)
        ) and not self.types.is_service(func.value, ctx.fn):
            out.extend(self.exported(func.value, ctx, whole))
        elif isinstance(func, cst.Attribute) and last == "format":
            pass  # "...".format(...): the arguments below
        elif isinstance(func, (cst.Call, cst.Subscript)):
            out.extend(self.exported(func, ctx, whole))  # partial(str, user.dob)(): the callee carries data too
        # map(lambda u: u.email, users): the lambda says what is taken from users
        consumed = any(isinstance(a.value, cst.Lambda) for a in args)
        for a in args:
            if a.star == "**":
                out.extend(self._starred(a.value, ctx))
            else:
                out.extend(self.exported(a.value, ctx, (whole or a.keyword is None) and not consumed))
        return out

    def _is_module(self, expr: cst.BaseExpression, ctx: Ctx) -> bool:
        """An imported module or class, a builtin, a class of this module,
        unless a parameter or local of the function shadows the name (SPEC 8.3)."""
        name = dotted(expr)
        if name is not None and self.a.vocab.scopes.local_names(ctx.fn) and (
                name.partition(".")[0] in self.a.vocab.scopes.local_names(ctx.fn)):
            return False
        return _is_module(expr, ctx)

    def _access(self, access: Access, call: cst.Call, ctx: Ctx) -> list[Export]:
        """A standard-library read of constant names: those fields; of a name known only at run time: MIN103."""
        out: list[Export] = []
        for key in access.keys:
            found = self.constant_keys(key, ctx)
            if found is None:
                return [self._item("dynamic", f"{self._code(call, ctx)} with a name known only at run time",
                                   call, ctx)]
            for name in found:
                field = name.rsplit(".", 1)[-1] if access.dotted else name
                out.append(self._item("field", field, call, ctx))
                if access.obj is not None and field == name:
                    out.extend(self._written_under(access.obj, name, ctx))
        return out

    def _constant(self, value: cst.BaseExpression, ctx: Ctx) -> bool:
        """A module constant or an attribute of an imported module or class."""
        if isinstance(value, cst.Attribute):
            return self._is_module(value.value, ctx)
        if isinstance(value, cst.Name) and value.value.isupper():
            return not self.defs(ctx.fn).reaching(value.value, ctx.node)
        return False

    def _context(self, item: Export) -> bool:
        return item.kind == "field" and self.a.policy.is_context(normalise_field(item.name))

    def _named_by_policy(self, name: str) -> bool:
        field = normalise_field(name)
        return self.a.policy.is_context(field) or self.a.policy.is_allowed(field)

    def _lambdas(self, func: cst.BaseExpression, ctx: Ctx) -> list[cst.Lambda]:
        if isinstance(func, cst.Lambda):
            return [func]
        if isinstance(func, cst.Name) and func.value not in ctx.env:
            values = [d.value for d in self.defs(ctx.fn).reaching(func.value, ctx.node) if d.kind == "assign"]
            if values and all(isinstance(v, cst.Lambda) for v in values):
                return [v for v in values if isinstance(v, cst.Lambda)]
        return []

    def _keywords_as_fields(self, args: Iterable[cst.Arg], ctx: Ctx) -> list[Export]:
        out: list[Export] = []
        for a in args:
            if a.keyword is not None:
                if not (_literal(a.value) or self._constant(a.value, ctx)):
                    value = self.exported(a.value, ctx, False)
                    if not (value and all(self._context(i) for i in value)):
                        out.append(self._item("field", a.keyword.value, a.keyword, ctx))
                    out.extend(value)
            elif a.star == "**":
                out.extend(self._starred(a.value, ctx))
            else:
                out.extend(self.exported(a.value, ctx, True))
        return out

    def _construct(self, cls: ClassFacts, call: cst.Call, ctx: Ctx, whole: bool) -> list[Export]:
        if "serializer" in cls.kinds:
            return self._serializer_fields(cls, call, ctx) if whole else []
        if not call.args:
            return [self._item("whole", f"an instance of {cls.name}", call, ctx)] if whole else []
        out = self._keywords_as_fields([a for a in call.args if a.keyword is not None or a.star], ctx)
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        for i, value in enumerate(positional):
            if i < len(cls.fields):
                out.append(self._item("field", cls.fields[i][0], value, ctx))
                out.extend(self.exported(value, ctx, False))
            else:
                out.extend(self.exported(value, ctx, True))
        return out

    def _returns(self, fn: Function, call: cst.Call, ctx: Ctx, whole: bool) -> list[Export]:
        cfg = self.a.cfg(fn)
        bindings: dict[str, tuple[cst.BaseExpression, Ctx]] = {}
        offset = 1 if fn.cls is not None and fn.positional[:1] in (("self",), ("cls",)) else 0
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        for i, value in enumerate(positional):
            if i + offset < len(fn.positional):
                bindings[fn.positional[i + offset]] = (value, ctx)
        for a in call.args:
            if a.keyword is not None:
                bindings[a.keyword.value] = (a.value, ctx)
        if fn.star is not None and not any(a.star for a in call.args):
            # `*attrs` takes the extra positional arguments of this call (SPEC 8.5)
            extra = positional[max(len(fn.positional) - offset, 0):]
            bindings[fn.star] = (cst.Tuple([cst.Element(v) for v in extra]), ctx)
        if fn.node is not None and not any(a.star for a in call.args):
            # SPEC 8.4: a parameter this call does not pass holds its default here,
            # not what the other call sites pass
            scope = Ctx(fn.parent or fn.module.module_function or fn, ENTRY, via=ctx.via, through=ctx.through)
            for p in all_params(fn.node.params):
                if p.default is not None and p.name.value not in bindings:
                    bindings[p.name.value] = (p.default, scope)
        via = ctx.via or Lazy(lambda: (
            f"via {fn.name}() in {fn.module.display}:{fn.module.line_of(fn.node) if fn.node is not None else 1}"))
        out: list[Export] = []
        for node in cfg.nodes:
            returned: list[cst.BaseExpression] = []
            if node.kind == "return" and node.exprs and isinstance(node.exprs[0], cst.BaseExpression):
                returned.append(node.exprs[0])
            for expr in node.exprs:  # a generator hands over what it yields
                for y in _yields(expr):
                    given = y.value.item if isinstance(y.value, cst.From) else y.value
                    if isinstance(given, cst.BaseExpression):
                        returned.append(given)
            for value in returned:
                out.extend(self.exported(value, Ctx(fn, node.id, bindings=bindings, via=via,
                                                    through=ctx.through or "return"), whole))
        return out

    def _starred(self, value: cst.BaseExpression, ctx: Ctx) -> list[Export]:
        """``**expr``: its keys are the fields, when they can be known."""
        if isinstance(value, (cst.Dict, cst.Call, cst.Name)):
            inner = self.exported(value, ctx, True)
            if inner or not isinstance(value, cst.Name):
                return inner
        if isinstance(value, cst.Attribute) and value.attr.value == "__dict__":
            return self.exported(value, ctx, True)
        return [self._item("dynamic", f"**{self._code(value, ctx)} with keys known only at run time", value, ctx)]

    def _dict(self, expr: cst.Dict, ctx: Ctx) -> list[Export]:
        out: list[Export] = []
        for el in expr.elements:
            if isinstance(el, cst.StarredDictElement):
                out.extend(self._starred(el.value, ctx))
                continue
            assert isinstance(el, cst.DictElement)
            if _literal(el.value) or self._constant(el.value, ctx):
                continue  # a constant under any key carries no user data
            value = self.exported(el.value, ctx, False)
            if value and all(self._context(i) for i in value):
                continue  # request metadata under another name is still metadata
            names = self.constant_keys(el.key, ctx)
            if names is not None:
                out.extend(self._item("field", n, el.key, ctx) for n in names)
            elif not isinstance(el.key, (cst.Integer, cst.Float)):
                out.append(self._item("dynamic", f"the key {self._code(el.key, ctx)} known only at run time",
                                      el.key, ctx))
            out.extend(value)
        return out

    def _comprehension(self, expr: cst.BaseComp, ctx: Ctx) -> list[Export]:
        env: dict[str, tuple[Export, ...] | tuple[str, ...]] = dict(ctx.env)
        out: list[Export] = []
        comp: cst.CompFor | None = expr.for_in
        while comp is not None:
            it = comp.iter
            inner = Ctx(ctx.fn, ctx.node, env, ctx.bindings, ctx.via, ctx.through)
            consts = self.a.constant_strings(it, ctx.fn, at=ctx.node) if not isinstance(it, cst.Name) or (
                it.value not in env) else None
            if isinstance(it, cst.Name) and it.value not in env and it.value in ctx.bindings:
                arg, caller = ctx.bindings[it.value]  # names passed at this call site: `*attrs`
                consts = self.a.constant_strings(arg, caller.fn, at=caller.node)
            record_items = _items_of_record(it)
            if record_items is not None:
                return [self._item("dynamic", f"a comprehension over {self._code(record_items, ctx)}", expr, ctx)]
            for name, _ in bound_targets(comp.target):
                if consts is not None:
                    env[name.value] = consts
                else:
                    env[name.value] = tuple(self.exported(it, inner, False))
            comp = comp.inner_for_in
        inner = Ctx(ctx.fn, ctx.node, env, ctx.bindings, ctx.via, ctx.through)
        if isinstance(expr, cst.DictComp):
            names = self.constant_keys(expr.key, inner)
            # {u.ip: u.phone for u in users}: keys computed from data are that data; a bare loop variable
            # (`{name: getattr(u, name) for name in fields}`) is a field name known only at run time
            keys = self.exported(expr.key, inner, False) if names is None and not isinstance(expr.key, cst.Name) else []
            if names is not None:
                out.extend(self._item("field", n, expr.key, ctx) for n in names)
            elif keys:
                out.extend(keys)
            else:
                out.append(self._item("dynamic", f"the key {self._code(expr.key, ctx)} known only at run time",
                                      expr.key, ctx))
            out.extend(self.exported(expr.value, inner, False))
        else:
            out.extend(self.exported(expr.elt, inner, True))  # type: ignore[attr-defined]
        return out

    # -- records ----------------------------------------------------------------
    def _whole_or_built(self, obj: cst.BaseExpression, call: cst.Call, ctx: Ctx) -> list[Export]:
        """``asdict(x)``: the keywords of the constructor call that built x, else the whole record."""
        built = self._built_by(obj, ctx)
        if built is None and isinstance(obj, cst.Call) and obj.args and all(a.keyword is not None for a in obj.args) \
                and self.a.callee(obj, ctx.fn) is None:
            built = obj, ctx  # Export(ip=..., phone=...)._asdict() of a namedtuple: the keywords are its fields
        if built is not None:
            built_call, built_ctx = built
            return self._keywords_as_fields(built_call.args, built_ctx) + self._construct_positional(built_call, built_ctx)
        return [self._item("whole", self._code(call, ctx), call, ctx)]

    def _construct_positional(self, call: cst.Call, ctx: Ctx) -> list[Export]:
        target = self.a.callee(call, ctx.fn)
        if not isinstance(target, ClassFacts):
            return []
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        return [self._item("field", target.fields[i][0], v, ctx) for i, v in enumerate(positional) if i < len(target.fields)]

    def _built_by(self, obj: cst.BaseExpression, ctx: Ctx) -> tuple[cst.Call, Ctx] | None:
        if isinstance(obj, cst.Call):
            target = self.a.callee(obj, ctx.fn)
            if isinstance(target, ClassFacts) and obj.args:
                return obj, ctx
            return None
        if isinstance(obj, cst.Name):
            reaching = self.defs(ctx.fn).reaching(obj.value, ctx.node)
            if len(reaching) == 1 and reaching[0].kind == "assign" and reaching[0].value is not None:
                return self._built_by(reaching[0].value, Ctx(ctx.fn, reaching[0].node, via=ctx.via, through=ctx.through))
        return None

    def _named_or_whole(self, arg: cst.Arg | None, call: cst.Call, ctx: Ctx) -> list[Export]:
        if arg is None:
            return [self._item("whole", self._code(call, ctx), call, ctx)]
        value = arg.value
        names: list[tuple[str, cst.CSTNode]] = []
        if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
            names = [(s, el.value) for el in value.elements if (s := string_value(el.value)) is not None]
        elif isinstance(value, cst.Dict):
            names = [(s, el.key) for el in value.elements
                     if isinstance(el, cst.DictElement) and (s := string_value(el.key)) is not None]
        if not names:
            return [self._item("dynamic", f"{self._code(call, ctx)} with fields known only at run time", call, ctx)]
        return [self._item("field", s, node, ctx) for s, node in names]

    def _record(self, expr: cst.BaseExpression, ctx: Ctx) -> ClassFacts | None:
        if isinstance(expr, cst.Call):
            target = self.a.callee(expr, ctx.fn)
            return target if isinstance(target, ClassFacts) else None
        return None

    def _is_orm(self, expr: cst.BaseExpression, ctx: Ctx) -> bool:
        """``Model.objects.get(...)``, ``session.get(Model, pk)``, ``session.query(M).first()``."""
        text = dotted(expr.func) if isinstance(expr, cst.Call) else None
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            method = expr.func.attr.value
            chain = self._code(expr.func.value, ctx)
            if method in ORM_METHODS and (".objects" in f".{chain}" or "query(" in chain or chain.endswith("session")):
                return True
        return bool(text and ".objects." in f".{text}")

    def _maybe_queryset(self, expr: cst.BaseExpression, ctx: Ctx, depth: int = 0) -> bool:
        """Whether ``expr.values()`` can be Django's (SPEC 8.6): a
        ``Model.objects…`` chain, a value annotated as a ``QuerySet``, or a
        parameter nothing says more about; not a value built by another call
        (``Counter(...)``, ``defaultdict(int)``, a helper's result)."""
        text = self._code(expr, ctx)
        if ".objects" in text or "QuerySet" in text or "query(" in text:
            return True
        if depth > 4:
            return True
        if isinstance(expr, cst.Name):
            reaching = self.defs(ctx.fn).reaching(expr.value, ctx.node)
            values = [d for d in reaching if d.kind in ("assign", "element") and d.value is not None]
            if any(d.kind == "param" for d in reaching) or not values:
                node = ctx.fn.node
                for p in all_params(node.params) if node is not None else ():
                    if p.name.value == expr.value and p.annotation is not None:
                        return "QuerySet" in ctx.fn.module.code_for(p.annotation)
                return True  # unknown: may be a queryset
            return any(self._maybe_queryset(d.value, Ctx(ctx.fn, d.node), depth + 1)
                       for d in values if d.value is not None)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
            return self._maybe_queryset(expr.func.value, ctx, depth + 1)  # rows.filter(...).values()
        return not isinstance(expr, cst.Call)

    def _is_local_dict(self, expr: cst.BaseExpression, ctx: Ctx) -> bool:
        if isinstance(expr, cst.Dict):
            return True
        if isinstance(expr, cst.Name):
            reaching = [d for d in self.defs(ctx.fn).reaching(expr.value, ctx.node) if d.kind == "assign"]
            return bool(reaching) and all(
                isinstance(d.value, (cst.Dict, cst.DictComp)) or (
                    isinstance(d.value, cst.Call) and dotted(d.value.func) == "dict") for d in reaching)
        return False

    def _serializer(self, expr: cst.BaseExpression, ctx: Ctx) -> ClassFacts | None:
        if isinstance(expr, cst.Call):
            target = self.a.callee(expr, ctx.fn)
            if isinstance(target, ClassFacts) and "serializer" in target.kinds:
                return target
            return view_serializer(expr, ctx.fn, self.types)  # self.get_serializer(obj) in a DRF view
        if isinstance(expr, cst.Name):
            for d in self.defs(ctx.fn).reaching(expr.value, ctx.node):
                if d.kind == "assign" and d.value is not None:
                    found = self._serializer(d.value, Ctx(ctx.fn, d.node))
                    if found is not None:
                        return found
        return None

    def _serializer_fields(self, cls: ClassFacts, at: cst.CSTNode, ctx: Ctx) -> list[Export]:
        if isinstance(cls.meta_fields, tuple):
            return [Export("field", name, cls.module, node, ctx.via, cls.name, ctx.through)
                    for name, node in cls.meta_fields]
        return [self._item("whole", f"{cls.name}, whose Meta.fields is '__all__'", at, ctx)]

    def _code(self, node: cst.CSTNode, ctx: Ctx) -> str:
        text = " ".join(ctx.fn.module.code_for(node).split())
        return text if len(text) <= 50 else text[:47] + "..."


def _yields(expr: cst.CSTNode) -> list[cst.Yield]:
    """The yields a node evaluates (``yield x`` and ``yield from xs``), not in nested scopes."""
    out: list[cst.Yield] = []
    stack = [expr]
    while stack:
        cur = stack.pop()
        kind = type(cur)
        if kind is cst.Yield:
            out.append(cur)  # type: ignore[arg-type]
        if kind is not cst.Lambda and kind is not cst.FunctionDef and kind is not cst.ClassDef:
            stack.extend(children(cur))
    return out


def _formatted_expressions(fstring: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The expressions of an f-string or a t-string, those in format specs included."""
    out: list[cst.BaseExpression] = []
    stack: list[cst.CSTNode] = list(getattr(fstring, "parts", ()))
    while stack:
        part = stack.pop()
        expression = getattr(part, "expression", None)  # FormattedStringExpression, TemplatedStringExpression
        if isinstance(expression, cst.BaseExpression):
            out.append(expression)
            stack.extend(getattr(part, "format_spec", None) or ())
    return out


def _literal(value: cst.BaseExpression) -> bool:
    """A constant value: what is exported under its key is not user data."""
    if isinstance(value, cst.Name):
        return value.value in ("None", "True", "False")
    if isinstance(value, cst.UnaryOperation):
        return _literal(value.expression)
    return isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary))


def _argument_for(call: cst.Call, fn: Function, param: str) -> cst.BaseExpression | None:
    for a in call.args:
        if a.keyword is not None and a.keyword.value == param:
            return a.value
    offset = 1 if fn.cls is not None and fn.positional[:1] in (("self",), ("cls",)) else 0
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    if param in fn.positional:
        i = fn.positional.index(param) - offset
        if 0 <= i < len(positional):
            return positional[i]
    return None


def _items_of_record(it: cst.BaseExpression) -> cst.BaseExpression | None:
    """The record whose items a comprehension walks: ``vars(x)``, ``x.__dict__``, ``x.items()``."""
    if isinstance(it, cst.Call) and isinstance(it.func, cst.Attribute) and it.func.attr.value in ("items", "keys", "values"):
        return it
    if isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "vars":
        return it
    if isinstance(it, cst.Attribute) and it.attr.value == "__dict__":
        return it
    return None


def _is_module(expr: cst.BaseExpression, ctx: Ctx) -> bool:
    """A receiver that is an imported module or class, not data: ``json`` in ``json.dumps``."""
    name = dotted(expr)
    if name is None:
        return False
    head = name.split(".")[0]
    if head in ctx.fn.module.imports.bound or head in ctx.fn.module.imports.star_from:
        return True
    return head in BUILTINS or ctx.fn.module.class_named(head) is not None


BUILTINS = frozenset(__builtins__.keys() if isinstance(__builtins__, dict) else dir(__builtins__))
