"""Reading the v2 keys of a pack (SPEC 7) into the typed model.

Each reader checks one key of one file and fails with the same one-line
``<file>: <key>: <problem>; expected <what>`` error as the v1 keys (the
reader object is pack.py's, passed in so this module needs nothing from it).
Positions come from :class:`~minlint.policy.lines.Lines`.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from typing import Any, Literal, NoReturn, Protocol

from minlint.policy.lines import Lines
from minlint.policy.model import ArgMatch, DecoratorMatch, FunctionSpec, SanitizerSpec, SourceSpec, Where

__all__ = [
    "GLOB_EXPECTED",
    "Reader",
    "read_arg_globs",
    "read_decorators",
    "read_functions",
    "read_globs",
    "read_sanitizers",
    "read_sources",
    "read_tests",
]


class Reader(Protocol):
    file: str

    def fail(self, key: str, problem: str, expected: str | None = None) -> NoReturn: ...

    def table(self, value: object, key: str, expected: str = "a table") -> dict[str, Any]: ...

    def keys(self, table: dict[str, Any], allowed: tuple[str, ...], prefix: str) -> None: ...

    def string(self, value: object, key: str, expected: str = "a string") -> str: ...

    def strings(self, value: object, key: str) -> list[str]: ...

    def names(self, value: object, key: str) -> list[str]: ...

    def fields(self, value: object, key: str) -> list[str]: ...


# A glob on a dotted name: the parts of a Python name plus fnmatch's * ? [...].
_GLOB_PART = r"[A-Za-z0-9_*?\[\]!]+"
_GLOB = re.compile(rf"{_GLOB_PART}(\.{_GLOB_PART})*")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
GLOB_EXPECTED = 'a dotted name or glob such as "app.rest.admin.*" or "*.get_user_ips"'
_DECORATOR_EXPECTED = 'a decorator name or a { name = "view_config", args = { permission = "*" } } table'
_FUNCTION_KEYS = ("modules", "bases", "names", "decorators")
_DECORATOR_KEYS = ("name", "args")
_SOURCE_KEYS = ("calls", "returns")
_SANITIZER_KEYS = ("calls",)


def _balanced(glob: str) -> bool:
    # fnmatch reads an unclosed "[" as a literal, which is never what was meant.
    depth = 0
    for char in glob:
        if char == "[":
            if depth:
                return False
            depth = 1
        elif char == "]":
            if not depth:
                return False
            depth = 0
    return depth == 0


def read_globs(r: Reader, value: object, key: str) -> tuple[str, ...]:
    out: dict[str, None] = {}  # ordered, each check O(1): packs may list thousands
    for i, text in enumerate(r.strings(value, key)):
        text = text.strip()
        if not _GLOB.fullmatch(text) or not _balanced(text) or not re.search(r"[A-Za-z_*?]", text):
            r.fail(f"{key}[{i}]", f"{text!r} is not a name or glob", GLOB_EXPECTED)
        fnmatch.translate(text)  # never fails for a checked glob; kept as the definition of "glob"
        out[text] = None
    return tuple(out)


def read_arg_globs(r: Reader, value: object, key: str) -> tuple[ArgMatch, ...]:
    """``{ url = "https://*.police.*", "0" = "..." }``: keyword names or positions, each to a glob."""
    table = r.table(value, key, 'a table of argument globs such as { url = "https://*.police.*" }')
    out: list[ArgMatch] = []
    for name, glob in table.items():
        akey = f"{key}.{name}"
        if not (_IDENTIFIER.fullmatch(name) or name.isdigit()):
            r.fail(akey, f"{name!r} is not an argument", 'a keyword name or a position such as "0"')
        text = r.string(glob, akey, "a glob on the argument's constant value (a string)")
        out.append((name, text))
    if not out:
        r.fail(key, "empty table", "at least one argument condition (leave args out for none)")
    return tuple(sorted(out))


def read_decorators(
    r: Reader, value: object, key: str, lines: Lines, after: int
) -> tuple[tuple[str, ...], tuple[DecoratorMatch, ...]]:
    """A list of decorator names (v1 meaning) and/or tables with argument globs."""
    if not isinstance(value, list):
        r.fail(key, "not a list", f"a list; each item {_DECORATOR_EXPECTED}")
    plain: dict[str, None] = {}
    tables: dict[DecoratorMatch, None] = {}
    for i, item in enumerate(value):
        ikey = f"{key}[{i}]"
        if isinstance(item, str):
            if not _NAME.fullmatch(item):
                r.fail(ikey, f"{item!r} is not a name", _DECORATOR_EXPECTED)
            plain[item] = None
            continue
        table = r.table(item, ikey, _DECORATOR_EXPECTED)
        r.keys(table, _DECORATOR_KEYS, ikey)
        if "name" not in table:
            r.fail(f"{ikey}.name", "missing", 'the decorator\'s dotted name, as in { name = "view_config" }')
        name = r.string(table["name"], f"{ikey}.name")
        if not _NAME.fullmatch(name):
            r.fail(f"{ikey}.name", f"{name!r} is not a name", 'a dotted name such as "view_config"')
        args = read_arg_globs(r, table["args"], f"{ikey}.args") if "args" in table else ()
        where = Where(r.file, lines.string(name, after))
        tables.setdefault(DecoratorMatch(name, args, where), None)
    return tuple(plain), tuple(tables)


def _array(r: Reader, data: dict[str, Any], name: str, key: str) -> list[dict[str, Any]]:
    raw = data.get(name, [])
    if not isinstance(raw, list):
        r.fail(key, "not an array of tables", f"an array of tables ([[{key}]])")
    return [r.table(item, f"{key}[{i}]", f"a table ([[{key}]] entry)") for i, item in enumerate(raw)]


def read_functions(r: Reader, disclosure: dict[str, Any], lines: Lines) -> list[FunctionSpec]:
    out: list[FunctionSpec] = []
    for i, raw in enumerate(_array(r, disclosure, "functions", "disclosure.functions")):
        key = f"disclosure.functions[{i}]"
        r.keys(raw, _FUNCTION_KEYS, key)
        line = lines.key("disclosure", "functions", i)
        spec_keys = [k for k in _FUNCTION_KEYS if k in raw]
        if not spec_keys:
            r.fail(key, "empty table matches every function", "at least one of " + ", ".join(_FUNCTION_KEYS))
        modules = read_globs(r, raw["modules"], f"{key}.modules") if "modules" in raw else ()
        bases: tuple[str, ...] = tuple(r.names(raw["bases"], f"{key}.bases")) if "bases" in raw else ()
        names = read_globs(r, raw["names"], f"{key}.names") if "names" in raw else ()
        decorators: tuple[DecoratorMatch, ...] = ()
        if "decorators" in raw:
            plain, tables = read_decorators(r, raw["decorators"], f"{key}.decorators", lines, line)
            decorators = tuple(DecoratorMatch(n, (), Where(r.file, lines.string(n, line))) for n in plain) + tables
        for k in spec_keys:
            if not raw[k]:
                r.fail(f"{key}.{k}", "empty list matches nothing", "a non-empty list (leave the key out instead)")
        out.append(FunctionSpec(modules, bases, names, decorators, Where(r.file, line)))
    return out


def _calls(r: Reader, raw: dict[str, Any], key: str, example: str) -> tuple[str, ...]:
    """The required, non-empty `calls` globs of a [[sources]] or [[sanitizers]] entry."""
    if "calls" not in raw:
        r.fail(f"{key}.calls", "missing", f"the calls it names, such as {example}")
    calls = read_globs(r, raw["calls"], f"{key}.calls")
    if not calls:
        r.fail(f"{key}.calls", "empty list", "at least one call")
    return calls


def read_sources(r: Reader, data: dict[str, Any], lines: Lines) -> list[SourceSpec]:
    out: list[SourceSpec] = []
    for i, raw in enumerate(_array(r, data, "sources", "sources")):
        key = f"sources[{i}]"
        r.keys(raw, _SOURCE_KEYS, key)
        calls = _calls(r, raw, key, '["*.ClientIpStore.get_user_ips"]')
        if "returns" not in raw:
            r.fail(f"{key}.returns", "missing", 'a list of field names or "record"')
        returns_raw = raw["returns"]
        returns: tuple[str, ...] | Literal["record"]
        if returns_raw == "record":
            returns = "record"
        elif isinstance(returns_raw, list):
            returns = tuple(r.fields(returns_raw, f"{key}.returns"))
            if not returns:
                r.fail(f"{key}.returns", "empty list", 'at least one field name, or "record"')
        else:
            r.fail(f"{key}.returns", f"got {returns_raw!r}", 'a list of field names or "record"')
        out.append(SourceSpec(calls, returns, Where(r.file, lines.key("", "sources", i))))
    return out


def read_sanitizers(r: Reader, data: dict[str, Any], lines: Lines) -> list[SanitizerSpec]:
    out: list[SanitizerSpec] = []
    for i, raw in enumerate(_array(r, data, "sanitizers", "sanitizers")):
        key = f"sanitizers[{i}]"
        r.keys(raw, _SANITIZER_KEYS, key)
        calls = _calls(r, raw, key, '["*.parse_string"]')
        out.append(SanitizerSpec(calls, Where(r.file, lines.key("", "sanitizers", i))))
    return out


def read_tests(r: Reader, value: object, key: str) -> tuple[str, ...]:
    """``unless`` tests: Python expressions, kept as written (the analysis
    normalises them); one that does not parse is a pack error, not a silent miss."""
    out: dict[str, None] = {}
    for i, text in enumerate(r.strings(value, key)):
        try:
            ast.parse(text.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            r.fail(f"{key}[{i}]", f"{text!r} is not a Python expression",
                   'a test such as "target_user == requester.user"')
        out[text.strip()] = None
    return tuple(out)
