"""Find the candidate disclosure paths of a project (``minlint discover``).

Only files whose text names a framework handler or an outbound channel are
parsed (read with the facts stage, never imported or run). Each candidate's
fields come from ``flow.FunctionFlow``; it is kept only when what it hands
out looks like user data (a field of the personal-data vocabulary, or a
whole record), so the list is not every ``requests.get`` of the tree."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import libcst as cst

from minlint.discover.flow import FunctionFlow, Seen, call_args, forget, walk
from minlint.discover.model import Candidate, Framework, Kind
from minlint.discover.vocab import (
    ANSWERING,
    CHANNEL_CALLS,
    CHANNEL_METHODS,
    DECORATOR_FRAMEWORKS,
    IMPORT_FRAMEWORKS,
    INHERITED_READS,
    ROUTE_VERBS,
    SERVLET_METHOD,
    VIEW_BASES,
    personal_kind,
)
from minlint.facts.module import ClassFacts, Function, ModuleFacts, read_module
from minlint.facts.names import decorator_target, dotted, known_names, last_name, matches, string_value
from minlint.parse.source import Unreadable, read_text
from minlint.project.index import SourceFile, module_name

_WORTH_PARSING = re.compile(
    r"\b(on|render)_(GET|POST|PUT|PATCH|DELETE)\b|view_config|api_view|APIView|ViewSet|\bView\b|MethodView|"
    r"@\w+\.(route|get|post|put|patch|delete|api_route)\(|"
    r"\brequests\.(post|put|patch|get|request)\b|from requests import|"
    r"\b(httpx|urlopen|send_mail|send_mass_mail|sendmail|EmailMessage|EmailMultiAlternatives|"
    r"post_json_get_json|put_json|post_json|post_urlencoded_get_json|put_object|upload_file|upload_fileobj|"
    r"writerows?|basic_publish|send_task|apply_async|publish|produce|mailer|send_message)\b"
)
_MAX_CALLERS = 8
# a test module's client.post(...) is no channel and its functions are no handlers (and SPEC 8.7: not callers)
_TEST_PART = re.compile(r"tests?|testing")
_TEST_FILE = re.compile(r"(test_.*|.*_tests?|conftest)\.py")


def _within(path: Path, root: Path) -> Path:
    """*path* from the project's root (a project checked under some `tests/fixtures` folder is no test)."""
    try:
        return path.resolve().relative_to(root.resolve())
    except ValueError:
        return path


def is_test(path: Path) -> bool:
    return bool(_TEST_FILE.fullmatch(path.name)) or any(_TEST_PART.fullmatch(p) for p in path.parts[:-1])


class _Project:
    """The files of one discover run: texts, module names, parsed modules (cached)."""

    def __init__(self, files: Sequence[SourceFile], root: Path) -> None:
        self.files = list(files)
        self.root = root
        self.texts: dict[Path, str] = {}
        self.names: dict[Path, str] = {}
        self.by_module: dict[str, SourceFile] = {}
        for f in self.files:
            try:
                self.texts[f.path] = read_text(f.path)
            except (Unreadable, OSError):
                continue
            name = module_name(f.path, root)
            self.names[f.path] = name
            self.by_module.setdefault(name, f)
        self._modules: dict[Path, ModuleFacts | None] = {}
        self._methods: dict[str, list[cst.FunctionDef]] = {}

    def module(self, f: SourceFile) -> ModuleFacts | None:
        if f.path not in self._modules:
            text = self.texts.get(f.path)
            try:
                self._modules[f.path] = (None if text is None else
                                         read_module(f.path, f.display, self.names[f.path], text, whole=True))
            except (Unreadable, RecursionError):
                self._modules[f.path] = None
        return self._modules[f.path]

    def methods(self, name: str) -> list[cst.FunctionDef]:
        """The ``def``s called *name* anywhere in the project, for one level of `self.svc.name(...)`."""
        hit = self._methods.get(name)
        if hit is not None:
            return hit
        found: list[cst.FunctionDef] = []
        pattern = re.compile(rf"\bdef {re.escape(name)}\(")
        for f in (f for f in self.files if pattern.search(self.texts.get(f.path, ""))):
            module = self.module(f)
            if module is None:
                continue
            found.extend(fn.node for fn in module.functions.values() if fn.node is not None and fn.name == name)
        self._methods[name] = found
        return found

    def callers(self, fn: Function) -> Iterator[tuple[Function, cst.Call]]:
        """Calls of *fn* by name (`name(...)`, `x.name(...)`) in the project's other functions."""
        pattern = re.compile(rf"\b{re.escape(fn.name)}\(")
        n = 0
        for f in self.files:
            if not pattern.search(self.texts.get(f.path, "")):
                continue
            module = self.module(f)
            if module is None:
                continue
            for caller in module.functions.values():
                if caller.node is None or caller.node is fn.node:
                    continue
                for call in _calls(caller.node):
                    if last_name(call.func) == fn.name:
                        yield caller, call
                        n += 1
                        if n >= _MAX_CALLERS:
                            return

    def class_of(self, module: ModuleFacts, name: str) -> ClassFacts | None:
        """A class named in *module* (defined there, or imported from a checked module)."""
        found = module.class_named(name.rpartition(".")[2]) if "." not in name else None
        if found is not None:
            return found
        qualified = module.imports.qualify(name)
        if qualified is None:
            return None
        mod, _, cls = qualified.rpartition(".")
        f = self.by_module.get(mod)
        other = self.module(f) if f is not None else None
        return other.class_named(cls) if other is not None else None


def _calls(node: cst.CSTNode) -> list[cst.Call]:
    """The calls under *node*, not those of nested definitions (they are functions of their own)."""
    return [n for n in walk(node) if isinstance(n, cst.Call)]


def _base_names(cls: ClassFacts) -> list[str]:
    names = []
    for arg in cls.node.bases:
        written = dotted(arg.value)
        if written is not None:
            names.append(cls.module.imports.qualify(written) or written)
    return names


def _view_framework(cls: ClassFacts, project: _Project, depth: int = 0) -> tuple[Framework, str] | None:
    """The framework of a class-based view, through bases of the checked code (a few levels)."""
    for base in _base_names(cls):
        last = base.rpartition(".")[2]
        if last in VIEW_BASES:
            return VIEW_BASES[last], base
        if depth < 3:
            parent = project.class_of(cls.module, base)
            if parent is not None and parent is not cls:
                found = _view_framework(parent, project, depth + 1)
                if found is not None:
                    return found
        if last.endswith(("Servlet", "Resource")):
            return "servlet", base
    return None


def _module_framework(module: ModuleFacts) -> Framework:
    targets = set(module.imports.bound.values())
    for prefix, framework in IMPORT_FRAMEWORKS:
        if any(t == prefix or t.startswith(prefix + ".") for t in targets):
            return framework
    return "flask"


def _handler(fn: Function, project: _Project) -> tuple[Framework, str] | None:
    """(framework, decorator as written) when *fn* is a handler of a known framework."""
    module = fn.module
    for dec in fn.decorators:
        target = decorator_target(dec)
        names = known_names(target, module.imports)
        for entry, framework in DECORATOR_FRAMEWORKS:
            if matches(entry, names):
                return framework, dotted(target) or entry
        written = dotted(target)
        if (isinstance(target, cst.Attribute) and target.attr.value in ROUTE_VERBS and written is not None
                and written.split(".")[0] not in ("self", "cls")):
            return _module_framework(module), written
    if fn.cls is not None and fn.parent is None:
        if SERVLET_METHOD.fullmatch(fn.name):
            return "servlet", ""
        if fn.name in ANSWERING:
            view = _view_framework(fn.cls, project)
            if view is not None:
                return view[0], ""
    if (fn.cls is None and fn.parent is None and fn.positional[:1] == ("request",)
            and "views" in module.name.split(".")):
        return "django", ""
    return None


def _rank(seen: Seen, kind: Kind) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...], float]:
    personal = sorted((f, k) for f in seen.fields if (k := personal_kind(f)) is not None)
    others = sorted(f for f in seen.fields if personal_kind(f) is None)
    ordered = tuple([f for f, _ in personal] + others)
    score = 3.0 * len(personal) + 0.5 * min(len(others), 6) + (8.0 if seen.record else 0.0)
    if kind == "view":
        score += 1.0  # a whole endpoint the framework answers for
    return ordered, tuple(personal), score


def _candidate(kind: Kind, framework: Framework, fn_module: ModuleFacts, node: cst.CSTNode, qualname: str,
               seen: Seen, **extra: str) -> Candidate | None:
    fields, personal, score = _rank(seen, kind)
    if not personal and not seen.record:
        return None  # hands out nothing that looks like user data
    return Candidate(kind=kind, framework=framework, path=fn_module.display, line=fn_module.line_of(node),
                     module=fn_module.name, qualname=qualname, fields=fields, personal=personal, record=seen.record,
                     score=score, why=tuple(seen.why[:4]), **extra)


def _channel(call: cst.Call, module: ModuleFacts) -> Framework | None:
    names = known_names(call.func, module.imports)
    for entry, framework in CHANNEL_CALLS.items():
        if matches(entry, names) and (names[0].count(".") >= entry.count(".")):
            return framework
    name = last_name(call.func)
    if name is None or name not in CHANNEL_METHODS or not isinstance(call.func, cst.Attribute):
        return None
    framework, words = CHANNEL_METHODS[name]
    receiver = (last_name(call.func.value) or "").lower()
    if receiver in ("self", "cls", "super"):
        return None  # a method of the checked code: the channel, if any, is inside it
    if words and not any(w in receiver for w in words):
        return None
    return framework


def _payload(call: cst.Call, fn: Function, flow: FunctionFlow, project: _Project) -> Seen:
    seen = Seen()
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("timeout", "headers", "verify", "auth", "method"):
            continue
        if string_value(arg.value) is not None:
            continue  # a URL, a template name, a subject line
        seen.add(flow.of(arg.value))
    if seen.params and fn.node is not None:
        # a parameter: what the callers pass for it (one level)
        for caller, site in project.callers(fn):
            assert caller.node is not None
            caller_flow = FunctionFlow(caller.node, project.methods)
            for value in call_args(fn.node, site, seen.params).values():
                sub = caller_flow.of(value)
                sub.params = set()
                if sub.fields or sub.record:
                    seen.why.append(f"{caller.qualname} passes {', '.join(sorted(sub.fields)[:6]) or 'a record'}")
                seen.add(sub)
    return seen


def discover(files: Sequence[SourceFile], root: Path) -> list[Candidate]:
    """The ranked candidates of *files* (a project rooted at *root*): best first, ties by place."""
    project = _Project([f for f in files if not is_test(_within(f.path, root))], root)
    out: list[Candidate] = []
    for f in project.files:
        text = project.texts.get(f.path)
        if text is None or (not _WORTH_PARSING.search(text) and "views" not in project.names[f.path].split(".")):
            continue
        module = project.module(f)
        if module is None:
            continue
        out.extend(_module_candidates(module, project))
    forget()
    out.sort(key=lambda c: (-c.score, c.path, c.line, c.qualname))
    return out


def _module_candidates(module: ModuleFacts, project: _Project) -> Iterator[Candidate]:
    for fn in module.functions.values():
        if fn.node is None:
            continue
        flow: FunctionFlow | None = None
        handler = _handler(fn, project)
        if handler is not None:
            flow = FunctionFlow(fn.node, project.methods)
            found = _candidate("handler", handler[0], module, fn.node, fn.qualname, flow.returned(),
                               decorator=handler[1])
            if found is not None:
                yield found
        sent: dict[str, tuple[cst.Call, Framework, Seen]] = {}
        for call in _calls(fn.node.body):
            framework = _channel(call, module)
            if framework is None:
                continue
            flow = flow or FunctionFlow(fn.node, project.methods)
            seen = _payload(call, fn, flow, project)
            key = dotted(call.func) or last_name(call.func) or "?"
            if key in sent:
                sent[key][2].add(seen)
            else:
                sent[key] = (call, framework, seen)
        for key, (call, framework, seen) in sent.items():
            found = _candidate("channel", framework, module, call, fn.qualname, seen, callee=key)
            if found is not None:
                yield found
    for cls in module.classes.values():
        view = _inherited_view(cls, project)
        if view is not None:
            yield view


def _inherited_view(cls: ClassFacts, project: _Project) -> Candidate | None:
    """A DRF view whose list/retrieve are the framework's: its serializers' fields."""
    bases = _base_names(cls)
    inherited: list[str] = []
    base_name = ""
    for base in bases:
        reads = INHERITED_READS.get(base.rpartition(".")[2], ())
        missing = [m for m in reads if m not in cls.methods]
        if missing:
            inherited, base_name = missing, base
            break
    if not inherited:
        return None
    seen = Seen()
    for name in _serializer_names(cls):
        serializer = project.class_of(cls.module, name)
        if serializer is None:
            continue
        for field in _meta_fields(serializer, project):
            seen.fields.add(field)
        seen.why.append(f"{name}.Meta.fields")
        if _meta_all(serializer):
            seen.record = True
    return _candidate("view", "drf", cls.module, cls.node, cls.name, seen, base=base_name)


def _serializer_names(cls: ClassFacts) -> list[str]:
    """`serializer_class = X` and the classes `get_serializer_class` returns."""
    names: list[str] = []
    for stmt in cls.node.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == "serializer_class" for t in small.targets):
                    written = dotted(small.value)
                    if written:
                        names.append(written)
    getter = cls.methods.get("get_serializer_class")
    if getter is not None and getter.node is not None:
        class R(cst.CSTVisitor):
            def visit_Return(self, node: cst.Return) -> None:
                written = dotted(node.value) if node.value is not None else None
                if written and not written.startswith("self."):
                    names.append(written)

        getter.node.visit(R())
    return list(dict.fromkeys(names))


def _meta_class(cls: ClassFacts) -> cst.ClassDef | None:
    for stmt in cls.node.body.body:
        if isinstance(stmt, cst.ClassDef) and stmt.name.value == "Meta":
            return stmt
    return None


def _meta_all(cls: ClassFacts) -> bool:
    return cls.meta_fields == "__all__"


def _meta_fields(cls: ClassFacts, project: _Project, depth: int = 0) -> list[str]:
    """Meta.fields of a serializer: literals, `Parent.Meta.fields + (...)`, or inherited from a parent's Meta."""
    meta = _meta_class(cls)
    value: cst.BaseExpression | None = None
    if meta is not None:
        for stmt in meta.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and any(
                            isinstance(t.target, cst.Name) and t.target.value == "fields" for t in small.targets):
                        value = small.value
    if value is None:
        if depth >= 4:
            return []
        for base in _base_names(cls):
            parent = project.class_of(cls.module, base)
            if parent is not None and parent is not cls:
                return _meta_fields(parent, project, depth + 1)
        return []
    return _field_names(value, cls, project, depth)


def _field_names(value: cst.BaseExpression, cls: ClassFacts, project: _Project, depth: int) -> list[str]:
    if isinstance(value, (cst.Tuple, cst.List)):
        return [s for el in value.elements if (s := string_value(el.value)) is not None]
    if isinstance(value, cst.BinaryOperation):
        return _field_names(value.left, cls, project, depth) + _field_names(value.right, cls, project, depth)
    written = dotted(value)
    if written is not None and written.endswith(".Meta.fields") and depth < 4:
        parent = project.class_of(cls.module, written.removesuffix(".Meta.fields"))
        if parent is not None and parent is not cls:
            return _meta_fields(parent, project, depth + 1)
    return []
