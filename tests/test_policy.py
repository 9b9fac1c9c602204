"""Policy packs (SPEC 3): the default pack, validation errors, merging."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minlint.policy.pack import (
    DEFAULT_PACK,
    Policy,
    PolicyError,
    load_policy,
    normalise_field,
    pack_names,
)

ROOT = Path(__file__).resolve().parents[1]

# The acceptance corpus's own pack (acceptance/custom/minlint-policy.toml).
LAWFUL_ACCESS = r"""
# A complete pack of this service's own names; it extends nothing.
[policy]
name = "lawful-access"
extends = ""

[fields]
allowed = ["ip_address", "phone_number"]
context = ["warrant_no", "agency", "case_ref"]

[fields.categories.ip_address]
aliases = ["signup_addr", "seen_from"]
patterns = ['(\w+_)?ip']

[fields.categories.phone_number]
aliases = ["msisdn", "cell"]
patterns = []

[disclosure]
decorators = ["lawful_access"]
sinks = [{ name = "portal.push", payload = ["data"] }, "hand_over"]
exits = ["refuse"]

[[guards]]
id = "court_order"
calls = ["assert_warrant"]
predicates = ["warrant_is_valid"]

[[guards]]
id = "jurisdiction"
subjects = ["agency_country"]
blocked = ["RU", "BY"]

[[guards]]
id = "terror_suspect"
predicates = ["is_terrorism_case"]

[transparency]
calls = ["ledger.append_disclosure"]
"""

# SPEC 3: what the default pack must recognise at least ("fewer is a bug").
SPEC_VOCABULARY = {
    "decorators": ["disclosure", "disclosure_endpoint"],
    "sinks": ["disclose", "disclose_to_authority", "send_to_authority", "submit_disclosure"],
    "exits": ["abort", "deny", "reject"],
    "court_order.calls": ["verify_court_order", "require_court_order", "check_court_order"],
    "court_order.predicates": ["court_order_verified", "has_valid_court_order", "is_valid_court_order"],
    "court_order.decorators": ["requires_court_order"],
    "jurisdiction.calls": ["check_jurisdiction", "require_allowed_jurisdiction"],
    "jurisdiction.subjects": ["jurisdiction", "country", "country_code", "authority_country",
                              "requesting_country"],
    "jurisdiction.blocked": ["RU"],
    "terror_suspect.calls": ["require_terror_suspect", "confirm_terror_suspect"],
    "terror_suspect.predicates": ["confirms_terror_suspect", "is_terror_suspect",
                                  "terror_suspect_confirmed"],
    "transparency": ["record_disclosure", "log_disclosure", "add_to_transparency_report"],
    "context": ["case_id", "request_id", "order_id", "authority", "authority_id", "authority_name",
                "court_order", "reason", "jurisdiction", "country"],
    "ip_address.aliases": ["ip", "ip_address", "ip_addr", "remote_addr", "client_ip", "last_ip",
                           "ipv4", "ipv6"],
    "ip_address.patterns": [r"(\w+_)?ip(v[46])?(_addr(ess)?)?"],
    "phone_number.aliases": ["phone", "phone_number", "msisdn", "mobile", "mobile_number", "tel",
                             "telephone"],
    "phone_number.patterns": [r"(\w+_)?(phone|mobile|msisdn|tel|telephone)(_number|_no|_num)?"],
}


@pytest.fixture(scope="module")
def default() -> Policy:
    return load_policy(DEFAULT_PACK, ROOT)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def failure(folder: Path, text: str, name: str = "pack.toml") -> tuple[str, str]:
    """The error text of loading *text* as a pack, and the file it must name."""
    path = write(folder, name, text)
    with pytest.raises(PolicyError) as caught:
        load_policy(name, folder)
    return str(caught.value), str(path)


def assert_one_line(message: str, file: str, key: str, *expected: str) -> None:
    assert "\n" not in message and "Traceback" not in message, message
    assert message.startswith(f"{file}: {key}: "), message
    assert "; expected " in message, message
    for part in expected:
        assert part in message.split("; expected ", 1)[1], message


# ---------------------------------------------------------------------------
# The default pack


def test_default_pack_is_shipped(default: Policy) -> None:
    assert DEFAULT_PACK in pack_names()
    assert default.name == "telegram-2018"
    assert len(default.files) == 1 and default.files[0].endswith("telegram-2018.toml")
    assert default.allowed == {"ip_address", "phone_number"}
    assert [g.id for g in default.guards] == ["court_order", "jurisdiction", "terror_suspect"]
    assert [g.code for g in default.guards] == ["MIN201", "MIN202", "MIN203"]
    assert [g.title for g in default.guards] == [
        "court-order check", "jurisdiction check", "terror-suspect check"]
    assert default.fides_of("ip_address") == "user.device.ip_address"
    assert default.fides_of("phone_number") == "user.contact.phone_number"
    assert default.fides_of("nothing") is None
    assert all(s.payload is None for s in default.sinks)


@pytest.mark.parametrize(("where", "names"), sorted(SPEC_VOCABULARY.items()))
def test_default_vocabulary_covers_spec_table(default: Policy, where: str, names: list[str]) -> None:
    guard_lists = {g.id: g for g in default.guards}
    categories = {c.name: c for c in default.categories}
    have: set[str]
    if where == "decorators":
        have = set(default.decorators)
    elif where == "sinks":
        have = {s.name for s in default.sinks}
    elif where == "exits":
        have = set(default.exits)
    elif where == "transparency":
        have = set(default.transparency_calls)
    elif where == "context":
        have = set(default.context)
    else:
        owner, attribute = where.split(".")
        if owner in categories:
            value = getattr(categories[owner], attribute)
            have = {p.pattern for p in value} if attribute == "patterns" else set(value)
        else:
            have = set(getattr(guard_lists[owner], attribute))
    assert set(names) <= have, sorted(set(names) - have)


def test_default_vocabulary_is_documented(default: Policy) -> None:
    docs = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    names = {s.name for s in default.sinks} | set(default.exits) | set(default.decorators)
    names |= set(default.context) | set(default.transparency_calls)
    for g in default.guards:
        names |= set(g.calls) | set(g.predicates) | set(g.decorators) | set(g.subjects)
        names |= set(g.blocked)
    for c in default.categories:
        names |= set(c.aliases) | {c.name, c.fides or ""}
    missing = sorted(n for n in names if f"`{n}`" not in docs)
    assert not missing, f"docs/policy.md does not list {missing}"


def test_default_vocabulary_avoids_generic_names(default: Policy) -> None:
    everything = {s.name for s in default.sinks} | set(default.exits) | set(default.decorators)
    for g in default.guards:
        everything |= set(g.calls) | set(g.predicates) | set(g.decorators)
    assert not everything & {"send", "check", "validate", "post", "get", "run", "log", "record"}


@pytest.mark.parametrize(
    "field", ["last_ip", "client_ip", "ipv6", "phoneNumber", "msisdn", "mobile_number", "ip",
              "remoteAddr", "lastIP", "_Phone", "IPAddress", "userIPv6", "telephone", "phone_no"])
def test_allowed_fields(default: Policy, field: str) -> None:
    assert default.is_allowed(normalise_field(field))


@pytest.mark.parametrize(
    "field", ["phone_contacts", "ip_history", "contact_phones", "zip", "email", "hotel",
              "messages", "contacts", "username", "location", "ships", "phones"])
def test_fields_not_allowed(default: Policy, field: str) -> None:
    name = normalise_field(field)
    assert not default.is_allowed(name)
    assert not default.is_context(name)


@pytest.mark.parametrize("field", ["case_id", "request_id", "caseId", "authority", "order_id"])
def test_context_fields(default: Policy, field: str) -> None:
    assert default.is_context(normalise_field(field))


def test_category_of(default: Policy) -> None:
    assert default.category_of("last_ip") == "ip_address"
    assert default.category_of("mobile_number") == "phone_number"
    assert default.category_of("email") is None


def test_aliases_win_over_patterns(tmp_path: Path) -> None:
    write(tmp_path, "p.toml", r"""
        [fields.categories.a]
        patterns = ['x_\w+']
        [fields.categories.b]
        aliases = ["x_id"]
    """)
    policy = load_policy("p.toml", tmp_path)
    assert policy.category_of("x_id") == "b"  # alias of the later category first
    assert policy.category_of("x_other") == "a"


@pytest.mark.parametrize(
    ("name", "normal"),
    [("lastIP", "last_ip"), ("_Phone", "phone"), ("IPAddress", "ip_address"),
     ("phoneNumber", "phone_number"), ("__ip", "ip"), ("PHONE_NUMBER", "phone_number"),
     ("IPv6", "ipv6"), ("clientIpV4", "client_ipv4"), ("HTTPRequestID", "http_request_id"),
     ("phone-number", "phone_number"), ("msisdn", "msisdn")])
def test_normalise_field(name: str, normal: str) -> None:
    assert normalise_field(name) == normal


def test_lawful_access_pack(tmp_path: Path) -> None:
    write(tmp_path, "minlint-policy.toml", LAWFUL_ACCESS)
    policy = load_policy("minlint-policy.toml", tmp_path)
    assert policy.name == "lawful-access"
    assert [(s.name, s.payload) for s in policy.sinks] == [("portal.push", ("data",)),
                                                           ("hand_over", None)]
    assert policy.guard("jurisdiction") is not None
    assert policy.guard("jurisdiction").blocked == ("RU", "BY")  # type: ignore[union-attr]
    assert policy.guard("nothing") is None
    assert policy.is_allowed("signup_ip") and policy.is_allowed("cell")
    assert not policy.is_allowed("last_ip_history")
    assert policy.is_context("warrant_no")
    assert "verify_court_order" not in policy.guard("court_order").calls  # type: ignore[union-attr]


def test_blocked_is_normalised(tmp_path: Path) -> None:
    write(tmp_path, "p.toml", """
        [[guards]]
        id = "jurisdiction"
        subjects = ["country"]
        blocked = ["Russia", "RUS", "ru", "Belarus", "Iran, Islamic Republic of"]
    """)
    guard = load_policy("p.toml", tmp_path).guard("jurisdiction")
    assert guard is not None and guard.blocked == ("RU", "BY", "IR")


def test_payload_indexes_and_keywords(tmp_path: Path) -> None:
    write(tmp_path, "p.toml", """
        [disclosure]
        sinks = ["disclose", { name = "send_to_authority", payload = [1, "data", 1] }, "disclose"]
    """)
    policy = load_policy("p.toml", tmp_path)
    assert [(s.name, s.payload) for s in policy.sinks] == [
        ("disclose", None), ("send_to_authority", (1, "data"))]


def test_custom_guard(tmp_path: Path) -> None:
    write(tmp_path, "p.toml", """
        [[guards]]
        id = "user_notified"
        code = "MIN206"
        calls = ["notify_user"]
        [[guards]]
        id = "dpo_approval"
        code = "MIN299"
        title = "data-protection-officer sign-off"
        decorators = ["approved_by_dpo"]
    """)
    policy = load_policy("p.toml", tmp_path)
    assert [(g.id, g.code, g.title) for g in policy.guards] == [
        ("user_notified", "MIN206", "user-notified check"),
        ("dpo_approval", "MIN299", "data-protection-officer sign-off"),
    ]


def test_empty_pack_and_name_from_file(tmp_path: Path) -> None:
    write(tmp_path, "sub/empty.toml", "")
    policy = load_policy("sub/empty.toml", tmp_path)
    assert policy.name == "empty"
    assert policy.files == (str((tmp_path / "sub/empty.toml").resolve()),)
    assert not policy.sinks and not policy.guards and policy.category_of("ip") is None


def test_loaded_once_until_a_file_changes(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", '[policy]\nname = "base"\n[disclosure]\nsinks = ["disclose"]\n')
    write(tmp_path, "child.toml", '[policy]\nname = "child"\nextends = "base.toml"\n')
    first = load_policy("child.toml", tmp_path)
    assert load_policy("child.toml", tmp_path) is first
    parent = tmp_path / "base.toml"
    parent.write_text('[policy]\nname = "base"\n[disclosure]\nsinks = ["disclose", "hand_over"]\n')
    os.utime(parent, ns=(1, 1))  # a different mtime even on a coarse clock
    second = load_policy("child.toml", tmp_path)
    assert second is not first
    assert [s.name for s in second.sinks] == ["disclose", "hand_over"]
    assert second.digest != first.digest


def test_policy_pickles(default: Policy) -> None:
    # --jobs sends the policy to worker processes.
    copy = pickle.loads(pickle.dumps(default))
    assert copy == default and copy.is_allowed("last_ip")


# ---------------------------------------------------------------------------
# Merging (extends)


CHILD = """
    [policy]
    name = "acme"
    extends = "telegram-2018"
    [fields]
    allowed = ["ip_address", "email"]
    context = ["ticket_id", "case_id"]
    [fields.categories.email]
    aliases = ["email", "mail"]
    fides = "user.contact.email"
    [fields.categories.ip_address]
    aliases = ["seen_from", "ip"]
    [disclosure]
    sinks = [{ name = "portal.push", payload = ["data"] }, "disclose"]
    exits = ["bail_out", "abort"]
    [[guards]]
    id = "court_order"
    calls = ["assert_warrant"]
    [[guards]]
    id = "user_notified"
    code = "MIN206"
    calls = ["notify_user"]
    [transparency]
    calls = ["ledger.append_disclosure"]
"""


def test_extends_by_name(tmp_path: Path, default: Policy) -> None:
    write(tmp_path, "acme.toml", CHILD)
    policy = load_policy("acme.toml", tmp_path)
    assert policy.name == "acme"
    assert policy.files == (default.files[0], str((tmp_path / "acme.toml").resolve()))
    assert policy.allowed == {"ip_address", "phone_number", "email"}
    assert policy.context == default.context | {"ticket_id"}
    assert [c.name for c in policy.categories] == ["ip_address", "phone_number", "email"]
    ip = policy.categories[0]
    assert ip.aliases == default.categories[0].aliases | {"seen_from"}
    assert ip.patterns == default.categories[0].patterns
    assert ip.fides == "user.device.ip_address"  # kept: the child gave none
    assert policy.is_allowed("mail") and policy.is_allowed("seen_from")
    names = [s.name for s in policy.sinks]
    assert names[: len(default.sinks)] == [s.name for s in default.sinks]
    assert names[len(default.sinks):] == ["portal.push"]
    assert policy.exits == (*default.exits, "bail_out")
    court = policy.guard("court_order")
    assert court is not None
    assert court.calls == (*default.guard("court_order").calls, "assert_warrant")  # type: ignore[union-attr]
    assert court.decorators == default.guard("court_order").decorators  # type: ignore[union-attr]
    assert [g.id for g in policy.guards] == [
        "court_order", "jurisdiction", "terror_suspect", "user_notified"]
    assert policy.transparency_calls == (*default.transparency_calls, "ledger.append_disclosure")
    assert policy.digest != default.digest


def test_extends_by_relative_path_and_chain(tmp_path: Path) -> None:
    write(tmp_path, "packs/base.toml", """
        [policy]
        name = "base"
        [fields]
        allowed = ["ip_address"]
        [fields.categories.ip_address]
        aliases = ["ip"]
        fides = "user.device.ip_address"
        [disclosure]
        sinks = ["disclose"]
        [[guards]]
        id = "jurisdiction"
        subjects = ["country"]
        blocked = ["RU"]
    """)
    write(tmp_path, "packs/team/middle.toml", """
        [policy]
        name = "middle"
        extends = "../base.toml"
        [fields.categories.ip_address]
        patterns = ['\\w+_ip']
        fides = "user.device"
        [disclosure]
        sinks = [{ name = "disclose", payload = [0] }]
        [[guards]]
        id = "jurisdiction"
        blocked = ["Belarus", "Russia"]
    """)
    write(tmp_path, "project/policy.toml", """
        [policy]
        extends = "../packs/team/middle.toml"
        [[guards]]
        id = "jurisdiction"
        calls = ["check_jurisdiction"]
    """)
    policy = load_policy("project/policy.toml", tmp_path)
    assert policy.name == "policy"  # the child's own file, not the parent's name
    assert [Path(f).name for f in policy.files] == ["base.toml", "middle.toml", "policy.toml"]
    ip = policy.categories[0]
    assert ip.fides == "user.device"  # the child's scalar wins
    assert [p.pattern for p in ip.patterns] == [r"\w+_ip"]
    assert policy.sinks[0].payload == (0,)  # the child's payload replaces the parent's
    guard = policy.guard("jurisdiction")
    assert guard is not None
    assert guard.blocked == ("RU", "BY") and guard.calls == ("check_jurisdiction",)
    assert guard.subjects == ("country",)


def test_same_guard_twice_in_one_file_is_merged(tmp_path: Path) -> None:
    write(tmp_path, "p.toml", """
        [[guards]]
        id = "court_order"
        calls = ["a"]
        [[guards]]
        id = "terror_suspect"
        predicates = ["t"]
        [[guards]]
        id = "court_order"
        calls = ["b", "a"]
        predicates = ["p"]
    """)
    policy = load_policy("p.toml", tmp_path)
    assert [g.id for g in policy.guards] == ["court_order", "terror_suspect"]
    guard = policy.guard("court_order")
    assert guard is not None and guard.calls == ("a", "b") and guard.predicates == ("p",)


def test_allowed_category_from_parent(tmp_path: Path) -> None:
    write(tmp_path, "p.toml", """
        [policy]
        extends = "telegram-2018"
        [fields]
        allowed = ["phone_number"]
    """)
    assert load_policy("p.toml", tmp_path).allowed == {"ip_address", "phone_number"}


def test_extends_empty_means_none(tmp_path: Path) -> None:
    write(tmp_path, "p.toml", '[policy]\nextends = ""\n')
    assert len(load_policy("p.toml", tmp_path).files) == 1


def test_digest_is_content_not_location(tmp_path: Path) -> None:
    write(tmp_path, "a/p.toml", LAWFUL_ACCESS)
    write(tmp_path, "b/p.toml", LAWFUL_ACCESS)
    first = load_policy("a/p.toml", tmp_path)
    assert first.digest == load_policy("b/p.toml", tmp_path).digest
    write(tmp_path, "c/p.toml", LAWFUL_ACCESS.replace('"cell"', '"cell_no"'))
    assert first.digest != load_policy("c/p.toml", tmp_path).digest
    assert len(first.digest) == 64


def test_extends_cycle(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", '[policy]\nextends = "sub/b.toml"\n')
    b = write(tmp_path, "sub/b.toml", '[policy]\nextends = "../a.toml"\n')
    with pytest.raises(PolicyError) as caught:
        load_policy("a.toml", tmp_path)
    message = str(caught.value)
    assert_one_line(message, str(b.resolve()), "policy.extends", "ends in a pack without extends")
    assert "cycle" in message and "a.toml -> " in message


def test_extends_itself(tmp_path: Path) -> None:
    message, file = failure(tmp_path, '[policy]\nextends = "pack.toml"\n')
    assert_one_line(message, str(Path(file).resolve()), "policy.extends", "without extends")
    assert "cycle" in message


# ---------------------------------------------------------------------------
# Errors: one line, naming the file, the key and what was expected

ERRORS = [
    # (pack text, dotted key, parts of "expected")
    ("[policy\nname = 'x'\n", "line 1, column 8", ["valid TOML"]),
    ("[fields]\nallowed = [\n", "line 2", ["valid TOML"]),
    ("[extra]\n", "extra", ["policy, fields, disclosure, guards, transparency"]),
    ("[policy]\nnmae = 'x'\n", "policy.nmae", ["name, extends"]),
    ("[fields]\nallow = []\n", "fields.allow", ["allowed, context, categories"]),
    ("[fields.categories.ip]\nalias = ['x']\n", "fields.categories.ip.alias",
     ["aliases, patterns, fides"]),
    ("[disclosure]\nsink = []\n", "disclosure.sink", ["decorators, sinks, exits"]),
    ("[disclosure]\nsinks = [{ name = 'd', args = [0] }]\n", "disclosure.sinks[0].args",
     ["a table of argument globs"]),
    ("[disclosure]\nsinks = [{ name = 'd', argz = {} }]\n", "disclosure.sinks[0].argz",
     ["name, payload, args, allowed, transparency"]),
    ("[[guards]]\nid = 'court_order'\ncall = ['v']\n", "guards[0].call",
     ["id, code, title, calls, predicates, decorators, subjects, blocked"]),
    ("[transparency]\ncall = ['r']\n", "transparency.call", ["calls"]),
    ("policy = 'x'\n", "policy", ["a table"]),
    ("[fields]\nallowed = 'ip'\n", "fields.allowed", ["a list of strings"]),
    ("[fields]\ncontext = ['case_id', 3]\n", "fields.context[1]", ["a string"]),
    ("[fields]\ncategories = ['ip']\n", "fields.categories", ["a table"]),
    ("[fields.categories.ip]\naliases = 'ip'\n", "fields.categories.ip.aliases",
     ["a list of strings"]),
    ("[fields.categories.ip]\nfides = 'User Device'\n", "fields.categories.ip.fides",
     ["user.contact.phone_number"]),
    ("[disclosure]\nsinks = 'disclose'\n", "disclosure.sinks", ["a list of sink names"]),
    ("[disclosure]\nsinks = [3]\n", "disclosure.sinks[0]", ["a sink name"]),
    ("[disclosure]\nsinks = ['disclose()']\n", "disclosure.sinks[0]", ["dotted name"]),
    ("[disclosure]\nsinks = [{ payload = [0] }]\n", "disclosure.sinks[0].name", ["sink's name"]),
    ("[disclosure]\nsinks = ['d', { name = 'd', payload = [0] }]\n", "disclosure.sinks[1]",
     ["one entry per sink"]),
    ("[disclosure]\nsinks = [{ name = 'd', payload = [-1] }]\n", "disclosure.sinks[0].payload[0]",
     ["integer >= 0", "keyword name"]),
    ("[disclosure]\nsinks = [{ name = 'd', payload = [0, 1.5] }]\n",
     "disclosure.sinks[0].payload[1]", ["integer >= 0"]),
    ("[disclosure]\nsinks = [{ name = 'd', payload = [true] }]\n",
     "disclosure.sinks[0].payload[0]", ["integer >= 0"]),
    ("[disclosure]\nsinks = [{ name = 'd', payload = ['two words'] }]\n",
     "disclosure.sinks[0].payload[0]", ["keyword name"]),
    ("[disclosure]\nsinks = [{ name = 'd', payload = 'data' }]\n", "disclosure.sinks[0].payload",
     ["a list of argument positions"]),
    ("[disclosure]\nsinks = [{ name = 'd', payload = [] }]\n", "disclosure.sinks[0].payload",
     ["non-empty list"]),
    ("[disclosure]\nexits = ['abort', '']\n", "disclosure.exits[1]", ["non-empty"]),
    ("[disclosure]\nexits = ['abort', 'abort', 'deny()']\n", "disclosure.exits[2]",
     ["dotted name"]),
    ("[fields.categories.ip]\npatterns = ['ip', 'ip', '(ip']\n", "fields.categories.ip.patterns[2]",
     ["regular expression"]),
    ("[disclosure]\ndecorators = [['disclosure']]\n", "disclosure.decorators[0]", ["a string"]),
    ("[fields.categories.ip]\npatterns = ['(ip']\n", "fields.categories.ip.patterns[0]",
     ["regular expression"]),
    ("[fields.categories.ip]\npatterns = ['ip', '[a-']\n", "fields.categories.ip.patterns[1]",
     ["regular expression"]),
    ("[fields]\nallowed = ['email']\n", "fields.allowed", ["a category of fields.categories"]),
    ("guards = 'court_order'\n", "guards", ["[[guards]]"]),
    ("guards = ['court_order']\n", "guards[0]", ["[[guards]] entry"]),
    ("[[guards]]\ncalls = ['verify']\n", "guards[0].id", ["guard id"]),
    ("[[guards]]\nid = 3\n", "guards[0].id", ["a string"]),
    ("[[guards]]\nid = 'court order'\ncalls = ['v']\n", "guards[0].id", ["guard id"]),
    ("[[guards]]\nid = 'consent'\ncalls = ['c']\n", "guards[id=consent].code",
     ["MIN206 to MIN299"]),
    ("[[guards]]\nid = 'consent'\ncode = 'MIN201'\ncalls = ['c']\n", "guards[0].code",
     ["MIN206 to MIN299"]),
    ("[[guards]]\nid = 'consent'\ncode = 'MIN300'\ncalls = ['c']\n", "guards[0].code",
     ["MIN206 to MIN299"]),
    ("[[guards]]\nid = 'consent'\ncode = 206\ncalls = ['c']\n", "guards[0].code", ["a string"]),
    ("[[guards]]\nid = 'court_order'\ncode = 'MIN206'\ncalls = ['v']\n", "guards[0].code",
     ["MIN201 or no code"]),
    (("[[guards]]\nid = 'a'\ncode = 'MIN210'\ncalls = ['x']\n"
      "[[guards]]\nid = 'b'\ncode = 'MIN210'\ncalls = ['y']\n"),
     "guards[id=b].code", ["a code no other guard uses"]),
    ("[[guards]]\nid = 'court_order'\ntitle = 'x'\n", "guards[id=court_order]",
     ["calls, predicates, decorators or subjects"]),
    ("[[guards]]\nid = 'jurisdiction'\nsubjects = ['c']\nblocked = ['RU', 'Atlantis']\n",
     "guards[0].blocked[1]", ["alpha-2", "country name"]),
    ("[[guards]]\nid = 'jurisdiction'\nsubjects = ['c']\nblocked = 'RU'\n", "guards[0].blocked",
     ["a list of strings"]),
    ("[policy]\nextends = 'no-such-pack'\n", "policy.extends", ["telegram-2018", ".toml"]),
    ("[policy]\nextends = 'missing/parent.toml'\n", "policy.extends", ["a path to a .toml"]),
    ("[policy]\nextends = ['telegram-2018']\n", "policy.extends", ["a pack name"]),
    ("[policy]\nname = 3\n", "policy.name", ["a string"]),
]


@pytest.mark.parametrize(("text", "key", "expected"), ERRORS, ids=[e[1] for e in ERRORS])
def test_error_is_one_line(tmp_path: Path, text: str, key: str, expected: list[str]) -> None:
    message, file = failure(tmp_path, text)
    assert_one_line(message, str(Path(file).resolve()), key, *expected)


def test_unknown_key_suggests(tmp_path: Path) -> None:
    message, _ = failure(tmp_path, "[fields.categories.ip]\nalias = ['x']\n")
    assert "did you mean 'aliases'" in message


def test_toml_error_keeps_tomllib_message(tmp_path: Path) -> None:
    message, _ = failure(tmp_path, "[fields]\n\nallowed = [1\n")
    assert "invalid TOML" in message and ": line 3: " in message and "Unclosed array" in message


def test_bad_regex_gives_re_error(tmp_path: Path) -> None:
    message, _ = failure(tmp_path, "[fields.categories.ip]\npatterns = ['(ip']\n")
    assert "missing ), unterminated subpattern" in message


@pytest.mark.parametrize(
    "pattern", [r"(a+)+", r"(\w*)*", r"(\w+_)*ip", r"(?:x|y+)*", r"(x+x+)+y", r"(a{1,5})+",
                r"(?:(?=x)\w+)+", r"(?:a*b?)*c"])
def test_pathological_regex(tmp_path: Path, pattern: str) -> None:
    message, file = failure(tmp_path, f"[fields.categories.ip]\npatterns = ['{pattern}']\n")
    assert_one_line(message, str(Path(file).resolve()), "fields.categories.ip.patterns[0]",
                    "without nested quantifiers")


@pytest.mark.parametrize(
    "pattern", [r"(\w+_)?ip(v[46])?(_addr(ess)?)?", r"(\d{3})+", r"a+b*", r"(ab)+", r"\(a+\)+",
                r"[(a+)]+", r"(\w+_)?(phone|mobile|msisdn|tel|telephone)(_number|_no|_num)?"])
def test_harmless_regex(tmp_path: Path, pattern: str) -> None:
    write(tmp_path, "p.toml", f"[fields.categories.ip]\npatterns = ['{pattern}']\n")
    assert load_policy("p.toml", tmp_path).categories[0].patterns[0].pattern == pattern


@pytest.mark.parametrize("pattern", ["IP", r"(\w+_)?Phone", "ip[VX]6"])
def test_upper_case_pattern_can_never_match(tmp_path: Path, pattern: str) -> None:
    message, file = failure(tmp_path, f"[fields.categories.ip]\npatterns = ['{pattern}']\n")
    assert_one_line(message, str(Path(file).resolve()), "fields.categories.ip.patterns[0]",
                    "lower-case pattern")


@pytest.mark.parametrize("pattern", ["(?i)IP", "(?i:IP)_addr", r"\W*ip\S*", "[a-z]+_ip"])
def test_case_insensitive_or_class_patterns_are_fine(tmp_path: Path, pattern: str) -> None:
    write(tmp_path, "p.toml", f"[fields.categories.ip]\npatterns = ['{pattern}']\n")
    assert load_policy("p.toml", tmp_path).categories[0].patterns[0].pattern == pattern


def test_error_names_the_file_that_has_it(tmp_path: Path) -> None:
    write(tmp_path, "parent.toml", "[fields]\nallowd = []\n")
    write(tmp_path, "child.toml", "[policy]\nextends = 'parent.toml'\n")
    with pytest.raises(PolicyError) as caught:
        load_policy("child.toml", tmp_path)
    assert_one_line(str(caught.value), str((tmp_path / "parent.toml").resolve()), "fields.allowd",
                    "allowed")


def test_unknown_pack_name(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy("telegram-2019", tmp_path, origin="pyproject.toml",
                    origin_key="tool.minlint.policy")
    assert_one_line(str(caught.value), "pyproject.toml", "tool.minlint.policy", "telegram-2018")
    assert "unknown pack 'telegram-2019'" in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy("nope.toml", tmp_path)
    assert_one_line(str(caught.value), "nope.toml", "policy", "a path to a .toml file")
    assert str(tmp_path / "nope.toml") in str(caught.value)


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_bytes(b"[policy]\nname = '\xff'\n")
    with pytest.raises(PolicyError) as caught:
        load_policy("p.toml", tmp_path)
    assert_one_line(str(caught.value), str((tmp_path / "p.toml").resolve()), "file", "UTF-8")


def test_error_pickles() -> None:
    error = PolicyError("p.toml", "fields.allowed", "bad", "good")
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) == "p.toml: fields.allowed: bad; expected good"


def test_error_text_never_breaks_lines() -> None:
    assert "\n" not in str(PolicyError("a\nb.toml", "k", "x\ny", "z\r\nw"))


# ---------------------------------------------------------------------------
# Installed package


def run(command: list[str], cwd: Path | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=300,
                          cwd=cwd, env=env)


def test_default_pack_found_in_installed_wheel(tmp_path: Path) -> None:
    # Build from a copy: an in-tree build would leave build/ and *.egg-info in
    # the shared working tree, and two test runs would race on them.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    if not (source / "README.md").exists():
        (source / "README.md").write_text("minlint\n")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "minlint", source / "minlint", ignore=ignore)
    shutil.copytree(ROOT / "rules", source / "rules", ignore=ignore)
    shutil.copytree(ROOT / "docs" / "rules", source / "docs" / "rules", ignore=ignore)

    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "cwd"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)]
    done = run([*build[:-1], "--no-build-isolation", str(source)])
    if done.returncode != 0:
        # The machine's setuptools may predate bdist_wheel (< 70.1, no `wheel`
        # package): let pip fetch the build backend pyproject.toml asks for.
        done = run(build)
    assert done.returncode == 0, done.stderr
    (wheel,) = wheels.glob("minlint-*.whl")
    done = run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)])
    assert done.returncode == 0, done.stderr
    script = (
        "import minlint.policy.pack as m; from pathlib import Path; "
        "p = m.load_policy('telegram-2018', Path('.')); "
        "print(p.name); print(p.files[0]); print(m.__file__); print(m.pack_names())"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = run([sys.executable, "-c", script], cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stderr
    name, pack_file, module_file, names = done.stdout.splitlines()
    assert name == "telegram-2018"
    assert Path(pack_file).is_relative_to(target) and Path(module_file).is_relative_to(target)
    assert "telegram-2018" in names
