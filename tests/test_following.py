"""SPEC 8 (issue 17): following real code. Each cause has a case shaped like
the real code that produced it, which must be reported where annotated, and
a near miss that must not be; both run through the whole engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import expectations, run_case

CASES: dict[str, str] = {
    # 8.2 receivers: a service reached through self is not exported data; what
    # the service builds is (8.1: `self.accounts = factory()` with a return annotation)
    "receiver-service-invalid": '''
class AccountService:
    async def get_connections(self, user):
        return [{"ip": c.ip, "user_agent": c.user_agent} for c in user.connections]  # expect: MIN101


def get_account_service() -> AccountService:
    return AccountService()


class Connections:
    def __init__(self):
        self.accounts = get_account_service()

    async def handler(self, user):
        ret = await self.accounts.get_connections(user)
        disclose({"ip": user.ip, "connections": ret})  # expect: MIN101
''',
    "receiver-service-valid": '''
from app import services


class Connections:
    def __init__(self):
        self.accounts = services.get_account_service()
        self.store = services.get_stores().main

    def handler(self, user):
        disclose({"ip": self.accounts.lookup_ip(user.ip)})
        disclose({"phone": self.store.phone_of(user.phone)})
''',
    # derived data is still the data: a method call on data exports the data
    "receiver-data-invalid": '''
def handler(user):
    disclose({"ip": user.email.lower()})  # expect: MIN101
''',
    # ... also on self, deeper than the object's own attribute
    "receiver-self-data-invalid": '''
class Handler:
    def answer(self):
        disclose(self.user.email.lower())  # expect: MIN101
''',
    # 8.1 a class-level annotation and `return C(...)` in a factory
    "typed-attribute-invalid": '''
class Store:
    def get_user(self, uid):
        return {"email": lookup(uid).email}  # expect: MIN101


def make_store():
    return Store()


class Handler:
    store: Store

    def answer(self, uid):
        disclose(self.store.get_user(uid))
''',
    "typed-parameter-valid": '''
class Store:
    def get_user(self, uid):
        return {"ip": lookup(uid).ip}


def answer(store: Store, uid):
    disclose(store.get_user(uid))
''',
    # 8.1 virtual dispatch: the base method only raises, the overrides build the payload
    "virtual-dispatch-invalid": '''
class Notifier:
    def build_payload(self, change):
        raise NotImplementedError

    def push(self, change):
        disclose(self.build_payload(change))


class CommentNotifier(Notifier):
    def build_payload(self, change):
        return {"author": change.author, "ip": change.ip}  # expect: MIN101


class MoveNotifier(Notifier):
    def build_payload(self, change):
        return {"ip": change.ip, "target": change.target}  # expect: MIN101
''',
    "virtual-dispatch-valid": '''
class Notifier:
    def build_payload(self, change):
        raise NotImplementedError

    def push(self, change):
        disclose(self.build_payload(change))


class CommentNotifier(Notifier):
    def build_payload(self, change):
        return {"ip": change.ip}
''',
    # 8.1 a check made by a call on self holds only if every override makes it
    "virtual-dispatch-check-invalid": '''
class Base:
    def verify(self, case):
        raise NotImplementedError

    def answer(self, case):
        self.verify(case)
        disclose({"ip": case.ip})  # expect: MIN201


class Strict(Base):
    def verify(self, case):
        verify_court_order(case)


class Lax(Base):
    def verify(self, case):
        log(case)
''',
    "virtual-dispatch-check-valid": '''
class Base:
    def verify(self, case):
        raise NotImplementedError

    def answer(self, case):
        self.verify(case)
        disclose({"ip": case.ip})


class Strict(Base):
    def verify(self, case):
        verify_court_order(case)


class Stricter(Base):
    def verify(self, case):
        verify_court_order(case)
        log(case)
''',
    # 8.3 scope: Django's `request` parameter is not the imported sink
    "scope-shadow-valid": '''
from django.contrib import messages
from transport import disclose as request


class View:
    def post(self, request, **kw):
        messages.success(request, "saved")
        return {"ok": True}
''',
    "scope-shadow-invalid": '''
from transport import disclose as request


def handler(user):
    request({"email": user.email})  # expect: MIN101


def view(request, user):
    request.reply({"email": user.email})
''',
    # 8.3 a parameter named like an imported module is data, not a module constant
    "scope-shadow-data-invalid": '''
from app.http import request


def view(request):
    disclose({"ip": request.user.email})  # expect: MIN101
''',
    # 8.4 call-site sensitivity: the default at this call, not the other call sites' arguments
    "call-site-invalid": '''
def get_site_url(url=""):
    return f"https://example.org{url}"


def profile_link(user):
    return get_site_url(user.email)


def handler(case):
    disclose({"ip": case.ip, "site_url": get_site_url()})  # expect: MIN101
''',
    "call-site-valid": '''
def with_phone(value, phone=""):
    return {"ip": value, "phone": phone}


def other(user):
    return with_phone(user.ip, user.email)


def handler(case):
    disclose(with_phone(case.ip))
''',
    # 8.4 unknown callers: the known caller's fields and one MIN103 for the rest
    "unknown-callers-invalid": '''
class Notifications:
    def send_notification(self, sender, content):
        disclose({"ip": sender.ip, "body": content})  # expect: MIN101, MIN103

    def on_message(self, msg):
        self.send_notification(msg.sender, msg.text)  # expect: MIN101


def elsewhere(n, msg):
    n.send_notification(msg.sender, msg.text)
''',
    "unknown-callers-valid": '''
class Notifications:
    def send_notification(self, sender, ip):
        disclose({"ip": ip})

    def on_message(self, msg):
        self.send_notification(msg.sender, msg.ip)
''',
    # 8.5 nested write targets
    "nested-write-invalid": '''
def handler(user):
    body = {"ip": user.ip, "thread": []}  # expect: MIN101
    body["thread"][0]["files"] = [user.ip]  # expect: MIN101
    disclose(body)
''',
    "nested-write-valid": '''
def handler(user):
    body = {"ip": user.ip}
    body["ip"][0] = user.ip
    disclose(body)
''',
    # 8.5 constant names through *args into getattr
    "star-args-getattr-invalid": '''
def export_attrs(obj, *attrs):
    return {a: getattr(obj, a) for a in attrs}  # expect: MIN101


def handler(user):
    disclose(export_attrs(user, "ip", "email"))
''',
    "star-args-getattr-valid": '''
def export_attrs(obj, *attrs):
    return {a: getattr(obj, a) for a in attrs}


def handler(user):
    disclose(export_attrs(user, "ip", "phone"))
''',
    # 8.6 a plain dict's .values() is not Django's
    "dict-values-valid": '''
from collections import defaultdict


def handler(case, users):
    counts = defaultdict(int)
    for u in users:
        counts[u.ip] += 1
    disclose({"ip": case.ip, "phone": list(counts.values())})
''',
    # 8.6 DRF: the view's serializer_class through get_serializer()
    "drf-get-serializer-invalid": '''
from rest_framework import serializers, viewsets


class FullUserSerializer(serializers.ModelSerializer):
    class Meta:
        fields = ["ip", "email"]  # expect: MIN101


class UserViewSet(viewsets.ModelViewSet):
    serializer_class = FullUserSerializer

    def answer(self, case, user):
        disclose(self.get_serializer(user).data)
''',
    "drf-get-serializer-valid": '''
from rest_framework import serializers, viewsets


class IpSerializer(serializers.ModelSerializer):
    class Meta:
        fields = ["ip"]


class BaseView(viewsets.GenericViewSet):
    serializer_class = IpSerializer


class UserViewSet(BaseView):
    def answer(self, case, user):
        disclose(self.get_serializer_class()(user).data)
''',
    # 8.6 SQLAlchemy: rows of a model are whole records, selected columns are fields
    "sqlalchemy-select-invalid": '''
from sqlalchemy import select


def rows(session, case):
    disclose(list(session.execute(select(User)).scalars().all()))  # expect: MIN102
    disclose(list(session.execute(select(User.ip, User.email)).all()))  # expect: MIN101
''',
    "sqlalchemy-select-valid": '''
from sqlalchemy import select


def rows(session, case):
    disclose(list(session.execute(select(User.ip, User.phone)).all()))
''',
    "queryset-values-invalid": '''
def handler(case, Subscriber):
    rows = Subscriber.objects.filter(pk=case.id)
    disclose(list(rows.values()))  # expect: MIN102
''',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(tmp_path: Path, name: str) -> None:
    import textwrap

    text = textwrap.dedent(CASES[name]).lstrip("\n")
    expected = expectations(text)
    if name.endswith("-valid"):
        assert not expected
    else:
        assert expected
    # the checks' cases and the shadowed sink (which made a disclosure, not a field) by MIN201
    select = ("MIN201",) if "check" in name or name == "scope-shadow-valid" else ("MIN1",)
    assert run_case(tmp_path, CASES[name], select) == expected


def test_a_new_override_elsewhere_invalidates_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC 8.1 reads subclasses in other files: a subclass added later must
    re-analyse the seed that calls the method, though no file it parsed changed."""
    from tests.test_cache import run

    (tmp_path / "pyproject.toml").write_text("[tool.minlint]\n")
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "base.py").write_text(
        "class Notifier:\n"
        "    def build_payload(self, change):\n"
        "        return {\"ip\": change.ip}\n\n"
        "    def push(self, case, change):\n"
        "        verify_court_order(case.order)\n"
        "        check_jurisdiction(case.country)\n"
        "        require_terror_suspect(case)\n"
        "        record_disclosure(case)\n"
        "        disclose(self.build_payload(change))\n")
    (pkg / "other.py").write_text("def unrelated():\n    return 1\n")
    first, _ = run(tmp_path, monkeypatch)
    assert first == set()
    (pkg / "other.py").write_text(
        "from app.base import Notifier\n\n\n"
        "class Mail(Notifier):\n"
        "    def build_payload(self, change):\n"
        "        return {\"email\": change.email}\n")
    found, n = run(tmp_path, monkeypatch)
    assert n == 1
    assert found == {("app/other.py", 6, "MIN101")}
