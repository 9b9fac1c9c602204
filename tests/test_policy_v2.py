"""SPEC 7 keys: loaded as typed frozen data with the line of each entry,
validated as one-line errors, merged by (name, args) / id across packs."""

from __future__ import annotations

from pathlib import Path

import pytest

from minlint.policy.model import DecoratorMatch, Where
from minlint.policy.pack import MAX_EXTENDS, PolicyError, load_policy

V2 = """\
[policy]
name = "app"
extends = "telegram-2018"

[fields.categories.push_routing]
aliases = ["push_token"]

[disclosure]
refusals = ["pyramid.httpexceptions.HTTP*"]

[[disclosure.functions]]
modules = ["app.rest.admin.*"]
bases = ["app.http.servlet.Servlet"]
names = ["on_GET", "ConnectionsServlet.on_PUT"]

[[disclosure.functions]]
decorators = [{ name = "view_config", args = { route_name = "admin.user.*" } }]

[[disclosure.sinks]]
name = "HttpClient.post_json"
payload = [1, "json"]
args = { url = "https://*.police.*" }

[[disclosure.sinks]]
name = "HttpClient.post_json"
payload = ["json"]
args = { url = "https://push.*" }
allowed = ["push_routing"]
transparency = false

[[sources]]
calls = ["*.ClientIpStore.get_user_ips"]
returns = ["ip", "userAgent"]

[[sources]]
calls = ["*.load_user"]
returns = "record"

[[sanitizers]]
calls = ["app.utils.site.get_site_url"]

[[guards]]
id = "server_admin"
code = "MIN206"
calls = ["assert_user_is_admin"]
applies_to = ["app.rest.admin.*"]
exempt = ["app.cli.admin.*"]
unless = ["target_user == requester.user"]
decorators = ["admin_only", { name = "view_config", args = { permission = "*" } }]

[records]
bases = ["sqlalchemy.orm.DeclarativeBase"]
"""


def write(tmp_path: Path, text: str, name: str = "pack.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, nth: int = 0) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[nth]


def test_every_v2_key_is_typed_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, V2)
    policy = load_policy(str(path), tmp_path)
    file = str(path)
    first, second = policy.functions
    assert first.modules == ("app.rest.admin.*",)
    assert first.bases == ("app.http.servlet.Servlet",)
    assert first.names == ("on_GET", "ConnectionsServlet.on_PUT")
    assert first.where == Where(file, line_of(V2, "[[disclosure.functions]]", 0))
    assert second.decorators == (DecoratorMatch("view_config", (("route_name", "admin.user.*"),)),)
    assert second.where == Where(file, line_of(V2, "[[disclosure.functions]]", 1))
    assert second.decorators[0].where == Where(file, line_of(V2, 'name = "view_config", args = { route'))

    mine = [s for s in policy.sinks if s.name == "HttpClient.post_json"]
    assert [(s.args, s.payload, s.allowed, s.transparency) for s in mine] == [
        ((("url", "https://*.police.*"),), (1, "json"), None, True),
        ((("url", "https://push.*"),), ("json",), frozenset({"push_routing"}), False),
    ]
    assert [s.where for s in mine] == [Where(file, line_of(V2, "[[disclosure.sinks]]", i)) for i in (0, 1)]
    assert {s.name for s in policy.sinks} >= {"disclose", "send_to_authority"}  # v1 parent kept

    ips, record = policy.sources
    assert ips.calls == ("*.ClientIpStore.get_user_ips",) and ips.returns == ("ip", "user_agent")
    assert record.returns == "record" and record.where == Where(file, line_of(V2, "[[sources]]", 1))
    assert policy.sanitizers[0].calls == ("app.utils.site.get_site_url",)
    assert policy.record_bases == ("sqlalchemy.orm.DeclarativeBase",)
    assert policy.origins[("records.bases", "sqlalchemy.orm.DeclarativeBase")] == Where(
        file, line_of(V2, "bases = [", 1))
    assert policy.refusals == ("pyramid.httpexceptions.HTTP*",)

    guard = policy.guard("server_admin")
    assert guard is not None
    assert guard.decorators == ("admin_only",)
    assert guard.decorator_args == (DecoratorMatch("view_config", (("permission", "*"),)),)
    assert (guard.applies_to, guard.exempt, guard.unless) == (
        ("app.rest.admin.*",), ("app.cli.admin.*",), ("target_user == requester.user",))
    assert guard.where == Where(file, line_of(V2, "[[guards]]"))


def test_v1_pack_keeps_its_meaning_and_digest(tmp_path: Path) -> None:
    default = load_policy("telegram-2018", tmp_path)
    assert default.functions == default.sources == default.sanitizers == ()
    assert default.record_bases == default.refusals == ()
    assert all(s.args == () and s.allowed is None and s.transparency for s in default.sinks)
    assert default.requires_records
    v2 = load_policy(str(write(tmp_path, V2)), tmp_path)
    assert v2.digest != default.digest


def test_sinks_merge_by_name_and_args_across_packs(tmp_path: Path) -> None:
    write(tmp_path, '[disclosure]\nsinks = [{ name = "post", args = { url = "a*" } }, "post"]\n', "base.toml")
    child = write(tmp_path, '[policy]\nextends = "base.toml"\n[disclosure]\n'
                  'sinks = [{ name = "post", args = { url = "a*" }, payload = [0] }, '
                  '{ name = "post", args = { url = "b*" } }]\n')
    sinks = load_policy(str(child), tmp_path).sinks
    assert [(s.name, s.args, s.payload) for s in sinks] == [
        ("post", (("url", "a*"),), (0,)),  # the child's entry replaced the parent's with the same args
        ("post", (), None),
        ("post", (("url", "b*"),), None),
    ]


def test_guards_merge_v2_lists_by_id(tmp_path: Path) -> None:
    write(tmp_path, '[[guards]]\nid = "court_order"\ncalls = ["v"]\napplies_to = ["app.a.*"]\n', "base.toml")
    child = write(tmp_path, '[policy]\nextends = "base.toml"\n[[guards]]\nid = "court_order"\n'
                  'applies_to = ["app.b.*"]\nunless = ["a == b"]\n')
    guard = load_policy(str(child), tmp_path).guard("court_order")
    assert guard is not None
    assert guard.applies_to == ("app.a.*", "app.b.*") and guard.unless == ("a == b",)


def test_no_transparency_calls_requires_no_record(tmp_path: Path) -> None:
    policy = load_policy(str(write(tmp_path, "[transparency]\ncalls = []\n")), tmp_path)
    assert not policy.requires_records


BAD = [
    ('[[disclosure.functions]]\nmodule = ["x"]\n', "disclosure.functions[0].module",
     "modules, bases, names, decorators"),
    ("[[disclosure.functions]]\n", "disclosure.functions[0]", "at least one of"),
    ('[[disclosure.functions]]\nmodules = ["app rest"]\n', "disclosure.functions[0].modules[0]",
     "dotted name or glob"),
    ('[[disclosure.functions]]\nnames = ["on_[GET"]\n', "disclosure.functions[0].names[0]",
     "dotted name or glob"),
    ('[[disclosure.functions]]\nbases = ["a.*"]\n', "disclosure.functions[0].bases[0]", "dotted name"),
    ('[[disclosure.functions]]\nnames = []\n', "disclosure.functions[0].names", "non-empty list"),
    ('[[disclosure.functions]]\ndecorators = [{ args = { a = "b" } }]\n',
     "disclosure.functions[0].decorators[0].name", "dotted name"),
    ('[[disclosure.functions]]\ndecorators = [{ name = "v", args = { a = 1 } }]\n',
     "disclosure.functions[0].decorators[0].args.a", "a glob"),
    ('[[disclosure.functions]]\ndecorators = [{ name = "v", args = { "a-b" = "x" } }]\n',
     'disclosure.functions[0].decorators[0].args.a-b', "keyword name or a position"),
    ('[[disclosure.functions]]\ndecorators = [{ name = "v", arg = {} }]\n',
     "disclosure.functions[0].decorators[0].arg", "name, args"),
    ("[disclosure]\nfunctions = 3\n", "disclosure.functions", "array of tables"),
    ('[[disclosure.sinks]]\nname = "p"\ntransparency = "no"\n', "disclosure.sinks[0].transparency",
     "true or false"),
    ('[[disclosure.sinks]]\nname = "p"\nargs = {}\n', "disclosure.sinks[0].args", "at least one"),
    ('[[disclosure.sinks]]\nname = "p"\nallowed = ["nope"]\n', "disclosure.sinks[name=p].allowed",
     "a category of fields.categories"),
    ('[disclosure]\nrefusals = ["a b"]\n', "disclosure.refusals[0]", "dotted name or glob"),
    ('[[sources]]\nreturns = ["ip"]\n', "sources[0].calls", "the calls it names"),
    ('[[sources]]\ncalls = ["f"]\n', "sources[0].returns", '"record"'),
    ('[[sources]]\ncalls = ["f"]\nreturns = "all"\n', "sources[0].returns", '"record"'),
    ('[[sources]]\ncalls = ["f"]\nreturns = []\n', "sources[0].returns", "at least one field"),
    ('[[sources]]\ncalls = ["f"]\nreturns = ["ip"]\nreturn = 1\n', "sources[0].return", "calls, returns"),
    ('[[sanitizers]]\ncalls = []\n', "sanitizers[0].calls", "at least one call"),
    ('[[sanitizers]]\ncall = ["f"]\n', "sanitizers[0].call", "calls"),
    ('[records]\nbase = ["x"]\n', "records.base", "bases"),
    ('[records]\nbases = ["x y"]\n', "records.bases[0]", "dotted name"),
    ('[[guards]]\nid = "court_order"\ncalls = ["v"]\nunless = ["a =="]\n', "guards[0].unless[0]",
     "a test such as"),
    ('[[guards]]\nid = "court_order"\ncalls = ["v"]\napplies_to = "x"\n', "guards[0].applies_to",
     "a list of strings"),
    ('[[guards]]\nid = "court_order"\ndecorators = [{ name = "v", args = [] }]\n',
     "guards[0].decorators[0].args", "a table of argument globs"),
]


@pytest.mark.parametrize(("text", "key", "expected"), BAD, ids=[b[1] for b in BAD])
def test_bad_v2_key_is_one_line(tmp_path: Path, text: str, key: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(PolicyError) as info:
        load_policy(str(path), tmp_path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: "), message
    assert expected in message.split("; expected ", 1)[1], message


def test_long_extends_chain_is_one_line_naming_the_pack(tmp_path: Path) -> None:
    for i in range(3000):
        write(tmp_path, f'[policy]\nextends = "p{i + 1}.toml"\n' if i < 2999 else "", f"p{i}.toml")
    with pytest.raises(PolicyError) as info:
        load_policy(str(tmp_path / "p0.toml"), tmp_path)
    assert f"longer than {MAX_EXTENDS} packs" in str(info.value)
    assert str(info.value).startswith(str(tmp_path / f"p{MAX_EXTENDS - 1}.toml") + ": policy.extends: ")


def test_chain_within_the_limit_loads(tmp_path: Path) -> None:
    for i in range(MAX_EXTENDS):
        text = f'[policy]\nextends = "p{i + 1}.toml"\n' if i < MAX_EXTENDS - 1 else ""
        write(tmp_path, text + f'[disclosure]\ndecorators = ["d{i}"]\n', f"p{i}.toml")
    policy = load_policy(str(tmp_path / "p0.toml"), tmp_path)
    assert policy.decorators == tuple(f"d{i}" for i in reversed(range(MAX_EXTENDS)))


def test_deeply_nested_toml_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(PolicyError) as info:
        load_policy(str(path), tmp_path)
    assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)


def test_huge_lists_dedupe_in_order(tmp_path: Path) -> None:
    names = [f"d{i % 50_000}" for i in range(100_000)]
    path = write(tmp_path, "[disclosure]\ndecorators = [" + ",".join(f'"{n}"' for n in names) + "]\n")
    assert load_policy(str(path), tmp_path).decorators == tuple(f"d{i}" for i in range(50_000))
