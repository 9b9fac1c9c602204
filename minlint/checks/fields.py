"""MIN101, MIN102, MIN103: what a disclosure exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from minlint.checks.base import Raw, Rule
from minlint.checks.tiers import field_verdict, tiers_note
from minlint.parse.positions import Lazy

if TYPE_CHECKING:
    from minlint.analysis.evidence import Evidence
    from minlint.policy.pack import Policy


# the code of each export the policy does not allow
EXPORT_CODES = {"disallowed": "MIN101", "whole": "MIN102", "dynamic": "MIN103"}


class FieldRule(Rule):
    """MIN101, MIN102, MIN103: what a disclosure exports (docs/rules/MIN101.md).

    Cases are run with only these codes selected."""

    codes = ("MIN101", "MIN102", "MIN103")

    def check(self, evidence: Evidence, policy: Policy) -> Iterator[Raw]:
        d = evidence.disclosure
        allowed = ", ".join(sorted(policy.allowed))
        target = Lazy(d.where)  # a position: only worth computing for a finding
        for i, e in enumerate(evidence.exports):
            item = e.item
            via = Lazy(lambda v=item.via: f" ({v})" if v else "")  # type: ignore[misc]
            if e.status == "disallowed":
                tiered = field_verdict(evidence, i, policy)  # SPEC 9: under a tiered pack, only where no tier allows it
                if not tiered.report:
                    continue
                yield Raw(item.module, item.node, "MIN101",
                          {"category": f" ({e.category})" if e.category else "", "target": target, "via": via,
                           "allowed": allowed, "tiers": tiers_note(policy, tiered) if policy.tiers else ""},
                          item.scope, fields=(item.name,), tiers=tiered.holding if policy.tiers else None)
            elif e.status == "whole":
                yield Raw(item.module, item.node, "MIN102", {"what": item.name, "target": target, "via": via},
                          item.scope)
            elif e.status == "dynamic":
                yield Raw(item.module, item.node, "MIN103", {"what": item.name, "target": target, "via": via},
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

