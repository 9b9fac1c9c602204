"""MIN101, MIN102, MIN103: what a disclosure exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from minlint.checks.base import Raw, Rule, where
from minlint.parse.positions import Lazy
from minlint.policy.pack import normalise_field

if TYPE_CHECKING:
    from minlint.analysis.disclosures import Analysis, Disclosure


class FieldRule(Rule):
    """MIN101, MIN102, MIN103: what a disclosure exports.

    The promise allows one thing to leave: the user's IP address and phone
    number. Every field a disclosure's payload carries is classified by the
    policy (``fields.categories``, ``fields.allowed``, ``fields.context``):

    - MIN101: a field outside the allowed categories, at the field expression;
    - MIN102: a whole record (``asdict(user)``, ``vars(user)``, ``.values()``...),
      at the whole-record expression;
    - MIN103: an export that cannot be known statically (``getattr(user, name)``,
      ``**unknown``), at the dynamic expression.

    Cases are run with only these codes selected.
    """

    codes = ("MIN101", "MIN102", "MIN103")

    def check(self, analysis: Analysis, disclosure: Disclosure) -> Iterator[Raw]:
        policy = analysis.policy
        allowed = ", ".join(sorted(policy.allowed))
        target = Lazy(lambda: where(disclosure))  # a position: only worth computing for a finding
        for expr in disclosure.payload:
            for item in analysis.payloads.exported(expr, _ctx(disclosure), True):
                via = f" ({item.via})" if item.via else ""
                if item.kind == "field":
                    name = normalise_field(item.name)
                    if not name or policy.is_context(name) or policy.is_allowed(name):
                        continue
                    category = policy.category_of(name)
                    kind = f" ({category})" if category else ""
                    yield Raw(item.module, item.node, "MIN101",
                              f"'{item.name}'{kind} reaches {target}{via}; allowed: {allowed}",
                              item.scope, fields=(item.name,))
                elif item.kind == "whole":
                    yield Raw(item.module, item.node, "MIN102",
                              f"a whole record, {item.name}, reaches {target}{via}; export named fields instead",
                              item.scope)
                else:
                    yield Raw(item.module, item.node, "MIN103",
                              f"{item.name}: what reaches {target} cannot be determined statically{via}",
                              item.scope)

    VALID = (
        # the allowed fields, by alias, by pattern, through a local name
        '''
def handler(user):
    disclose({"ip": user.last_ip, "phone": user.phone_number})
    payload = {"client_ip": user.remote_addr}
    disclose(payload)
''',
        # context names are request metadata, not user data
        '''
def handler(request, user):
    disclose({"case_id": request.case_id, "authority": request.authority, "ip": user.ip})
''',
        # constants and numbers carry no user data
        '''
def handler(user):
    disclose({"ip": user.ip, "note": "court order 17", "count": 1})
''',
        # a reassignment kills what the name held before
        '''
def handler(user):
    payload = {"email": user.email}
    payload = {"ip": user.ip}
    disclose(payload)
''',
        # named fields of a whole-record form
        '''
def handler(user, rows):
    disclose(user.model_dump(include={"ip", "phone"}))
    disclose(model_to_dict(user, fields=["ip", "phone"]))
    disclose(list(rows.values("ip", "phone")))
''',
        # a record built here with allowed keywords
        '''
from dataclasses import asdict, dataclass

@dataclass
class Export:
    ip: str
    phone: str

def handler(user):
    disclose(asdict(Export(ip=user.ip, phone=user.phone)))
''',
        # a comprehension over a constant list of allowed names
        '''
def handler(user):
    disclose({name: getattr(user, name) for name in ("ip", "phone")})
''',
        # not a disclosure: analytics may see more
        '''
def export_for_analytics(user):
    return {"email": user.email, "messages": user.messages}
''',
        # parameters named as request metadata or allowed fields, with no caller saying otherwise
        '''
def push(authority, case_id, phone):
    send_to_authority(authority, {"phone": phone, "case": case_id})
''',
        # camelCase and leading underscores are normalised
        '''
def handler(user):
    disclose({"lastIP": user._phone, "phoneNumber": user.mobileNumber})
''',
    )

    INVALID = (
        '''
def handler(user):
    disclose({
        "ip": user.last_ip,
        "messages": user.messages,  # expect: MIN101
    })
''',
        # the value's source is checked too
        '''
def handler(user):
    disclose({"ip": user.email})  # expect: MIN101
''',
        # mutations before the disclosure
        '''
def handler(user):
    p = {"ip": user.ip}
    p["email"] = user.email  # expect: MIN101
    p.update(name=user.name)  # expect: MIN101
    p.setdefault("dob", user.dob)  # expect: MIN101
    setattr(p, "address", user.address)  # expect: MIN101
    disclose(p)
''',
        # derived data is still the data
        '''
import json

def handler(user):
    disclose(json.dumps({"ip": user.ip, "location": user.location}))  # expect: MIN101
    disclose(f"{user.phone} / {user.email}")  # expect: MIN101
    disclose("%s" % user.birthday)  # expect: MIN101
    disclose("{}".format(user.contacts))  # expect: MIN101
    disclose(hash(user.passport))  # expect: MIN101
    disclose(str(user.email).lower())  # expect: MIN101
''',
        # tuples, constructor keywords, dict()
        '''
def handler(user):
    disclose((user.ip, user.email))  # expect: MIN101
    disclose(dict(ip=user.ip, name=user.name))  # expect: MIN101
    disclose(Export(phone=user.phone, email=user.email))  # expect: MIN101
''',
        # not a phone number, not an IP address
        '''
def handler(user):
    disclose({"phone_contacts": user.contacts})  # expect: MIN101
    disclose({"ip_history": user.ips})  # expect: MIN101
    disclose({"contact_phones": user.phones})  # expect: MIN101
''',
        # whole records
        '''
from dataclasses import asdict
import copy

def handler(user, session, User):
    disclose(asdict(user))  # expect: MIN102
    disclose(vars(user))  # expect: MIN102
    disclose(user.__dict__)  # expect: MIN102
    disclose(user.model_dump())  # expect: MIN102
    disclose(user.model_dump(exclude={"password"}))  # expect: MIN102
    disclose(user.to_dict())  # expect: MIN102
    disclose(model_to_dict(user))  # expect: MIN102
    disclose(User.objects.get(pk=1))  # expect: MIN102
    disclose(session.get(User, 1))  # expect: MIN102
    disclose(copy.deepcopy(user.__dict__))  # expect: MIN102
''',
        '''
def handler(rows):
    disclose(list(rows.values()))  # expect: MIN102
''',
        # named fields that are not allowed
        '''
def handler(user, rows):
    disclose(user.model_dump(include={"ip", "email"}))  # expect: MIN101
    disclose(list(rows.values("ip", "name")))  # expect: MIN101
''',
        # dynamic exports
        '''
def handler(user, request, name):
    disclose({name: getattr(user, name) for name in request.fields})  # expect: MIN103
    disclose(user[request.field])  # expect: MIN103
    disclose({**request.extra})  # expect: MIN103
    disclose(vars())  # expect: MIN103
    disclose({k: v for k, v in vars(user).items()})  # expect: MIN103
''',
        # a record built here: its keywords are the fields
        '''
from dataclasses import asdict, dataclass

@dataclass
class Export:
    ip: str
    email: str

def handler(user):
    export = Export(
        ip=user.ip,
        email=user.email,  # expect: MIN101
    )
    disclose(asdict(export))
''',
        # a payload that is only a parameter nobody passes anything to
        '''
def relay(payload):
    disclose(payload)  # expect: MIN103
''',
        # a parameter holds what its callers pass, whatever its name says
        '''
def send(ip):
    disclose({"ip": ip})

def handler(user):
    send(user.email)  # expect: MIN101
''',
        # a sink reached through an import alias and a dotted entry
        '''
from transport import disclose as send

def handler(user):
    send({"email": user.email})  # expect: MIN101
''',
    )


def _ctx(disclosure: Disclosure):  # type: ignore[no-untyped-def]
    from minlint.analysis.payload import Ctx

    return Ctx(disclosure.fn, disclosure.node)
