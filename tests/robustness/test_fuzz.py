"""Fuzzing (issue #8): generated programs never crash the engine or the flake8 plugin.

hypothesmith generates Python source from the grammar (``from_grammar``:
syntactically plausible text, sometimes rejected by ``compile``) and from
libcst's node types (``from_node``: trees that libcst can print). Random
programs almost never mention the policy's vocabulary, and a file that does
not is only syntax-checked; so each program is also checked *seeded*: some
of its identifiers are renamed, token by token, to the names of the default
pack (sinks, checks, records, exits, jurisdiction subjects, fields), which
makes the file a disclosure candidate and sends it through libcst, the CFGs,
the payload analysis and every rule.

Allowed outcomes: findings (any codes, MIN999 included) or none. Never an
exception, from ``minlint.run.engine.check`` nor from the flake8 plugin
(``MinlintChecker(tree, filename).run()`` exhausted).

A short run is part of the default test run (``max_examples`` below); the
long run is marked slow: ``python -m pytest -m slow tests/robustness/test_fuzz.py``
(``MINLINT_FUZZ_EXAMPLES`` sets its size, 2,000 by default).
"""

from __future__ import annotations

import ast
import io
import keyword
import os
import random
import tempfile
import tokenize
from collections.abc import Callable
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minlint.core.findings import Finding
from minlint.frontends.flake8 import MinlintChecker
from minlint.project.config import Config
from minlint.run.engine import check

# Generated programs such as `1()` make the compiler warn; they are data here, not our code.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

SHORT = settings(max_examples=20, deadline=None, derandomize=False,
                 suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=int(os.environ.get("MINLINT_FUZZ_EXAMPLES", "2000")), deadline=None,
                suppress_health_check=list(HealthCheck))

# Names of the default pack, by role: renaming identifiers to these makes a
# random program look like a disclosure path to every part of the engine.
VOCABULARY = (
    "disclose", "send_to_authority", "disclosure", "disclosure_endpoint",
    "verify_court_order", "check_jurisdiction", "require_terror_suspect", "has_valid_court_order",
    "confirms_terror_suspect", "requires_court_order", "record_disclosure", "abort", "deny",
    "country", "jurisdiction", "ip", "phone", "email", "asdict", "vars", "getattr", "setattr",
    "model_dump", "objects", "values", "update", "suppress", "partial", "copy", "self",
)

EXAMPLES = {"engine": 0, "plugin": 0}


def seeded(code: str, rng: random.Random) -> str:
    """*code* with about a third of its identifiers renamed to the pack's vocabulary
    (never keywords or soft keywords, so the text stays as parseable as it was),
    and a marker comment that makes any file a disclosure candidate."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError, ValueError):
        return code + "\n# minlint: disclosure\n"
    lines = code.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    for tok in tokens:
        if tok.type != tokenize.NAME or keyword.iskeyword(tok.string) or keyword.issoftkeyword(tok.string):
            continue
        if tok.start[0] != tok.end[0] or rng.random() > 0.35:
            continue
        edits.append((tok.start[0], tok.start[1], tok.end[1], rng.choice(VOCABULARY)))
    for row, start, end, name in sorted(edits, reverse=True):
        if 0 < row <= len(lines):
            line = lines[row - 1]
            lines[row - 1] = line[:start] + name + line[end:]
    out = "".join(lines)
    if out and not out.endswith(("\n", "\r")):
        out += "\n"
    return out + "# minlint: disclosure\n"


def run_engine(code: str) -> list[Finding]:
    """``minlint.run.engine.check`` on one file holding *code*: findings or an exception (a failure)."""
    with tempfile.TemporaryDirectory(prefix="minlint-fuzz-") as tmp:
        path = Path(tmp) / "case.py"
        path.write_bytes(code.encode("utf-8", "surrogatepass"))
        config = Config(pyproject=None, root=Path(tmp))
        result = check([str(path)], config, config.load_policy())
    for f in result.findings:
        assert f.line >= 1 and f.column >= 1, f
        assert f.code.startswith("MIN"), f
        if f.code == "MIN999":
            assert "\n" not in f.message, f.message
    EXAMPLES["engine"] += 1
    return result.findings


def run_plugin(code: str) -> list[tuple[int, int, str, type]]:
    """The flake8 plugin on one file, as flake8 calls it (only for files flake8 can parse)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # flake8 reports E999 itself and never calls plugins that take `tree`
    with tempfile.TemporaryDirectory(prefix="minlint-fuzz-") as tmp:
        path = Path(tmp) / "case.py"
        path.write_bytes(code.encode("utf-8", "surrogatepass"))
        out = list(MinlintChecker(tree, str(path), path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)).run())
    for line, col, text, _ in out:
        assert line >= 1 and col >= 0 and text.startswith("MIN"), (line, col, text)
        assert not text.startswith("MIN999"), "flake8 reports unparsable files itself"
    EXAMPLES["plugin"] += 1
    return out


def _both(code: str, seed: int) -> None:
    for text in (code, seeded(code, random.Random(seed))):
        run_engine(text)
        run_plugin(text)


@pytest.fixture(autouse=True)
def _count(request: pytest.FixtureRequest) -> object:
    before = dict(EXAMPLES)
    yield
    ran = {k: EXAMPLES[k] - before[k] for k in EXAMPLES}
    # Shown with `-s` (and in the long run's note): how many programs really went through.
    print(f"\n{request.node.name}: engine ran on {ran['engine']} programs, flake8 plugin on {ran['plugin']}")


def _fuzz(strategy: st.SearchStrategy[str], config: settings) -> Callable[[], None]:
    @config
    @given(code=strategy, seed=st.integers(0, 2**32 - 1))
    def run(code: str, seed: int) -> None:
        _both(code, seed)

    return run


def test_grammar_programs_never_crash() -> None:
    _fuzz(hypothesmith.from_grammar(), SHORT)()


def test_node_programs_never_crash() -> None:
    _fuzz(hypothesmith.from_node(), SHORT)()


@pytest.mark.slow
def test_grammar_programs_never_crash_long() -> None:
    _fuzz(hypothesmith.from_grammar(), LONG)()


@pytest.mark.slow
def test_node_programs_never_crash_long() -> None:
    _fuzz(hypothesmith.from_node(), LONG)()


# Programs the fuzzer rarely builds by chance, kept as fixed examples.
HAND_PICKED = [
    "",
    "\n",
    "# minlint: disclosure\n",
    "disclose()\n",
    "disclose(*a, **k)\n",
    "def f():\n    return disclose\n",
    "@disclosure\ndef f():\n    return\n",
    "@disclosure\ndef f():\n    yield\n",
    "@disclosure\nasync def f():\n    return await g()\n",
    "def f(x=disclose(lambda: (yield))):\n    pass\n",
    "class C:\n    disclose(x for x in vars())\n",
    "disclose({**{**{}}})\n",
    "disclose(f'{x!r:{y}}')\n",
    "while True:\n    try:\n        continue\n    finally:\n        break\ndisclose(1)\n",
    "try:\n    pass\nfinally:\n    try:\n        raise\n    finally:\n        return_ = disclose(x)\n",
    "def f():\n    try:\n        return\n    finally:\n        for x in y:\n            try:\n                break\n            finally:\n                continue\n    disclose(x)\n",
    "match x:\n    case {'a': [*_], **rest} if verify_court_order(rest):\n        disclose(rest)\n",
    "def f():\n    global g\n    g[0] = g\n    disclose(g)\n",
    "x = x = x\ndisclose(x)\n",
    "p = {}\np[p] = p\np.update(p)\nsetattr(p, p, p)\ndisclose(p)\n",
    "def f(a):\n    return f(f(a))\ndisclose(f(1))\n",
    "def f():\n    return g()\ndef g():\n    return f()\ndisclose(f())\n",
    "from . import disclose as d\nfrom .. import *\nd(x)\n",
    "import a.b.c as d\nd.disclose(getattr(x, y)(z))\n",
    "if country in country:\n    deny()\ndisclose(country)\n",
    "assert confirms_terror_suspect, disclose(1)\n",
    "with suppress():\n    with suppress():\n        verify_court_order()\ndisclose()\n",
    "async def f():\n    async with a as (b, c):\n        async for d in e:\n            await disclose(d)\n",
    "try:\n    pass\nexcept* (A, B) as e:\n    disclose(e)\n",
    "type X = int\ndisclose(X)\n",
    "def f[T](x: T) -> T:\n    return disclose(x)\n",
    "\ufeffdisclose(1)\n",
    "disclose(1)\r\nverify_court_order()\r\n",
    "if True:\n\tdisclose(1)\n",
    "x = " + "(" * 50 + "1" + ")" * 50 + "\ndisclose(x)\n",
    "x = (\n" * 3 + "\ndisclose(x)\n",  # a syntax error in a seed file
]


@pytest.mark.parametrize("code", HAND_PICKED, ids=range(len(HAND_PICKED)))
def test_hand_picked_programs_never_crash(code: str) -> None:
    _both(code, 0)
