"""The evasion suite (issue #8): tricks that must not hide a disclosure.

Each entry of ``TRICKS`` is a small program written the way the rule cases
are: ``# expect: MIN101`` on the line where a finding belongs. The program is
run through the whole engine with the default pack (``select`` narrows the
codes so that one trick tests one thing: MIN1 for what is exported, MIN2 for
the required checks, MIN3 for the transparency record).

A trick has one of three statuses, and ``docs/evasion.md`` lists every trick
with its status (``test_docs_list_every_trick`` keeps the two in step;
``python tests/robustness/test_evasion.py --write`` regenerates the page):

* **caught**: the findings are exactly the annotated ones;
* **partly caught**: the disclosure is reported, but not as the annotated
  finding (typically a vaguer MIN103 where the field is known to a reader);
  ``instead`` pins what is reported today, and the exact test is a strict
  xfail;
* **not caught**: nothing (or nothing relevant) is reported; the exact test
  is a strict xfail, so it turns red the day the engine learns the trick and
  the entry must then be flipped to caught (and the doc regenerated).

``note`` says, for the tricks that are not caught, what happens and where in
the engine the fix belongs.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":  # run as a script to regenerate docs/evasion.md
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest

from minlint.project.config import Config
from minlint.run.engine import check
from tests.support import REPO, expectations

CAUGHT = "caught"
PARTLY = "partly caught"
MISSED = "not caught"
STATUSES = (CAUGHT, PARTLY, MISSED)
DOC = REPO / "docs" / "evasion.md"

# The three checks of the default pack, for programs that test something else.
CHECKS = """\
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
"""


@dataclass(frozen=True)
class Trick:
    id: str
    trick: str  # one line, as docs/evasion.md shows it
    source: str  # the module case.py, annotated with `# expect:`
    select: tuple[str, ...] = ("MIN",)
    status: str = CAUGHT
    note: str = ""  # not/partly caught: what happens, and where the fix belongs
    instead: frozenset[tuple[str, int, str]] = frozenset()  # partly caught: (file, line, code) reported today
    files: Mapping[str, str] = field(default_factory=dict)  # other modules of the tree, by relative path


def T(id: str, trick: str, source: str, select: str | tuple[str, ...] = "MIN", **kw: object) -> Trick:
    sel = (select,) if isinstance(select, str) else select
    return Trick(id, trick, source.replace("{CHECKS}", CHECKS.rstrip("\n")), sel, **kw)  # type: ignore[arg-type]


def at(*spots: tuple[int, str], file: str = "case.py") -> frozenset[tuple[str, int, str]]:
    return frozenset((file, line, code) for line, code in spots)


TRICKS: list[Trick] = [
    # -- names: sinks and guards through imports ---------------------------------------------------
    T("sink-from-import-alias", "a sink imported under another name (`from transport import disclose as d`)", '''
from transport import disclose as d

def handler(user):
    d({"email": user.email})  # expect: MIN101
''', "MIN1"),
    T("sink-module-alias", "a sink called through an aliased module (`import transport as t; t.disclose(...)`)", '''
import transport as t

def handler(user):
    t.disclose({"email": user.email})  # expect: MIN101
''', "MIN1"),
    T("sink-star-import", "a sink brought in by `from transport import *`", '''
from transport import *

def handler(user):
    disclose({"email": user.email})  # expect: MIN101
''', "MIN1"),
    T("sink-on-computed-receiver", "a sink called on a receiver that is not a plain name (`get_portal().disclose(...)`, `super().disclose(...)`, `portals[0].disclose(...)`, `__import__(\"transport\").disclose(...)`)", '''
class Gateway(Base):
    def handle(self, user, portals):
        get_portal().disclose({"email": user.email})  # expect: MIN101
        super().disclose({"name": user.name})  # expect: MIN101
        portals[0].disclose({"dob": user.dob})  # expect: MIN101
        __import__("transport").disclose({"address": user.address})  # expect: MIN101
''', "MIN1"),
    T("sink-type-checking-import", "a sink imported under `if TYPE_CHECKING:` (or any other `if`)", '''
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transport import disclose as push
else:
    from transport import disclose as push

def handler(user):
    push({"email": user.email})  # expect: MIN101
''', "MIN1"),
    T("sink-reexported-alias", "a sink re-exported under another name by a module of the checked code", '''
from api import push

def handler(user):
    push({"email": user.email})  # expect: MIN101
''', "MIN1", files={"api.py": "from transport import disclose as push\n"}, status=MISSED,
      note="names are qualified through the importing module's own imports only (`api.push`); "
           "fix: Vocabulary.names (minlint/vocab.py) should follow re-exports of modules in the "
           "checked code (Project.lookup / Imports.qualify of the module that binds the name)"),
    T("function-local-import", "a sink imported under an alias inside the function body", '''
def handler(user):
    from transport import disclose as d
    d({"email": user.email})  # expect: MIN101
''', "MIN1"),
    T("guard-from-import-alias", "a check imported under another name (`from legal import verify_court_order as vco`)", '''
from legal import verify_court_order as vco

def handler(request, user):
    vco(request.order)
    if request.country in ("RU",):
        deny(request)
    disclose({"ip": user.ip})  # expect: MIN203
''', "MIN2"),
    T("guard-module-alias", "a check called through an aliased module (`import legal as l; l.verify_court_order(...)`)", '''
import legal as l

def handler(request, user):
    l.verify_court_order(request.order)
    l.check_jurisdiction(request.country)
    disclose({"ip": user.ip})  # expect: MIN203
''', "MIN2"),
    T("fake-guard-alias", "an unrelated function imported under a check's name (`from utils import log as verify_court_order`)", '''
from utils import log as verify_court_order

def handler(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("fake-exit-alias", "an unrelated function imported under an exit's name (`from utils import log as abort`)", '''
from utils import log as abort

def handler(request, user):
    if not has_valid_court_order(request):
        abort("no order")
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("noop-guard-defined-here", "a check defined in the checked code that never fails (`def verify_court_order(o): pass`)", '''
def verify_court_order(order):
    pass

def handler(request, user):
    verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("fullwidth-sink-name", "a sink spelled with NFKC-equivalent letters (`ｄｉｓｃｌｏｓｅ(...)` is `disclose` to Python)", '''
from transport import disclose

def handler(user):
    ｄｉｓｃｌｏｓｅ({"email": user.email})  # expect: MIN101
''', "MIN1"),
    T("utf7-coding-cookie", "a sink name spelled in UTF-7 under a `# coding: utf-7` cookie (`+AGQ-isclose` is `disclose`)", '''
# -*- coding: utf-7 -*-
from transport import +AGQ-isclose

def handler(user):
    +AGQ-isclose({"email": user.email})  # expect: MIN101
''', "MIN1"),
    # -- sinks that are not called by name ---------------------------------------------------------
    T("sink-bound-method", "a sink called as a bound method (`portal.disclose(...)`, `self.portal.disclose(...)`)", '''
class View:
    def post(self, user, portal):
        portal.disclose({"email": user.email})  # expect: MIN101
        self.portal.disclose({"name": user.name})  # expect: MIN101
''', "MIN1"),
    T("sink-self-method", "a sink that is a method of the class itself (`self.disclose(...)`)", '''
class Gateway:
    def disclose(self, data):
        self.portal.push(data)

    def handle(self, user):
        self.disclose({"email": user.email})  # expect: MIN101
''', "MIN1"),
    T("sink-bound-to-variable", "a sink bound to a local variable (`send = disclose; send(x)`)", '''
from transport import disclose

def handler(user):
    send = disclose
    send({"email": user.email})  # expect: MIN101
''', "MIN1"),
    T("sink-module-level-alias", "a sink bound to a module-level name (`send = transport.disclose`)", '''
import transport

send = transport.disclose

def handler(user):
    send({"email": user.email})  # expect: MIN101
''', "MIN1"),
    T("sink-functools-partial", "a sink wrapped in `functools.partial`", '''
import functools
from transport import disclose

def handler(user):
    send = functools.partial(disclose, authority="BKA")
    send({"email": user.email})  # expect: MIN101
    functools.partial(disclose, {"name": user.name})()  # expect: MIN101
''', "MIN1"),
    T("sink-computed-getattr", "a sink fetched with a computed `getattr` (`getattr(portal, \"dis\" + \"close\")(x)`)", '''
def handler(user, portal):
    getattr(portal, "disclose")({"email": user.email})  # expect: MIN101
    getattr(portal, "dis" + "close")({"name": user.name})  # expect: MIN101
''', "MIN1"),
    T("sink-dict-dispatch", "a sink stored in a dispatch table (`ACTIONS[\"send\"](x)`)", '''
from transport import disclose

ACTIONS = {"send": disclose}

def handler(user):
    ACTIONS["send"]({"email": user.email})  # expect: MIN101
''', "MIN1", status=MISSED,
      note="the callee is a subscript; fix: Vocabulary.sink could resolve a subscript of a module "
           "constant dict display with a constant key"),
    T("sink-as-callback", "a sink handed to another call as a value (`Thread(target=disclose, args=(x,))`, `executor.submit(disclose, x)`, `map(disclose, xs)`)", '''
import threading
from transport import disclose

def handler(user, executor):
    threading.Thread(target=disclose, args=({"email": user.email},)).start()  # expect: MIN101
    executor.submit(disclose, {"name": user.name})  # expect: MIN101
    list(map(disclose, [user.address]))  # expect: MIN101
''', "MIN1"),
    T("sink-in-lambda", "a sink called inside a lambda (`cb = lambda: disclose(...)`, `(lambda: disclose(...))()`)", '''
def handler(user):
    cb = lambda: disclose({"email": user.email})  # expect: MIN101
    cb()
    (lambda: disclose({"name": user.name}))()  # expect: MIN101
''', "MIN1"),
    T("sink-in-nested-function", "a sink called in a nested function", '''
def handler(user):
    def later():
        disclose({"email": user.email})  # expect: MIN101
    later()
''', "MIN1"),
    T("sink-in-comprehension", "a sink called in a comprehension over users", '''
def handler(users):
    [disclose({"email": u.email}) for u in users]  # expect: MIN101
''', "MIN1"),
    T("sink-in-odd-places", "a sink called in a default argument, a decorator, an `assert`, a `with` item, a `for` iterable, a `match` subject or an f-string", '''
from transport import disclose

def f(x=disclose({"a": USER.email})):  # expect: MIN101
    pass

@register(disclose({"b": USER.name}))  # expect: MIN101
def g():
    pass

def handler(user):
    assert disclose({"c": user.address})  # expect: MIN101
    with disclose({"d": user.dob}) as r:  # expect: MIN101
        pass
    for x in disclose({"e": user.passport}):  # expect: MIN101
        pass
    match disclose({"f": user.contacts}):  # expect: MIN101
        case _:
            pass
    log(f"{disclose({'g': user.photo})}")  # expect: MIN101
''', "MIN1"),
    T("sink-in-class-body", "a sink called in a class body (runs at import)", '''
class Export:
    data = disclose({"email": USER.email})  # expect: MIN101
''', "MIN1", status=MISSED,
      note="class bodies belong to no Function and to no CFG; fix: build_cfg (minlint/cfg.py) "
           "should walk a ClassDef's body as statements of the enclosing scope (and facts.py keep "
           "their assignments), or each class body should become a pseudo-function"),
    T("sink-in-exec", "a sink called from a string handed to `exec`/`eval`", '''
def handler(user):
    exec("disclose(user.__dict__)")  # expect: MIN103
''', "MIN1", status=MISSED,
      note="code in strings is not analysed; fix: FieldRule / Analysis.disclosures could report "
           "exec/eval/compile of a string that names a sink as MIN103 (cannot be determined)"),
    T("sink-async-await", "an `async def` handler with `await disclose(...)`, `asyncio.gather(...)`", '''
import asyncio

async def handler(user):
    await disclose({"email": user.email})  # expect: MIN101
    await asyncio.gather(disclose({"name": user.name}))  # expect: MIN101
''', "MIN1"),
    T("sink-class-based-view", "a class-based view whose method discloses through a helper method", '''
class DisclosureView(View):
    def build(self, user):
        return {"ip": user.ip, "email": user.email}  # expect: MIN101

    def post(self, request, user):
        self.portal.disclose(self.build(user))
''', "MIN1"),
    T("module-level-disclosure", "a disclosure at module level, outside any function", '''
from transport import disclose

disclose({"ip": USER.ip, "email": USER.email})  # expect: MIN101 MIN201 MIN202 MIN203 MIN301
'''),
    # -- what is exported --------------------------------------------------------------------------
    T("tuple-unpacking", "tuple unpacking (`a, b = user.email, 1`)", '''
def handler(user):
    a, b = user.email, 1  # expect: MIN101
    phone, ip = user.name, user.ip  # expect: MIN101
    disclose({"ip": a, "phone": phone})
''', "MIN1"),
    T("nested-unpacking", "nested and starred unpacking (`(a, b), c = ...`, `first, *rest = ...`)", '''
def handler(user):
    (a, b), c = (user.ip, user.email), 1  # expect: MIN101
    first, *rest = user.phone, user.name  # expect: MIN101
    disclose({"ip": b, "phone": rest})
''', "MIN1"),
    T("walrus", "an assignment expression (`if (e := user.email): disclose(e)`)", '''
def handler(user):
    if (e := user.email):  # expect: MIN101
        disclose({"ip": e})
''', "MIN1"),
    T("walrus-alias-in-comprehension", "a sink bound by `:=` in a comprehension's condition and called "
      "in its element", '''
from transport import disclose

def handler(users):
    return [send({"email": u.email}) for u in users if (send := disclose)]  # expect: MIN101
''', "MIN1", status=MISSED,
      note="the name bound by `:=` inside the comprehension is not followed to the call in its "
           "element (a run without the pre-scans misses it too); fix: _indirect_sink (analysis.py) "
           "should look for walrus bindings in the enclosing comprehension's clauses"),
    T("conditional-expression", "a conditional expression (`user.ip if x else user.email`)", '''
def handler(user, short):
    disclose({"ip": user.ip if short else user.email})  # expect: MIN101
''', "MIN1"),
    T("boolean-operators", "`or` / `and` between fields", '''
def handler(user):
    disclose({"phone": user.phone or user.email})  # expect: MIN101
''', "MIN1"),
    T("lambda-called-by-name", "a field read in a lambda bound to a name and called (`get = lambda: user.email`)", '''
def handler(user):
    get = lambda: user.email  # expect: MIN101
    disclose({"phone": get()})
''', "MIN1"),
    T("lambda-immediately-called", "a field read in an immediately called lambda (`(lambda: user.email)()`)", '''
def handler(user):
    disclose({"phone": (lambda: user.email)()})  # expect: MIN101
''', "MIN1"),
    T("lambda-with-parameter", "a field read by a lambda applied to the record (`map(lambda u: u.email, users)`)", '''
def handler(users):
    disclose({"phone": list(map(lambda u: u.email, users))})  # expect: MIN101
''', "MIN1"),
    T("nested-function", "a field returned by a nested function", '''
def handler(user):
    def pick():
        return user.email  # expect: MIN101

    def pick_from(u):
        return u.name  # expect: MIN101

    disclose({"phone": pick(), "ip": pick_from(user)})
''', "MIN1"),
    T("generator-helper", "a field yielded by a helper generator (`def gen(): yield user.email`)", '''
def rows(user):
    yield user.email  # expect: MIN101

def handler(user):
    disclose({"phone": list(rows(user))})
''', "MIN1"),
    T("f-string", "an f-string, with conversions, `=` and nesting", '''
def handler(user):
    disclose(f"{user.ip}: {user.email!r}")  # expect: MIN101
    disclose(f"{user.name=}")  # expect: MIN101
    disclose(f"{f'{user.dob}'}")  # expect: MIN101
''', "MIN1"),
    T("f-string-format-spec", "a field hidden in an f-string's format spec (`f\"{'':>{user.age}}\"`)", '''
def handler(user):
    disclose(f"{user.ip:>{user.age}}")  # expect: MIN101
''', "MIN1"),
    T("percent-and-format", "`%` formatting and `str.format`, positional and by name", '''
def handler(user):
    disclose("%s %s" % (user.ip, user.email))  # expect: MIN101
    disclose("%(x)s" % {"phone": user.name})  # expect: MIN101
    disclose("{}".format(user.dob))  # expect: MIN101
    disclose("{p}".format(p=user.address))  # expect: MIN101
''', "MIN1"),
    T("format-attribute-in-string", "a field named inside a format string (`\"{0.email}\".format(user)`)", '''
def handler(user):
    disclose("{0.email}".format(user))  # expect: MIN101
''', "MIN1", status=PARTLY, instead=at((2, "MIN103")),
      note="reported as MIN103 ('user' is unknown); fix: Payloads._call could parse a constant "
           "format string (string.Formatter().parse) and export the attributes/keys it names"),
    T("str-join", "`str.join` over fields, a list, a generator", '''
def handler(user):
    disclose(", ".join([user.ip, user.email]))  # expect: MIN101
    disclose("".join(c for c in user.name))  # expect: MIN101
    disclose("/".join(map(str, (user.phone, user.dob))))  # expect: MIN101
''', "MIN1"),
    T("starred-arguments", "starred arguments (`disclose(*parts)`)", '''
def handler(user):
    parts = [user.ip, user.email]  # expect: MIN101
    disclose(*parts)
    disclose(*[user.name])  # expect: MIN101
    disclose(*(u.dob for u in [user]))  # expect: MIN101
''', "MIN1"),
    T("double-star-known", "a `**` splat of a dict built here (`disclose(**extra)`, `{**extra}`)", '''
def handler(user):
    extra = {"email": user.email}  # expect: MIN101
    disclose(**extra)
    disclose({"ip": user.ip, **{"name": user.name}})  # expect: MIN101
''', "MIN1"),
    T("double-star-unknown", "a `**` splat of something unknown (`{**request.extra}`)", '''
def handler(request):
    disclose(**request.extra)  # expect: MIN103
    disclose({**request.more})  # expect: MIN103
''', "MIN1"),
    T("vars-and-dict", "`vars(user)`, `user.__dict__`, `{**user.__dict__}`, `user.__dict__.copy()`", '''
def handler(user):
    disclose(vars(user))  # expect: MIN102
    disclose(user.__dict__)  # expect: MIN102
    disclose({**user.__dict__})  # expect: MIN102
    disclose(user.__dict__.copy())  # expect: MIN102
''', "MIN1"),
    T("vars-subscript", "one field read through `vars(user)[\"email\"]` / `user.__dict__[\"name\"]`", '''
def handler(user):
    disclose({"ip": vars(user)["email"]})  # expect: MIN101
    disclose({"ip": user.__dict__["name"]})  # expect: MIN101
''', "MIN1"),
    T("json-dumps-dict", "`json.dumps(user.__dict__)`", '''
import json

def handler(user):
    disclose(json.dumps(user.__dict__))  # expect: MIN102
''', "MIN1"),
    T("locals", "`locals()` / `**locals()` as the payload", '''
def handler(user):
    email = user.email
    disclose(locals())  # expect: MIN103
    disclose({**locals()})  # expect: MIN103
''', "MIN1"),
    T("setattr", "`setattr` with a constant or a computed name", '''
from types import SimpleNamespace

def handler(user, name):
    box = SimpleNamespace(ip=user.ip)
    setattr(box, "email", user.phone)  # expect: MIN101
    setattr(box, name, user.dob)  # expect: MIN101
    disclose(box)
''', "MIN1"),
    T("update", "`update` with keywords, a dict, pairs; `|=`; `dict(base, k=v)`", '''
def handler(user):
    p = {"ip": user.ip}
    p.update(email=user.phone)  # expect: MIN101
    p.update({"phone": user.name})  # expect: MIN101
    p.update([("phone", user.dob)])  # expect: MIN101
    p |= {"ip": user.address}  # expect: MIN101
    q = dict(p, phone=user.contacts)  # expect: MIN101
    disclose(q)
''', "MIN1"),
    T("dunder-mutators", "mutation through `p.__setitem__`, `operator.setitem`, `obj.__setattr__`", '''
import operator

def handler(user):
    p = {"ip": user.ip}
    p.__setitem__("email", user.phone)  # expect: MIN101
    operator.setitem(p, "name", user.phone)  # expect: MIN101
    p.__setattr__("dob", user.phone)  # expect: MIN101
    disclose(p)
''', "MIN1"),
    T("mutation-through-vars", "mutation through `vars(obj)[\"k\"] = v` / `obj.__dict__[\"k\"] = v`", '''
def handler(user, box):
    vars(box)["email"] = user.phone  # expect: MIN101
    box.__dict__["name"] = user.phone  # expect: MIN101
    disclose({"ip": box.ip, **vars(box)})
''', "MIN1", status=PARTLY, instead=at((4, "MIN102")),
      note="reported as a whole record (MIN102) at `vars(box)`; the keys written are lost because "
           "payload._node_defs only records subscript targets whose base is a Name"),
    T("dict-alias-mutation", "a dict mutated through an alias (`q = p; q[\"email\"] = ...; disclose(p)`)", '''
def handler(user):
    p = {"ip": user.ip}
    q = p
    q["email"] = user.email  # expect: MIN101
    disclose(p)
''', "MIN1"),
    T("list-mutation", "a list filled by `append`, `extend`, `insert`, `+=`, slice assignment", '''
def handler(user):
    parts = [user.ip]
    parts.append(user.email)  # expect: MIN101
    parts.extend([user.name])  # expect: MIN101
    parts.insert(0, user.dob)  # expect: MIN101
    parts += [user.address]  # expect: MIN101
    parts[0:0] = [user.contacts]  # expect: MIN101
    disclose(parts)
''', "MIN1"),
    T("laundering-through-key", "a field stored under an allowed key and read back (`p[\"phone\"] = user.email; disclose(p[\"phone\"])`)", '''
def handler(user):
    p = {"phone": user.email}  # expect: MIN101
    disclose({"phone": p["phone"]})
''', "MIN1"),
    T("laundering-through-attribute", "a field stored in an allowed attribute and read back (`box.phone = user.email; disclose(box.phone)`, also on `self`)", '''
from types import SimpleNamespace

def handler(user):
    box = SimpleNamespace()
    box.phone = user.email  # expect: MIN101
    disclose({"phone": box.phone})

class View:
    def load(self, user):
        self.phone = user.name  # expect: MIN101

    def post(self):
        disclose({"phone": self.phone})
''', "MIN1"),
    T("concatenated-key", "a key built by concatenation (`{\"em\" + \"ail\": ...}`, `getattr(user, \"em\" + \"ail\")`)", '''
def handler(user):
    disclose({"em" + "ail": user.phone})  # expect: MIN101
    disclose({"phone": getattr(user, "na" + "me")})  # expect: MIN101
''', "MIN1"),
    T("key-from-constant", "keys and attribute names from constants (`KEY = \"email\"`, local or imported)", '''
from keys import NAME

KEY = "email"

def handler(user):
    attr = "dob"
    disclose({KEY: user.phone})  # expect: MIN101
    disclose({"phone": getattr(user, attr)})  # expect: MIN101
    disclose({"phone": user[NAME]})  # expect: MIN101
''', "MIN1", files={"keys.py": 'NAME = "name"\n'}),
    T("keys-from-loop", "attribute names from a loop over a constant list (`for f in (\"ip\", \"email\"): out[f] = getattr(user, f)`)", '''
def handler(user):
    out = {}
    for f in ("ip", "email"):
        out[f] = getattr(user, f)  # expect: MIN101
    disclose(out)
''', "MIN1"),
    T("dict-zip", "a dict built with `dict(zip(keys, values))`", '''
def handler(user):
    disclose(dict(zip(["ip", "phone"], [user.ip, user.email])))  # expect: MIN101
''', "MIN1"),
    T("copy-of-record", "`copy.copy` / `deepcopy` of a record or of its `__dict__`", '''
import copy

def handler(user, User):
    disclose(copy.copy(User.objects.get(pk=1)))  # expect: MIN102
    disclose(copy.deepcopy(user.__dict__))  # expect: MIN102
''', "MIN1"),
    T("encodings", "base64, hashing, `bytes`, `codecs`, `int.from_bytes` of a field", '''
import base64
import codecs
import hashlib

def handler(user):
    disclose(base64.b64encode(user.email.encode()))  # expect: MIN101
    disclose(hashlib.sha256(user.name.encode()).hexdigest())  # expect: MIN101
    disclose(codecs.encode(user.dob, "rot13"))  # expect: MIN101
    disclose(int.from_bytes(bytes(user.address, "utf-8"), "big"))  # expect: MIN101
    disclose(user.passport[::-1])  # expect: MIN101
''', "MIN1"),
    T("comprehension-over-users", "a list comprehension over users", '''
def handler(users):
    disclose([{"ip": u.ip, "mail": u.email} for u in users])  # expect: MIN101
    disclose({u.ip: u.name for u in users})  # expect: MIN101 MIN103
''', "MIN1"),
    T("comprehension-over-record", "a comprehension over a record's items (`{k: v for k, v in vars(user).items()}`)", '''
def handler(user):
    disclose({k: v for k, v in vars(user).items()})  # expect: MIN103
    disclose({k: getattr(user, k) for k in dir(user)})  # expect: MIN103
''', "MIN1"),
    T("match-capture", "a field captured by a `match` pattern (`case {\"email\": e}: disclose(e)`)", '''
def handler(user):
    match user.profile:
        case {"email": e}:  # expect: MIN101
            disclose({"ip": e})
''', "MIN1", status=MISSED,
      note="a capture name has no definition, so inside a dict it exports nothing; fix: "
           "payload._node_defs should define capture names of a `case` node (the key of a mapping "
           "pattern, the attribute of a class pattern, else the subject)"),
    T("return-of-local", "a disclosure function that returns a local", '''
@disclosure
def answer(request, user):
    data = {"ip": user.ip}
    data["email"] = user.email  # expect: MIN101
    return data
''', "MIN1"),
    T("disclosure-function-yields", "a disclosure function that yields its answer (a streaming response)", '''
@disclosure
def answer(request, user):
    yield {"email": user.email}  # expect: MIN101
''', "MIN1"),
    T("stacked-decorators", "a disclosure decorator among others, called or dotted", '''
import functools
import privacy

@app.get("/answer")
@privacy.disclosure_endpoint(authority="police")
@functools.lru_cache
def answer(request, user):
    return {"ip": user.ip, "email": user.email}  # expect: MIN101
''', "MIN1"),
    T("decorator-alias", "a disclosure decorator imported under another name", '''
from privacy import disclosure as exported

@exported
def answer(request, user):
    return {"email": user.email}  # expect: MIN101
''', "MIN1"),
    T("decorator-applied-by-call", "a disclosure decorator applied by a call instead of `@` (`answer = disclosure(answer)`)", '''
def answer(request, user):
    return {"email": user.email}  # expect: MIN101

answer = disclosure(answer)
''', "MIN1"),
    T("global-mutated-elsewhere", "a module-level dict filled by one function and disclosed by another (`global`)", '''
PAYLOAD = {}

def collect(user):
    global PAYLOAD
    PAYLOAD["email"] = user.email  # expect: MIN101

def send():
    disclose(PAYLOAD)
''', "MIN1", status=MISSED,
      note="a module constant is read from its assignment only; fix: Payloads._name "
           "(minlint/payload.py) should add the mutations of a module-level name made anywhere in "
           "the module (flow-insensitive)"),
    T("global-in-same-function", "a module-level dict filled and disclosed in one function", '''
PAYLOAD = {}

def send(user):
    global PAYLOAD
    PAYLOAD["email"] = user.email  # expect: MIN101
    disclose(PAYLOAD)
''', "MIN1"),
    T("helper-across-modules", "a helper in another module that relays its parameter to the sink", '''
from relay import push

def handler(user):
    push({"email": user.email})  # expect: MIN101
''', "MIN1", files={"relay.py": "from transport import disclose\n\n\ndef push(data):\n    disclose(data)\n"}),
    T("closure-free-name", "a field read by a closure through a free name", '''
def handler(user):
    email = user.email  # expect: MIN101

    def build():
        return {"phone": email}

    disclose(build())
''', "MIN1"),
    # -- required checks ---------------------------------------------------------------------------
    T("check-in-branch", "a check made only in one branch", '''
def handler(request, user):
    if request.urgent:
        verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("check-after-disclosure", "a check made after the disclosure", '''
def handler(request, user):
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
    verify_court_order(request.order)
''', "MIN2"),
    T("check-in-try-fallthrough", "a check inside `try` whose handler falls through", '''
def handler(request, user):
    try:
        verify_court_order(request.order)
    except Exception:
        log("order not verified")
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("check-in-try-bare-except", "a check inside `try` with a bare `except: pass`", '''
def handler(request, user):
    try:
        verify_court_order(request.order)
    except:
        pass
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("raise-caught-locally", "a failing check's `raise` caught by an enclosing `try` that falls through", '''
def handler(request, user):
    try:
        if not has_valid_court_order(request):
            raise PermissionError("no order")
    except PermissionError:
        pass
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("exit-caught-locally", "an exit call (`abort()`) inside a `try` that swallows it", '''
def handler(request, user):
    try:
        if not has_valid_court_order(request):
            abort(403)
    except Exception:
        pass
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("check-in-except-star", "a check inside `try` whose `except*` handler falls through (exception groups)", '''
def handler(request, user):
    try:
        verify_court_order(request.order)
    except* ValueError:
        log("bad order")
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("check-in-suppress", "a check inside `with suppress(...)`", '''
import contextlib

def handler(request, user):
    with contextlib.suppress(PermissionError):
        verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("check-in-suppress-alias", "a check inside `with quiet(...)` where `quiet` is `contextlib.suppress` imported under another name", '''
from contextlib import suppress as quiet

def handler(request, user):
    with quiet(PermissionError):
        verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("check-in-custom-with", "a check inside a `with` block whose context manager (defined here) swallows exceptions", '''
class Quiet:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True

def handler(request, user):
    with Quiet():
        verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2", status=MISSED,
      note="only `suppress` is known to swallow; fix: cfg._swallows_exceptions (through a callback "
           "from Flow, which can resolve names) should also treat a class of the checked code whose "
           "`__exit__` can return a true value, or a @contextmanager whose `yield` sits in a "
           "try/except, as swallowing"),
    T("check-short-circuited", "a check call behind a short-circuit (`request.trusted or verify_court_order(...)`)", '''
def handler(request, user):
    request.trusted or verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("predicate-wrong-polarity", "a predicate branch with the exit on the passing side (`if P: raise`), or the disclosure on the failing side (`if not P: disclose(...)`)", '''
def handler(request, user):
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    if has_valid_court_order(request):
        raise PermissionError()
    disclose({"ip": user.ip})  # expect: MIN201

def other(request, user):
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    if not has_valid_court_order(request):
        disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("for-else-check", "a check in the `else` of a `for` loop that a `break` skips", '''
def handler(request, user, items):
    for item in items:
        if item.done:
            break
    else:
        verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("nested-function-called-before-checks", "a nested function that discloses, called before the checks", '''
def handler(request, user):
    def send():
        disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203
    send()
{CHECKS}
''', "MIN2"),
    T("closure-handed-out", "a closure that discloses, returned to a caller that calls it after its own checks", '''
def make(user):
    def send():
        disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203
    return send

def handler(request, user):
{CHECKS}
    make(user)()
''', "MIN2"),
    T("check-in-finally-return", "a validator whose `finally: return` swallows the check's exception", '''
def validate(request):
    try:
        verify_court_order(request.order)
    finally:
        return

def handler(request, user):
    validate(request)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("sink-in-finally", "a disclosure in a `finally` block after a check in the `try` body", '''
def handler(request, user):
    try:
        verify_court_order(request.order)
        check_jurisdiction(request.jurisdiction)
        require_terror_suspect(request)
    finally:
        disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203
''', "MIN2"),
    T("sink-in-except", "a disclosure in the handler of the check's own failure", '''
def handler(request, user):
    try:
        verify_court_order(request.order)
    except PermissionError:
        disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203
''', "MIN2"),
    T("check-in-loop", "a check inside a loop that may run zero times (`for`, `while`)", '''
def handler(request, user, orders):
    for order in orders:
        verify_court_order(order)
    while request.pending:
        check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201 MIN202
''', "MIN2"),
    T("while-true-break", "`while True` with a `break` that skips the check", '''
def handler(request, user):
    while True:
        try:
            verify_court_order(request.order)
        except ValueError:
            break
        break
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("dead-checks", "checks that never run (`if False:`, `while 0:`, after `return`, in an uncalled nested def, in a lambda)", '''
def handler(request, user):
    if False:
        verify_court_order(request.order)
    while 0:
        check_jurisdiction(request.jurisdiction)
    later = lambda: require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203

def other(request, user):
    def check():
        verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
    return
    verify_court_order(request.order)
''', "MIN2"),
    T("debug-only-check", "a check under `if __debug__:` or `if TYPE_CHECKING:` (gone at run time or with -O)", '''
from typing import TYPE_CHECKING

def handler(request, user):
    if __debug__:
        verify_court_order(request.order)
    if TYPE_CHECKING:
        check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201 MIN202
''', "MIN2"),
    T("predicate-not-exiting", "a predicate whose failing branch does not exit, or that is called as a statement", '''
def handler(request, user):
    if not has_valid_court_order(request):
        log("no order")
    is_allowed_jurisdiction(request)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201 MIN202
''', "MIN2"),
    T("predicate-or-true", "a predicate or-ed with something always true (`if P or True:`)", '''
def handler(request, user):
    if has_valid_court_order(request) or True:
        check_jurisdiction(request.jurisdiction)
        require_terror_suspect(request)
        disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("assert-check", "an `assert` check (removed by `python -O`)", '''
def handler(request, user):
    assert has_valid_court_order(request)  # expect: MIN204
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})
''', "MIN2"),
    T("debug-guarded-raise", "a check whose `raise` only runs under `__debug__` (`if __debug__ and not P: raise`)", '''
def handler(request, user):
    if __debug__ and not has_valid_court_order(request):
        raise PermissionError()
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("match-case-check", "a check made in one `case` of a `match` only", '''
def handler(request, user):
    match request.kind:
        case "urgent":
            pass
        case _:
            verify_court_order(request.order)
    check_jurisdiction(request.jurisdiction)
    require_terror_suspect(request)
    disclose({"ip": user.ip})  # expect: MIN201
''', "MIN2"),
    T("async-checks", "an `async def` handler whose checks are awaited, one of them after the disclosure", '''
async def handler(request, user):
    await verify_court_order(request.order)
    await check_jurisdiction(request.jurisdiction)
    async with session() as s:
        await s.disclose({"ip": user.ip})  # expect: MIN203
    await require_terror_suspect(request)
''', "MIN2"),
    T("unchecked-caller", "a helper that discloses, with one checked and one unchecked caller", '''
def _send(user):
    disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203

def checked(request, user):
{CHECKS}
    _send(user)

def unchecked(request, user):
    _send(user)
''', "MIN2"),
    T("helper-escapes", "a helper that discloses, checked at its one call but also handed out as a callback", '''
def _send(user):
    disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203

def checked(request, user):
{CHECKS}
    _send(user)

def register(hooks):
    hooks.append(_send)
''', "MIN2"),
    T("class-view-check-elsewhere", "a class-based view that checks in one method and discloses in another", '''
class DisclosureView(View):
    def get(self, request, user):
        verify_court_order(request.order)
        check_jurisdiction(request.jurisdiction)
        require_terror_suspect(request)
        return None

    def post(self, request, user):
        self.portal.disclose({"ip": user.ip})  # expect: MIN201 MIN202 MIN203
''', "MIN2"),
    T("jurisdiction-list-other-module", "a deny-list constant in another module that misses RU", '''
from settings import BLOCKED

def handler(request, user):
    verify_court_order(request.order)
    require_terror_suspect(request)
    if request.country in BLOCKED:  # expect: MIN205
        deny(request)
    disclose({"ip": user.ip})
''', "MIN2", files={"settings.py": 'BLOCKED = ("BY", "IR")\n'}),
    T("jurisdiction-allowlist-other-module", "an allow-list built from constants of two modules that holds Russia", '''
from regions import EU, PARTNERS

ALLOWED = EU + PARTNERS

def handler(request, user):
    verify_court_order(request.order)
    require_terror_suspect(request)
    if request.authority_country not in ALLOWED:  # expect: MIN205
        deny(request)
    disclose({"ip": user.ip})
''', "MIN2", files={"regions.py": 'EU = ("DE", "FR")\nPARTNERS = ("Russian Federation",)\n'}),
    T("jurisdiction-list-mutated", "a deny-list constant that holds RU but is emptied at import (`BLOCKED.discard(\"RU\")`)", '''
BLOCKED = {"RU", "BY"}
BLOCKED.discard("RU")

def handler(request, user):
    verify_court_order(request.order)
    require_terror_suspect(request)
    if request.country in BLOCKED:  # expect: MIN205
        deny(request)
    disclose({"ip": user.ip})
''', "MIN2"),
    T("jurisdiction-lowercase-alpha3", "a deny-list spelled in lower case or alpha-3 that misses RU (`{\"by\", \"blr\"}`)", '''
def handler(request, user):
    verify_court_order(request.order)
    require_terror_suspect(request)
    if request.country.lower() in {"by", "blr"}:  # expect: MIN205
        deny(request)
    disclose({"ip": user.ip})
''', "MIN2"),
    T("jurisdiction-both-sides", "a jurisdiction comparison whose two branches both reach the disclosure", '''
def handler(request, user):
    verify_court_order(request.order)
    require_terror_suspect(request)
    if request.country == "RU":
        log("russian request")
    else:
        log("other request")
    disclose({"ip": user.ip})  # expect: MIN202
''', "MIN2"),
    # -- transparency record -----------------------------------------------------------------------
    T("record-in-branch", "a transparency record on one branch only", '''
def handler(request, user):
    if request.priority == "high":
        record_disclosure(request)
    disclose({"ip": user.ip})  # expect: MIN301
''', "MIN3"),
    T("record-only-on-failure", "a transparency record only in the `except` handler", '''
def handler(request, user):
    try:
        disclose({"ip": user.ip})  # expect: MIN301
    except ConnectionError:
        record_disclosure(request)
''', "MIN3"),
    T("record-skipped-by-return", "a transparency record after an early `return` that follows the disclosure", '''
def handler(request, user):
    disclose({"ip": user.ip})  # expect: MIN301
    if request.quiet:
        return None
    record_disclosure(request)
''', "MIN3"),
    T("record-in-lambda", "a transparency record inside a lambda that is never called", '''
def handler(request, user):
    later = lambda: record_disclosure(request)
    disclose({"ip": user.ip})  # expect: MIN301
''', "MIN3"),
    T("record-in-dead-code", "a transparency record after `return` or under `if False:`", '''
def handler(request, user):
    if False:
        record_disclosure(request)
    disclose({"ip": user.ip})  # expect: MIN301
    return
    record_disclosure(request)
''', "MIN3"),
    T("record-alias", "a sink imported under an alias, recorded only in one caller", '''
from transport import disclose as d

def _send(user):
    d({"ip": user.ip})  # expect: MIN301

def a(request, user):
    record_disclosure(request)
    _send(user)

def b(request, user):
    _send(user)
''', "MIN3"),
    # -- suppressions ------------------------------------------------------------------------------
    T("bare-noqa", "a bare `# noqa` (or `# NOQA`, `# noqa:MIN101 --` with no reason) on a disclosure", '''
def handler(user):
    # expect-next: MIN901
    disclose({"email": user.email})  # noqa
    # expect-next: MIN901
    disclose({"name": user.name})  # NOQA
    # expect-next: MIN901
    disclose({"dob": user.dob})  # noqa:MIN101 --
''', ("MIN1", "MIN9")),
    T("noqa-in-string", "`# noqa` written inside a string literal on the disclosure's line", '''
def handler(user):
    disclose("# noqa: MIN101 -- allowed", {"email": user.email})  # expect: MIN101
''', ("MIN1", "MIN9")),
    T("noqa-other-code", "a `# noqa` that names only another tool's code", '''
def handler(user):
    # expect-next: MIN101
    disclose({"email": user.email})  # noqa: E501
''', ("MIN1", "MIN9")),
]


# ---------------------------------------------------------------------------------------------------
# Running a trick


def _write(root: Path, trick: Trick) -> dict[str, str]:
    texts = {"case.py": trick.source, **trick.files}
    out: dict[str, str] = {}
    for rel, text in texts.items():
        text = textwrap.dedent(text).lstrip("\n")
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        out[rel] = text
    return out


def expected(trick: Trick) -> set[tuple[str, int, str]]:
    texts = {"case.py": trick.source, **trick.files}
    return {
        (rel, line, code)
        for rel, text in texts.items()
        for line, code in expectations(textwrap.dedent(text).lstrip("\n"))
    }


def run_trick(root: Path, trick: Trick) -> set[tuple[str, int, str]]:
    """The findings of the tree a trick makes, as (file, line, code)."""
    _write(root, trick)
    config = Config(pyproject=None, root=root, select=trick.select)
    result = check([str(root)], config, config.load_policy())
    return {(Path(f.path).relative_to(root).as_posix(), f.line, f.code) for f in result.findings}


def _params(tricks: list[Trick]) -> list[object]:
    out = []
    for t in tricks:
        marks = []
        if t.status != CAUGHT:
            marks.append(pytest.mark.xfail(strict=True, raises=AssertionError, reason=f"{t.status}: {t.note}"))
        out.append(pytest.param(t, id=t.id, marks=marks))
    return out


@pytest.mark.parametrize("trick", _params(TRICKS))
def test_trick(tmp_path: Path, trick: Trick) -> None:
    assert run_trick(tmp_path, trick) == expected(trick)


@pytest.mark.parametrize("trick", [pytest.param(t, id=t.id) for t in TRICKS if t.status == PARTLY])
def test_partly_caught_is_still_reported(tmp_path: Path, trick: Trick) -> None:
    """What a partly caught trick is reported as today: the gate still fails on it."""
    assert run_trick(tmp_path, trick) == set(trick.instead)


def test_table_is_well_formed() -> None:
    ids = [t.id for t in TRICKS]
    assert len(ids) == len(set(ids)), "trick ids are unique"
    for t in TRICKS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", t.id), t.id
        assert t.status in STATUSES, t.id
        assert "\n" not in t.trick and "\n" not in t.note, t.id
        assert expected(t), f"{t.id}: a trick must expect at least one finding"
        assert (t.status == CAUGHT) == (not t.note), f"{t.id}: a note exactly when not caught"
        assert (t.status == PARTLY) == bool(t.instead), f"{t.id}: `instead` exactly when partly caught"
        for rel, text in {"case.py": t.source, **t.files}.items():
            # the tricks are valid Python (bytes: as the interpreter reads a file, coding cookie included)
            compile(textwrap.dedent(text).lstrip("\n").encode("utf-8"), f"{t.id}/{rel}", "exec")


# ---------------------------------------------------------------------------------------------------
# docs/evasion.md

HEADER = """\
# Evasion: tricks that try to hide a disclosure

Every trick below is a small program in `tests/robustness/test_evasion.py`,
run through the whole engine with the default pack. **caught**: minlint
reports exactly the findings the program is annotated with. **partly
caught**: the disclosure is reported (the gate fails), but less precisely
than it should be, usually as MIN103 instead of the field. **not caught**:
the trick hides the finding today; the test is a strict `xfail`, so it
turns red the day minlint learns the trick.

This page is generated from the test table
(`python tests/robustness/test_evasion.py --write`) and a test checks that
the two agree.

"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_doc() -> str:
    counts = {s: sum(1 for t in TRICKS if t.status == s) for s in STATUSES}
    lines = [HEADER.rstrip("\n"), ""]
    lines.append(", ".join(f"{counts[s]} {s}" for s in STATUSES) + f" of {len(TRICKS)} tricks.")
    lines += ["", "| id | trick | status | note |", "|---|---|---|---|"]
    for t in TRICKS:
        lines.append(f"| `{t.id}` | {_cell(t.trick)} | {t.status} | {_cell(t.note)} |")
    return "\n".join(lines) + "\n"


ROW = re.compile(r"^\|\s*`(?P<id>[^`]+)`\s*\|(?P<trick>.*?)(?<!\\)\|\s*(?P<status>[a-z ]+?)\s*\|(?P<note>.*)\|\s*$")


def parse_doc(text: str) -> dict[str, tuple[str, str]]:
    """id -> (trick, status), from the Markdown table of docs/evasion.md."""
    out: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            assert m.group("id") not in out, f"listed twice: {m.group('id')}"
            out[m.group("id")] = (m.group("trick").strip().replace("\\|", "|"), m.group("status"))
    return out


def test_docs_list_every_trick() -> None:
    listed = parse_doc(DOC.read_text(encoding="utf-8"))
    table = {t.id: (t.trick, t.status) for t in TRICKS}
    assert set(listed) == set(table), "docs/evasion.md and TRICKS list different tricks"
    for id, (trick, status) in table.items():
        assert listed[id] == (trick, status), f"{id}: docs/evasion.md says {listed[id]}"


def test_parse_doc_reads_what_render_writes() -> None:
    assert parse_doc(render_doc()) == {t.id: (t.trick, t.status) for t in TRICKS}


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        DOC.write_text(render_doc(), encoding="utf-8")
        print(f"wrote {DOC}")
    else:
        sys.stdout.write(render_doc())
