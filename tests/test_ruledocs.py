"""Rule pages: one per code, every section, examples that parse, `minlint explain`."""

from __future__ import annotations

import ast
import importlib.resources
import re
from pathlib import Path

import pytest

from minlint.core.codes import CODES
from minlint.report import ruledocs
from minlint.report.explain import explain

SECTIONS = ["What it does", "Why is this bad?", "Example", "Use instead", "Options", "How to suppress"]
# The MIN10x pages also spell out the SPEC §2.2 forms.
FORMS_SECTION = "Recognised forms"
PROMISE = "we may\n> disclose your IP address and phone number to the relevant authorities"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def headings(text: str) -> list[str]:
    # Headings inside code blocks (a `## ` line in a fenced example) don't count.
    outside = FENCE.sub("", text)
    return [line[3:].strip() for line in outside.splitlines() if line.startswith("## ")]


def blocks(text: str, lang: str | None = None) -> list[str]:
    return [body for kind, body in FENCE.findall(text) if lang is None or kind == lang]


@pytest.fixture(params=list(CODES))
def code(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def test_every_code_has_a_page_and_no_page_lacks_a_code() -> None:
    assert ruledocs.codes_with_pages() == sorted(CODES)


def test_title_is_code_and_rule_name(code: str) -> None:
    assert ruledocs.page(code).splitlines()[0] == f"# {code}: {CODES[code].name}"


def test_sections_present_in_order(code: str) -> None:
    found = headings(ruledocs.page(code))
    wanted = list(SECTIONS)
    if code.startswith("MIN10"):
        wanted.insert(2, FORMS_SECTION)
    assert [h for h in found if h in wanted] == wanted, f"{code}: sections {found}"
    for title in wanted:
        assert ruledocs.section(code, title), f"{code}: section {title!r} is empty"


def test_why_quotes_the_promise(code: str) -> None:
    assert PROMISE in ruledocs.section(code, "Why is this bad?")


def test_python_blocks_parse(code: str) -> None:
    for body in blocks(ruledocs.page(code), "python"):
        ast.parse(body, filename=f"{code}.md")


def test_example_and_fix_are_code(code: str) -> None:
    example = blocks(ruledocs.section(code, "Example"))
    fixed = blocks(ruledocs.section(code, "Use instead"), "python")
    assert example and fixed, code
    if code == "MIN999":
        # The example of an unparseable file must really be unparseable.
        with pytest.raises(SyntaxError):
            ast.parse(example[0])
    else:
        assert blocks(ruledocs.section(code, "Example"), "python")
        assert code in example[0], f"{code}: the example should mark where the finding is"
        assert code not in fixed[0]


def test_examples_trigger_their_code_and_fixes_are_clean(
    code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pages promise that "Example" triggers the rule and "Use instead" does
    # not; hold them to it with the real engine and the default policy.
    engine = pytest.importorskip("minlint.run.engine")
    from minlint.project.config import find_config

    found: dict[str, list[str]] = {}
    if code == "MIN902":
        # a finding in the pack: the page's pack and code, a whole-project run
        from minlint.api import Options, check_paths

        for title in ("Example", "Use instead"):
            folder = tmp_path / title.replace(" ", "_")
            folder.mkdir()
            section = ruledocs.section(code, title)
            (folder / "pack.toml").write_text(blocks(section, "toml")[0], encoding="utf-8")
            (folder / "handler.py").write_text(blocks(section, "python")[0], encoding="utf-8")
            (folder / "pyproject.toml").write_text('[tool.minlint]\npolicy = "pack.toml"\n', encoding="utf-8")
            monkeypatch.chdir(folder)
            report = check_paths(["."], Options(cache=False, liveness=True))
            found[title] = [f.code for f in report.findings]
        assert found["Example"] and set(found["Example"]) == {code}, found
        assert found["Use instead"] == [], found
        return
    for title in ("Example", "Use instead"):
        folder = tmp_path / title.replace(" ", "_")
        folder.mkdir()
        (folder / "handler.py").write_text(blocks(ruledocs.section(code, title))[0], encoding="utf-8")
        # Pin the project root and the pack, whatever lies above tmp_path.
        # MIN200 exists only under a tiered pack (SPEC 9); its page uses the shipped us-sca-2703
        pack = "us-sca-2703" if code == "MIN200" else "telegram-2018"
        (folder / "pyproject.toml").write_text(f'[tool.minlint]\npolicy = "{pack}"\n', encoding="utf-8")
        monkeypatch.chdir(folder)
        config = find_config(folder)
        result = engine.check(["."], config, config.load_policy())
        found[title] = [f.code for f in result.findings]
    assert found["Example"] and set(found["Example"]) == {code}, found
    assert found["Use instead"] == [], found


def test_suppression_needs_a_reason(code: str) -> None:
    how = ruledocs.section(code, "How to suppress")
    if code == "MIN901":
        assert "cannot be suppressed by the comment it is about" in how
    elif code == "MIN999":
        assert "Not with a comment" in how
    else:
        assert f"# noqa: {code} -- " in how
        assert "reason" in how and "MIN901" in how


def test_options_name_policy_keys() -> None:
    options = {code: ruledocs.section(code, "Options") for code in CODES}
    for key in ("fields.allowed", "fields.categories", "fields.context"):
        assert key in options["MIN101"]
    for code in ("MIN201", "MIN202", "MIN203"):
        assert "calls" in options[code] and "predicates" in options[code] and "decorators" in options[code]
        assert "disclosure.exits" in options[code]
    assert "subjects" in options["MIN202"] and "blocked" in options["MIN202"]
    assert "subjects" in options["MIN205"] and "blocked" in options["MIN205"]
    assert "transparency.calls" in options["MIN301"]


@pytest.mark.parametrize(
    ("code", "forms"),
    [
        (
            "MIN101",
            ['{"k": v}', "dict(k=v)", "C(k=v)", "user.profile.email", 'x.get("k")', "x[0]", "f-strings",
             "json.dumps()", "hash()", 'p["k"] = v', "p.update(k=v)", 'p.setdefault("k", v)',
             'setattr(p, "k", v)', "fields.context", "phone_contacts", "ip_history", "contact_phones"],
        ),
        (
            "MIN102",
            ["vars(x)", "x.__dict__", "dataclasses.asdict(x)", "attrs.asdict(x)", "x.dict()", "x.model_dump()",
             "x.to_dict()", "x._asdict()", "model_to_dict(x)", "serializers.serialize(...)", ".values()",
             ".values_list()", '"__all__"', "deepcopy(x)", "session.get(Model, ...)", "get_object_or_404(...)",
             "model_dump(exclude=...)", "model_dump(include={...})", "def send(p): disclose(p)"],
        ),
        ("MIN103", ["getattr(x, name)", "x[name]", "**expr", "comprehension", "vars()", "locals()", "globals()"]),
    ],
)
def test_recognised_forms_follow_the_spec(code: str, forms: list[str]) -> None:
    text = ruledocs.page(code)
    missing = [form for form in forms if form not in text]
    assert not missing, f"{code} does not mention {missing}"


def test_rule_specific_explanations() -> None:
    assert "python -O" in ruledocs.section("MIN204", "Why is this bad?")
    iso = ruledocs.section("MIN205", "What it does")
    for spelling in ('"RU"', '"RUS"', '"ru"', '"Russia"', '"Russian Federation"'):
        assert spelling in iso
    assert "E902" in ruledocs.page("MIN999") and "E999" in ruledocs.page("MIN999")


def test_links_between_pages_resolve() -> None:
    for code in CODES:
        for target in re.findall(r"\]\((MIN[0-9]{3})\.md\)", ruledocs.page(code)):
            assert target in CODES, f"{code} links to {target}"
    assert ruledocs.absolute_links("[MIN201](MIN201.md)") == f"[MIN201]({ruledocs.DOCS_URL}MIN201.md)"
    assert ruledocs.plain_links("see [MIN201](MIN201.md).") == "see MIN201."


def test_page_refuses_names_that_are_not_codes() -> None:
    for bad in ("../pyproject", "MIN101.md", "__init__", "MIN1010", "min101"):
        with pytest.raises(ruledocs.NoPage):
            ruledocs.page(bad)


def test_source_tree_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    # A checkout that was never installed has no minlint.ruledocs_data package.
    def missing(name: str) -> None:
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(importlib.resources, "files", missing)
    ruledocs._pages_dir.cache_clear()
    try:
        pages = ruledocs._pages_dir()
        assert Path(str(pages)) == Path(__file__).resolve().parent.parent / "docs" / "rules"
        assert ruledocs.codes_with_pages() == sorted(CODES)
    finally:
        ruledocs._pages_dir.cache_clear()


# --- explain --------------------------------------------------------------------


def test_explain_returns_the_page(code: str) -> None:
    status, text = explain(code)
    assert status == 0
    assert text == ruledocs.page(code)
    assert text.endswith("\n")


def test_explain_accepts_lower_case() -> None:
    assert explain("min101") == (0, ruledocs.page("MIN101"))


def test_explain_unknown_code() -> None:
    status, text = explain("MIN777")
    assert status == 2
    assert text == f"minlint: error: unknown code 'MIN777'; expected one of {', '.join(CODES)}\n"


@pytest.mark.parametrize("bad", ["../../pyproject", "", "E501", "MIN250"])
def test_explain_refuses_other_input(bad: str) -> None:
    status, text = explain(bad)
    assert status == 2
    assert text.startswith(f"minlint: error: unknown code {bad!r}")
    assert text.count("\n") == 1


def test_every_page_lists_the_default_packs_vocabulary_as_generated(code: str) -> None:
    """The defaults on a rule page come from the default pack, never by hand
    (``python scripts/rule_docs.py`` rewrites them)."""
    from minlint.report.ruledefaults import with_block

    page = (Path(__file__).resolve().parents[1] / "docs" / "rules" / f"{code}.md").read_text(encoding="utf-8")
    assert with_block(page, code) == page, f"docs/rules/{code}.md is out of date: run python scripts/rule_docs.py"


def test_a_stale_defaults_block_is_rewritten() -> None:
    from minlint.report.ruledefaults import BEGIN, END, with_block

    page = ruledocs.page("MIN301")
    stale = page.replace("`record_disclosure`", "`old_name`")
    assert stale != page and BEGIN in stale and END in stale
    assert with_block(stale, "MIN301") == page
