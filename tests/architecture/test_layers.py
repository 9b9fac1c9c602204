"""The package is stages, and data flows one way: no stage imports a later
one, and no module imports itself back through others (SPEC-free: the
architecture's own contract, read with ``ast`` from the source)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import REPO

PACKAGE = REPO / "minlint"
# parse -> facts -> project -> analysis -> checks -> run -> reporters, fix, inventory, front ends;
# core is what every stage speaks, policy the configuration every stage after it reads
STAGES = {
    "core": 0, "parse": 1, "policy": 2, "facts": 3, "project": 4, "analysis": 5, "checks": 6, "run": 7,
    "report": 8, "api": 9, "fix": 10, "inventory": 10, "discover": 10, "frontends": 11, "__main__": 12,
}


def _module_name(path: Path, base: Path) -> str:
    parts = path.relative_to(base).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Every module of minlint -> the minlint modules it imports (anywhere in it:
    at the top, inside functions, or for type checking only)."""
    modules = {_module_name(p, package.parent): p for p in package.rglob("*.py")}
    out: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("minlint"):
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in modules else node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("minlint"))
        out[name] = {m for m in found if m in modules and m != name}
    return out


def _stage(module: str) -> int | None:
    parts = module.split(".")
    return STAGES.get(parts[1]) if len(parts) > 1 else 0


def test_every_module_belongs_to_a_stage() -> None:
    assert [m for m in _imports() if _stage(m) is None] == []


def _backward(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, imported in sorted(graph.items()):
        for other in sorted(imported):
            if _stage(other) > _stage(module):  # type: ignore[operator]
                wrong.append(f"{module} imports {other}")
    return wrong


def test_no_stage_imports_a_later_one() -> None:
    assert _backward(_imports()) == []


def test_no_import_cycle() -> None:
    graph = _imports()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for other in sorted(graph[module]):
            if state.get(other) == 1:
                cycles.append([*path[path.index(other):], other])
            elif other not in state:
                visit(other, [*path, other])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    # a package's __init__ re-exports its modules, which import their siblings
    # directly, never through the package: so no cycle runs through an __init__ either
    assert cycles == []


def test_the_checker_finds_a_backward_import_wherever_it_is_written(tmp_path: Path) -> None:
    """The test above can fail: a reporter importing the CLI is caught, at the
    top, inside a function and under TYPE_CHECKING alike."""
    pkg = tmp_path / "minlint"
    for folder in ("report", "frontends"):
        (pkg / folder).mkdir(parents=True)
        (pkg / folder / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "frontends" / "cli.py").write_text("X = 1\n")
    for name, body in [("top", "from minlint.frontends.cli import X\n"),
                       ("inner", "def f():\n    from minlint.frontends import cli\n"),
                       ("typing", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import minlint.frontends.cli\n")]:
        (pkg / "report" / f"{name}.py").write_text(body)
    assert _backward(_imports(pkg)) == [f"minlint.report.{n} imports minlint.frontends.cli"
                                        for n in ("inner", "top", "typing")]
