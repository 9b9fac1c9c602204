"""docs/policy.md is the reference a privacy team writes its pack from
(issue 16, Docs): every key the loader accepts has its row in the section
about its table, and every TOML example on the page loads with the real
loader. The adoption guide goes discover -> pack -> baseline -> gate."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from minlint.policy import pack, tiers, v2
from minlint.policy.pack import load_policy
from tests.support import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOC = (REPO / "docs" / "policy.md").read_text(encoding="utf-8")
ADOPTION = (REPO / "docs" / "adoption.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)

# Each key tuple of the loader -> the heading of the section whose table documents it.
SECTIONS: dict[tuple[object, str], str] = {
    (pack, "_POLICY_KEYS"): "`[policy]`",
    (pack, "_FIELDS_KEYS"): "`[fields]`",
    (pack, "_CATEGORY_KEYS"): "`[fields.categories.NAME]`",
    (pack, "_DISCLOSURE_KEYS"): "`[disclosure]`",
    (pack, "_SINK_KEYS"): "`[disclosure]`",
    (pack, "_GUARD_KEYS"): "`[[guards]]`",
    (pack, "_RECORDS_KEYS"): "`[records]`",
    (pack, "_TRANSPARENCY_KEYS"): "`[transparency]`",
    (v2, "_FUNCTION_KEYS"): "`[[disclosure.functions]]`",
    (v2, "_DECORATOR_KEYS"): "`[[disclosure.functions]]`",
    (v2, "_SOURCE_KEYS"): "`[[sources]]`",
    (v2, "_SANITIZER_KEYS"): "`[[sanitizers]]`",
    (tiers, "TIER_KEYS"): "Legal instruments (`[[tiers]]`)",
}


def key_tuples() -> list[tuple[object, str]]:
    """Every module-level tuple of key names in the loader's modules."""
    out = []
    for module in (pack, v2, tiers):
        for name, value in vars(module).items():
            if name.endswith("_KEYS") and name != "_TOP_KEYS" and isinstance(value, tuple):
                out.append((module, name))
    return out


def section(heading: str) -> str:
    """The text under the heading (any level) up to the next heading of the same or a higher level."""
    lines = DOC.splitlines()
    fenced = []  # whether each line is inside a code block (a "# comment" there is no heading)
    inside = False
    for line in lines:
        if line.startswith("```"):
            inside = not inside
        fenced.append(inside or line.startswith("```"))
    for i, line in enumerate(lines):
        level = len(line) - len(line.lstrip("#"))
        if level and not fenced[i] and line[level:].strip() == heading:
            body = []
            for j in range(i + 1, len(lines)):
                other = lines[j]
                other_level = len(other) - len(other.lstrip("#"))
                if other_level and not fenced[j] and other_level <= level and other[other_level:other_level + 1] == " ":
                    break
                body.append(other)
            return "\n".join(body)
    raise AssertionError(f"docs/policy.md has no heading {heading!r}")


def test_every_key_tuple_of_the_loader_has_a_section() -> None:
    assert sorted(name for _, name in key_tuples()) == sorted(name for _, name in SECTIONS)


@pytest.mark.parametrize(("where", "heading"), list(SECTIONS.items()), ids=lambda v: str(v)[-30:])
def test_every_key_has_a_row_in_its_section(where: tuple[object, str], heading: str) -> None:
    module, name = where
    body = section(heading)
    missing = [key for key in getattr(module, name) if f"| `{key}` |" not in body]
    assert not missing, f"{name}: no row for {missing} under {heading}"


def test_every_top_level_table_is_documented() -> None:
    for key in pack._TOP_KEYS:
        assert f"`[{key}]`" in DOC or f"`[[{key}]]`" in DOC, key


def toml_blocks() -> list[str]:
    return [body for kind, body in FENCE.findall(DOC) if kind == "toml"]


def test_the_page_has_an_example_per_framework() -> None:
    for framework in ("### Django + Django REST framework", "### FastAPI", "### Flask", "### Pyramid",
                      "### A servlet-class framework (Synapse, Twisted)"):
        body = section(framework.removeprefix("### "))
        assert "```python" in body and "```toml" in body, framework


@pytest.mark.parametrize("index", range(len(toml_blocks())))
def test_each_toml_example_loads_with_the_real_loader(index: int, tmp_path: Path) -> None:
    text = toml_blocks()[index]
    data = tomllib.loads(text)
    if "tool" in data:  # a pyproject.toml: its [tool.minlint] is read by the configuration
        from minlint.project.config import find_config

        (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
        (tmp_path / "minlint-policy.toml").write_text(toml_blocks()[0], encoding="utf-8")
        assert find_config(tmp_path).load_policy().name
        return
    path = tmp_path / "example.toml"
    path.write_text(text, encoding="utf-8")
    policy = load_policy(str(path), tmp_path)
    assert str(path.resolve()) in policy.files or str(path) in policy.files


def test_every_v2_key_is_used_in_some_example() -> None:
    """The examples are not all v1: each v2 key appears in a block that loads."""
    text = "\n".join(toml_blocks())
    for key in ("[[disclosure.functions]]", "[[disclosure.sinks]]", "args =", "allowed = [", "transparency = false",
                "[[sources]]", "[[sanitizers]]", "[records]", "refusals =", "applies_to =", "exempt =",
                "unless =", "[[tiers]]", "requires ="):
        assert key in text, key


def test_the_adoption_guide_goes_discover_pack_baseline_gate() -> None:
    steps = ["minlint discover", "--write-pack", "minlint policy show", "MIN902", "minlint baseline write",
             "--baseline"]
    at = [ADOPTION.find(step) for step in steps]
    assert -1 not in at, dict(zip(steps, at, strict=True))
    assert at == sorted(at), dict(zip(steps, at, strict=True))
