"""The mutation pass of issue 21: rewrite the acceptance projects' disclosures and checks with every
applicable data-access and control form, and fail when a form silently loses a finding.

For each acceptance project (tests/fixtures/acceptance) the engine's findings are taken first. Then,
one site at a time, a libcst transformer rewrites:

* **data access**: every read (`x.attr`, `x["key"]`, a dict display) on a line with a MIN1 finding,
  into each equivalent form of the inventories (`getattr(x, "attr")`, `operator.attrgetter("attr")(x)`,
  `(lambda: x.attr)()`, `f"{x.attr}"`, `dict(k=v)`, `json.loads(json.dumps({...}))`, ...). The value is
  the same, so the findings must be the same: a finding that disappears is **lost** (a failure); one
  reported as MIN103 at its line instead is **partly** (reported, not a failure);
* **control, weakening**: every statement-level call of a check or a transparency record, into a form
  under which it may not run (`if __name__ == "x": check(...)`, `__name__ and check(...)`,
  `for _ in ...: check(...)`, `with contextlib.suppress(Exception): check(...)`, an unused local `def`
  or `lambda`, a generator or coroutine never run, ...). A finding of that requirement (its code) must
  appear that was not there: if none does, the weakening was **lost** (a failure);
* **control, preserving**: the same call under a form that always runs it (`if True:`,
  `with contextlib.nullcontext():`): the findings must not change (an added finding is **over**).

Every rewrite keeps line numbers (single-line forms; the imports they need are appended at the end of
the module, where Python still binds them before any function runs), so findings compare by line.
The default run takes a fixed sample (every form once, on a site chosen round-robin); the whole pass
runs under `-m slow` and prints its table (``python tests/robustness/test_mutation.py`` prints it too).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

if __name__ == "__main__":  # run as a script: the whole pass, with its table
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from minlint.facts.names import last_name
from minlint.project.config import find_config
from minlint.run.engine import check
from tests.support import ACCEPTANCE

IMPORTS = "\nimport collections, contextlib, copy, functools, json, operator, types  # added by the mutation pass\n"
Finding = tuple[str, int, str]

# -------------------------------------------------------------------------------------------------
# The forms, as templates over the source text of the parts (single line each)

ATTRIBUTE_FORMS: dict[str, Callable[[str, str], str]] = {  # (object, attribute name) -> expression
    "getattr": lambda o, a: f'getattr({o}, "{a}")',
    "getattr-default": lambda o, a: f'getattr({o}, "{a}", None)',
    "operator.attrgetter": lambda o, a: f'operator.attrgetter("{a}")({o})',
    "__getattribute__": lambda o, a: f'{o}.__getattribute__("{a}")',
    "object.__getattribute__": lambda o, a: f'object.__getattribute__({o}, "{a}")',
    "functools.partial": lambda o, a: f'functools.partial(getattr, {o}, "{a}")()',
    "vars": lambda o, a: f'vars({o})["{a}"]',
    "__dict__": lambda o, a: f'{o}.__dict__["{a}"]',
}
KEY_FORMS: dict[str, Callable[[str, str], str]] = {  # (object, key source) -> expression
    "subscript": lambda o, k: f"{o}[{k}]",
    ".get": lambda o, k: f"{o}.get({k})",
    "operator.getitem": lambda o, k: f"operator.getitem({o}, {k})",
    "operator.itemgetter": lambda o, k: f"operator.itemgetter({k})({o})",
    "__getitem__": lambda o, k: f"{o}.__getitem__({k})",
}
VALUE_FORMS: dict[str, Callable[[str], str]] = {  # any read -> an expression of the same data
    "lambda": lambda e: f"(lambda: {e})()",
    "walrus": lambda e: f"(_mutated := {e})",
    "f-string": lambda e: f'f"{{{e}}}"',
    "str": lambda e: f"str({e})",
    "if-expression": lambda e: f"({e} if __name__ else {e})",
    "or": lambda e: f"({e} or None)",
    "list-index": lambda e: f"[{e}][0]",
    "tuple": lambda e: f"({e},)",
    "list-comprehension": lambda e: f"[_m for _m in [{e}]]",
    "generator": lambda e: f"next(_m for _m in [{e}])",
    "copy.deepcopy": lambda e: f"copy.deepcopy({e})",
    "json-round-trip": lambda e: f"json.loads(json.dumps({e}))",
}
DICT_FORMS: dict[str, Callable[[cst.Dict, str], str | None]] = {  # a dict display -> the same mapping
    "dict(k=v)": lambda d, text: _keywords("dict", d),
    "types.SimpleNamespace": lambda d, text: _keywords("types.SimpleNamespace", d),
    "collections.OrderedDict": lambda d, text: _keywords("collections.OrderedDict", d),
    "double-star": lambda d, text: f"{{**{text}}}",
    "collections.ChainMap": lambda d, text: f"collections.ChainMap({text})",
    "types.MappingProxyType": lambda d, text: f"types.MappingProxyType({text})",
    "copy.copy": lambda d, text: f"copy.copy({text})",
    "json-round-trip": lambda d, text: f"json.loads(json.dumps({text}))",
}
# A statement-level check or record call -> a statement under which it may not run (one line).
WEAKENING_FORMS: dict[str, Callable[[str], str]] = {
    "if": lambda c: f'if __name__ == "x": {c}',
    "and": lambda c: f"__name__ and {c}",
    "or": lambda c: f"__name__ or {c}",
    "if-expression": lambda c: f"{c} if __name__ else None",
    "for": lambda c: f"for _m in []: {c}",
    "while": lambda c: f"while __name__ == 'x': {c}",
    "comprehension": lambda c: f"[{c} for _m in []]",
    "suppress": lambda c: f"with contextlib.suppress(Exception): {c}",
    "local-def": lambda c: f"def _unused(): {c}",
    "lambda": lambda c: f"_unused = lambda: {c}",
    "generator-never-run": lambda c: f"(lambda: (yield {c}))()",
}
PRESERVING_FORMS: dict[str, Callable[[str], str]] = {
    "if-true": lambda c: f"if True: {c}",
    "nullcontext": lambda c: f"with contextlib.nullcontext(): {c}",
    "while-break": lambda c: f"while True: {c}; break",
}


def _keywords(func: str, d: cst.Dict) -> str | None:
    parts = []
    for el in d.elements:
        if not isinstance(el, cst.DictElement) or not isinstance(el.key, cst.SimpleString):
            return None
        key = el.key.evaluated_value
        if not isinstance(key, str) or not key.isidentifier():
            return None
        parts.append(f"{key}={cst.Module([]).code_for_node(el.value)}")
    return f"{func}({', '.join(parts)})"


# -------------------------------------------------------------------------------------------------
# Sites


@dataclass(frozen=True)
class Mutation:
    kind: str  # "access", "weaken", "preserve"
    form: str
    file: str
    line: int
    old: str  # the source text replaced (a node's code, or a whole statement line)
    new: str
    code: str = ""  # weaken: the code whose finding must appear


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


class _Reads(cst.CSTVisitor):
    """The maximal reads on the given lines: attribute chains, constant subscripts, dict displays."""

    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider)

    def __init__(self, lines: set[int], modules: set[str]) -> None:
        self.lines, self.modules = lines, modules
        self.found: list[tuple[int, cst.BaseExpression]] = []
        self._targets = 0

    def _line(self, node: cst.CSTNode) -> int:
        pos = self.get_metadata(PositionProvider, node)
        return int(pos.start.line) if pos.start.line == pos.end.line else -1

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets += 1

    def leave_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._targets -= 1

    def visit_Decorator(self, node: cst.Decorator) -> bool:
        return False

    def _usable(self, node: cst.BaseExpression) -> bool:
        if self._targets or self._line(node) not in self.lines:
            return False
        parent = self.get_metadata(ParentNodeProvider, node)
        if isinstance(parent, cst.Call) and parent.func is node:
            return False  # a callee: `portal.disclose`
        if isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is node:
            return False  # not maximal
        return not isinstance(parent, (cst.AugAssign, cst.Del, cst.For, cst.CompFor))  # targets, not reads

    def visit_Attribute(self, node: cst.Attribute) -> None:
        root: cst.BaseExpression = node
        while isinstance(root, (cst.Attribute, cst.Subscript, cst.Call)):
            root = root.value if not isinstance(root, cst.Call) else root.func
        if isinstance(root, cst.Name) and root.value in self.modules:
            return  # `settings.REGION`: a module's constant, not a read of data
        if self._usable(node):
            self.found.append((self._line(node), node))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) and isinstance(
                node.slice[0].slice.value, cst.SimpleString) and self._usable(node):
            self.found.append((self._line(node), node))

    def visit_Call(self, node: cst.Call) -> None:
        # x.get("k"): a key read too
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get" and len(node.args) == 1 and (
                isinstance(node.args[0].value, cst.SimpleString)) and self._usable(node):
            self.found.append((self._line(node), node))

    def visit_Dict(self, node: cst.Dict) -> None:
        if node.elements and self._usable(node):
            self.found.append((self._line(node), node))


def _module_names(module: cst.Module) -> set[str]:
    names: set[str] = set()
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        names.add(_code(alias.asname.name if alias.asname else alias.name).split(".")[0])
                elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    names.update(_code(a.asname.name if a.asname else a.name) for a in small.names)
    return names


def _access_mutations(rel: str, text: str, lines: set[int]) -> Iterator[Mutation]:
    module = cst.parse_module(text)
    wrapper = MetadataWrapper(module)
    reads = _Reads(lines, _module_names(module))
    wrapper.visit(reads)
    for line, node in reads.found:
        old = _code(node)
        forms: dict[str, str | None] = {}
        if isinstance(node, cst.Attribute):
            obj = _code(node.value)
            forms.update({f: t(obj, node.attr.value) for f, t in ATTRIBUTE_FORMS.items()})
            # the same field read as a key (SPEC 2.2: `x.k` and `x["k"]` both export `k`); the acceptance
            # projects read records by attribute, so this is where the key forms apply
            forms.update({f"{f} (of an attribute)": t(obj, f'"{node.attr.value}"') for f, t in KEY_FORMS.items()})
        elif isinstance(node, cst.Subscript):
            obj, key = _code(node.value), _code(node.slice[0].slice.value)  # type: ignore[attr-defined]
            forms.update({f: t(obj, key) for f, t in KEY_FORMS.items()})
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):  # x.get("k")
            obj, key = _code(node.func.value), _code(node.args[0].value)
            forms.update({f: t(obj, key) for f, t in KEY_FORMS.items()})
        if isinstance(node, cst.Dict):
            forms.update({f: t(node, old) for f, t in DICT_FORMS.items()})
        else:
            forms.update({f: t(old) for f, t in VALUE_FORMS.items()})
        for form, new in forms.items():
            if new is not None and "\n" not in old:
                yield Mutation("access", form, rel, line, old, new)


def _check_mutations(rel: str, text: str, calls: dict[str, str]) -> Iterator[Mutation]:
    """Statement lines that are exactly one call of a check or record (`calls`: name -> its code)."""
    for i, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or raw.rstrip().endswith((":", ",", "(")) or "#" in stripped:
            continue
        try:
            stmt = cst.parse_statement(stripped)
        except cst.ParserSyntaxError:
            continue
        if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(
                stmt.body[0], cst.Expr) and isinstance(stmt.body[0].value, cst.Call)):
            continue
        name = last_name(stmt.body[0].value.func)
        if name not in calls:
            continue
        indent = raw[: len(raw) - len(raw.lstrip())]
        for form, t in WEAKENING_FORMS.items():
            new = indent + t(stripped)
            yield Mutation("weaken", form, rel, i, raw, new, calls[name])
        for form, t in PRESERVING_FORMS.items():
            yield Mutation("preserve", form, rel, i, raw, indent + t(stripped))


# -------------------------------------------------------------------------------------------------
# Running


def _findings(root: Path) -> set[Finding]:
    config = find_config(root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = check(["."], config, config.load_policy())
    finally:
        os.chdir(cwd)
    return {(Path(f.path).as_posix(), f.line, f.code) for f in result.findings}


def _apply(text: str, m: Mutation) -> str:
    lines = text.splitlines(keepends=True)
    if m.kind == "access":
        line = lines[m.line - 1]
        assert m.old in line, m
        lines[m.line - 1] = line.replace(m.old, m.new, 1)
    else:
        ending = lines[m.line - 1][len(lines[m.line - 1].rstrip("\r\n")):]
        lines[m.line - 1] = m.new + ending
    return "".join(lines)


@dataclass(frozen=True)
class Outcome:
    mutation: Mutation
    verdict: str  # "kept", "partly", "lost", "over"
    detail: str = ""


def _judge(m: Mutation, before: set[Finding], after: set[Finding]) -> Outcome:
    if m.kind == "weaken":
        appeared = {f for f in after - before if f[2] == m.code}
        return Outcome(m, "kept" if appeared else "lost", "" if appeared else f"no new {m.code}")
    missing, extra = before - after, after - before
    if m.kind == "preserve":
        return Outcome(m, "over" if extra or missing else "kept", f"missing {sorted(missing)} extra {sorted(extra)}")
    if not missing:
        return Outcome(m, "over" if extra else "kept", f"extra {sorted(extra)}" if extra else "")
    vague = {f for f in missing if f[2] != "MIN103" and (f[0], f[1], "MIN103") in after}
    verdict = "partly" if vague == missing else "lost"
    return Outcome(m, verdict, f"missing {sorted(missing)} extra {sorted(extra)}")


def _project_mutations(name: str, root: Path, before: set[Finding]) -> list[Mutation]:
    config = find_config(root)
    policy = config.load_policy()
    calls = {c.rsplit(".", 1)[-1]: g.code for g in policy.guards for c in g.calls}
    calls.update({c.rsplit(".", 1)[-1]: "MIN301" for c in policy.transparency_calls})
    out: list[Mutation] = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = {line for f, line, c in before if f == rel and c.startswith("MIN1")}
        if lines:
            out.extend(_access_mutations(rel, text, lines))
        out.extend(_check_mutations(rel, text, calls))
    return out


def run_pass(name: str, work: Path, sample: bool) -> list[Outcome]:
    root = work / name
    if not root.exists():
        shutil.copytree(ACCEPTANCE / name, root)
    before = _findings(root)
    mutations = _project_mutations(name, root, before)
    if sample:  # every form once, on a site chosen round-robin over the sites that admit it
        chosen: dict[tuple[str, str], Mutation] = {}
        seen: dict[tuple[str, str], int] = {}
        for m in mutations:
            key = (m.kind, m.form)
            seen[key] = seen.get(key, 0) + 1
            if key not in chosen or seen[key] == len(chosen) % 7 + 2:
                chosen[key] = m
        mutations = list(chosen.values())
    outcomes = []
    for m in mutations:
        path = root / m.file
        original = path.read_text(encoding="utf-8")
        mutated = _apply(original, m)
        assert mutated.count("\n") == original.count("\n"), m  # lines are kept: findings compare by line
        path.write_text(mutated + IMPORTS, encoding="utf-8")
        try:
            after = _findings(root)
        finally:
            path.write_text(original, encoding="utf-8")
        outcomes.append(_judge(m, before, after))
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for o in outcomes:
        counts = rows.setdefault((o.mutation.kind, o.mutation.form), {})
        counts[o.verdict] = counts.get(o.verdict, 0) + 1
    out = ["| kind | form | kept | partly | over | lost |", "|---|---|---|---|---|---|"]
    for (kind, form), c in sorted(rows.items()):
        out.append(f"| {kind} | {form} | {c.get('kept', 0)} | {c.get('partly', 0)} | {c.get('over', 0)} | "
                   f"{c.get('lost', 0)} |")
    return "\n".join(out)


PROJECTS = ["defaults", "custom"]


def _assert_nothing_lost(outcomes: list[Outcome]) -> None:
    print("\n" + table(outcomes))
    lost = [o for o in outcomes if o.verdict == "lost"]
    assert outcomes
    assert not lost, "\n".join(f"{o.mutation.kind} {o.mutation.form} at {o.mutation.file}:{o.mutation.line}: "
                               f"{o.mutation.old.strip()!r} -> {o.mutation.new.strip()!r}: {o.detail}" for o in lost)


@pytest.mark.parametrize("name", PROJECTS)
def test_mutation_sample_loses_nothing(tmp_path: Path, name: str) -> None:
    _assert_nothing_lost(run_pass(name, tmp_path, sample=True))


@pytest.mark.slow
@pytest.mark.parametrize("name", PROJECTS)
def test_mutation_full_pass_loses_nothing(tmp_path: Path, name: str) -> None:
    _assert_nothing_lost(run_pass(name, tmp_path, sample=False))


def test_every_form_applies_somewhere(tmp_path: Path) -> None:
    """The pass is not vacuous: each form has at least one site in the acceptance projects."""
    kinds: set[tuple[str, str]] = set()
    for name in PROJECTS:
        root = tmp_path / name
        shutil.copytree(ACCEPTANCE / name, root)
        kinds |= {(m.kind, m.form) for m in _project_mutations(name, root, _findings(root))}
    expected = ({("access", f) for f in [*ATTRIBUTE_FORMS, *VALUE_FORMS, *DICT_FORMS]}
                | {("access", f"{f} (of an attribute)") for f in KEY_FORMS}
                | {("weaken", f) for f in WEAKENING_FORMS} | {("preserve", f) for f in PRESERVING_FORMS})
    assert expected - kinds == set()


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        for project in PROJECTS:
            results = run_pass(project, Path(d), sample="--sample" in sys.argv)
            print(f"## {project}: {len(results)} mutations")
            print(table(results))
            for o in results:
                if o.verdict in ("lost", "partly", "over"):
                    print(f"{o.verdict}: {o.mutation.kind} {o.mutation.form} {o.mutation.file}:{o.mutation.line}"
                          f" {o.mutation.old.strip()!r} -> {o.mutation.new.strip()!r} {o.detail}")
