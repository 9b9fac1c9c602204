"""Issue 15: bounded cost and clean errors on hostile input.

One small regression test per item. Growth with size is measured by
``benchmarks/bench.py --only hostile`` (``benchmarks/hostile.py``), never
by a wall-clock assert here: these tests check that the linear form is the
one in use, count what is copied, or run the real CLI on a small input.
"""

from __future__ import annotations

import random
import re
import warnings
from pathlib import Path

import pytest

from minlint.policy import pack
from minlint.policy.pack import normalise_field
from minlint.run import finish as finish_mod

with warnings.catch_warnings():  # deprecated as a module, still the parser `re` uses
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_parse

# --- names.normalise_field -----------------------------------------------------

_OLD_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])(?![0-9])")


def _old_normalise(name: str) -> str:
    text = _OLD_ACRONYM.sub(r"\1_\2", name.strip())
    text = pack._LOWER_BEFORE_UPPER.sub(r"\1_\2", text)
    text = pack._SEPARATORS.sub("_", text)
    return text.lower().lstrip("_")


def _unbounded_repeats(pattern: str) -> int:
    """How many unbounded repeats (``*``, ``+``) the pattern has, lookarounds included."""
    count = 0

    def walk(items: object) -> None:
        nonlocal count
        for op, av in items:  # type: ignore[attr-defined]
            if op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT):
                if av[1] == sre_parse.MAXREPEAT:
                    count += 1
                walk(av[2])
            elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
                walk(av[1])
            elif op == sre_parse.SUBPATTERN:
                walk(av[3])
            elif op == sre_parse.BRANCH:
                for branch in av[1]:
                    walk(branch)

    walk(sre_parse.parse(pattern))
    return count


def test_acronym_regex_does_constant_work_per_position() -> None:
    # the old ([A-Z]+)... retried the run of capitals from every position in it
    assert _unbounded_repeats(_OLD_ACRONYM.pattern) == 1
    assert _unbounded_repeats(pack._ACRONYM_BEFORE_WORD.pattern) == 0


def test_acronym_split_is_unchanged() -> None:
    assert normalise_field("IPAddress") == "ip_address"
    assert normalise_field("lastIP") == "last_ip"
    assert normalise_field("clientIpV4") == "client_ipv4"
    assert normalise_field("IPv6") == "ipv6"
    assert normalise_field("HTTPServerURLs") == "http_server_ur_ls" == _old_normalise("HTTPServerURLs")
    rng = random.Random(15)
    alphabet = "ABCXYZabcxyz019_-. "
    for _ in range(3000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert normalise_field(name) == _old_normalise(name), name


# --- the noqa pre-check of finish() ------------------------------------------

_OLD_NOQA_MIN = re.compile(r"#\s*noqa\s*:[^\n]*MIN", re.IGNORECASE)


def test_noqa_min_precheck_agrees_with_the_one_pattern() -> None:
    rng = random.Random(151)
    pieces = ["#noqa:", "# noqa :", "#  NOQA:", "MIN", "min101", "\n", " ", "x", "#", "noqa", ":"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        assert finish_mod.names_min(text) == bool(_OLD_NOQA_MIN.search(text)), repr(text)


def test_noqa_min_precheck_reads_each_line_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # a line of n `noqa:` comments: the MIN search runs once for the line, not n times
    calls = 0
    real = finish_mod._MIN

    class Counting:
        def search(self, text: str, pos: int, endpos: int) -> re.Match[str] | None:
            nonlocal calls
            calls += 1
            return real.search(text, pos, endpos)

    monkeypatch.setattr(finish_mod, "_MIN", Counting())
    assert not finish_mod.names_min("x = 1  " + "#noqa:" * 500 + "\ny = 2  " + "#noqa:" * 500 + "\n")
    assert calls == 2


# --- findings x file size ------------------------------------------------------


def test_findings_on_one_line_share_its_text(tmp_path: Path) -> None:
    from minlint.api import Options, check_paths

    keys = ", ".join(f'"email{i}": u.email{i}' for i in range(60))
    (tmp_path / "wide.py").write_text(
        f"from legal import disclose\n\n\ndef handler(u):\n    disclose({{{keys}}})\n", encoding="utf-8")
    seen: list[str] = []

    from minlint.run import seeds

    real = seeds.finding_of

    def spy(r: object) -> object:
        out = real(r)  # type: ignore[arg-type]
        seen.append(out.source_line)
        return out

    import unittest.mock

    with unittest.mock.patch.object(seeds, "finding_of", spy):
        check_paths([str(tmp_path)], Options(cache=False, jobs=1))
    line5 = [s for s in seen if s.startswith("disclose(")]
    assert len(line5) >= 60  # a raw finding per field
    assert len({id(s) for s in line5}) == 1  # one copy of the line, not one per finding
