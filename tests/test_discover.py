"""``minlint discover``: candidate disclosure paths of the known frameworks and
outbound channels, ranked, with the fields seen, and a drafted v2 pack.

Each case is shaped like the real code of the corpus (benchmarks/realworld)
and has a near miss that must not be listed."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from minlint.api import Options, configure
from minlint.discover import Candidate, discover, draft_pack
from minlint.frontends.cli import main
from minlint.project.collect import collect

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MakeTree = Callable[[Mapping[str, str | bytes]], Path]


def run(root: Path) -> list[Candidate]:
    config = configure([str(root)], Options())
    return discover(collect([str(root)], config), config.root)


def by_target(found: list[Candidate]) -> dict[str, Candidate]:
    return {c.target: c for c in found}


SERVLET = {
    "app/__init__.py": "",
    "app/http.py": "class RestServlet:\n    pass\n",
    "app/handlers.py": """
        class AdminHandler:
            async def get_whois(self, user):
                connections = []
                for session in await self._store.get_user_ip_and_agents(user):
                    connections.append({"ip": session["ip"], "user_agent": session["user_agent"]})
                return {"user_id": user, "devices": {"": {"sessions": [{"connections": connections}]}}}
    """,
    "app/admin.py": """
        from app.http import RestServlet

        class WhoisRestServlet(RestServlet):
            def __init__(self, hs):
                self.admin_handler = hs.get_admin_handler()

            async def on_GET(self, request, user_id):
                ret = await self.admin_handler.get_whois(user_id)
                return 200, ret

        class VersionServlet(RestServlet):
            async def on_GET(self, request):
                return 200, {"server_version": "1.0"}
    """,
}


def test_servlet_on_get_through_a_service_method(make_tree: MakeTree) -> None:
    found = by_target(run(make_tree(SERVLET)))
    whois = found["app.admin.WhoisRestServlet.on_GET"]
    assert whois.kind == "handler" and whois.framework == "servlet"
    assert {"ip", "user_agent"} <= set(whois.fields)
    assert ("ip", "network") in whois.personal
    assert "admin_handler" not in whois.fields  # a receiver is no field (SPEC 8.2)
    # near miss: a servlet answering constants hands out no user data
    assert "app.admin.VersionServlet.on_GET" not in found


def test_drf_viewset_with_inherited_retrieve_is_a_view_at_its_class(make_tree: MakeTree) -> None:
    root = make_tree({
        "api/__init__.py": "",
        "api/serializers.py": """
            from rest_framework.serializers import ModelSerializer

            class SpeakerSerializer(ModelSerializer):
                class Meta:
                    fields = ("code", "name", "biography")

            class SpeakerOrgaSerializer(SpeakerSerializer):
                class Meta(SpeakerSerializer.Meta):
                    fields = SpeakerSerializer.Meta.fields + ("email",)
        """,
        "api/views.py": """
            from rest_framework import viewsets
            from api.serializers import SpeakerSerializer, SpeakerOrgaSerializer

            class SpeakerViewSet(viewsets.ReadOnlyModelViewSet):
                serializer_class = SpeakerSerializer

                def get_serializer_class(self):
                    if self.request.user.is_staff:
                        return SpeakerOrgaSerializer
                    return SpeakerSerializer

            class TagViewSet(viewsets.ReadOnlyModelViewSet):
                serializer_class = None

                def list(self, request):
                    return Response({"count": 3})

                def retrieve(self, request, pk):
                    return Response({"tag": "x"})
        """,
    })
    found = by_target(run(root))
    view = found["api.views.SpeakerViewSet"]
    assert view.kind == "view" and view.line == 4
    assert view.base == "rest_framework.viewsets.ReadOnlyModelViewSet"
    assert {"email", "name", "biography", "code"} <= set(view.fields)
    # near miss: a viewset defining list/retrieve with no user data
    assert "api.views.TagViewSet" not in found
    assert "api.views.TagViewSet.list" not in found


def test_pyramid_flask_and_fastapi_routes(make_tree: MakeTree) -> None:
    root = make_tree({
        "web/__init__.py": "",
        "web/pyr.py": """
            from pyramid.view import view_config

            @view_config(route_name="admin.user.detail", permission="admin")
            def user_detail(request):
                user = request.db.get(request.matchdict["id"])
                return {"email": user.email, "username": user.username}

            @view_config(route_name="home")
            def home(request):
                return {"project": "x"}
        """,
        "web/fl.py": """
            from flask import Flask
            app = Flask(__name__)

            @app.route("/me")
            def me():
                return {"phone": current_user.phone}
        """,
        "web/fa.py": """
            from fastapi import APIRouter
            router = APIRouter()

            @router.get("/users/{uid}")
            async def read_user(uid: int):
                user = await users.get(uid)
                return {"ip": user.last_ip}
        """,
    })
    found = by_target(run(root))
    assert found["web.pyr.user_detail"].framework == "pyramid"
    assert {"email", "username"} <= set(found["web.pyr.user_detail"].fields)
    assert found["web.fl.me"].framework == "flask"
    assert found["web.fa.read_user"].framework == "fastapi"
    assert "last_ip" in found["web.fa.read_user"].fields
    assert "web.pyr.home" not in found


def test_channels_carry_user_fields_not_every_request(make_tree: MakeTree) -> None:
    root = make_tree({
        "svc/__init__.py": "",
        "svc/push.py": """
            class HttpPusher:
                def __init__(self, hs):
                    self.http_client = hs.get_http_client()

                async def dispatch_push(self, content):
                    content = content.copy()
                    await self.http_client.post_json_get_json(self.url, {"notification": content})

                async def dispatch_push_event(self, event):
                    content = {"sender": event.user_id, "content": event.content}
                    await self.dispatch_push(content)

                async def _send_badge(self, badge):
                    await self.http_client.post_json_get_json(self.url, {"notification": {"counts": badge}})
        """,
        "svc/status.py": """
            import requests

            def ping(url):
                return requests.get(url, timeout=3)

            def report(user):
                requests.post("https://analytics.example", json={"email": user.email})
        """,
        "tests/test_push.py": """
            def test_it(client):
                client.post("/register", {"email": "a@b.c", "password": "x"})
        """,
    })
    found = run(root)
    targets = by_target(found)
    push = targets["svc.push.HttpPusher.dispatch_push"]
    assert push.kind == "channel" and push.framework == "http"
    assert {"sender", "content"} <= set(push.fields)  # what the caller passes for `content`
    assert targets["svc.status.report"].callee == "requests.post"
    assert "svc.status.ping" not in targets  # a request that carries no user data
    assert "svc.push.HttpPusher._send_badge" not in targets  # only routing data and a count
    assert not any(c.path.startswith("tests/") for c in found)  # a test client is no channel


def test_ranked_best_first_deterministically(make_tree: MakeTree) -> None:
    root = make_tree(SERVLET)
    first, second = run(root), run(root)
    assert first == second
    assert [c.score for c in first] == sorted((c.score for c in first), reverse=True)


def test_drafted_pack_uses_v2_keys_and_names_the_candidates(make_tree: MakeTree) -> None:
    found = run(make_tree(SERVLET))
    data = tomllib.loads(draft_pack(found, "app-draft"))
    assert set(data) <= {"policy", "fields", "disclosure"}
    assert data["policy"]["name"] == "app-draft"
    tables = data["disclosure"]["functions"]
    assert {"modules": ["app.admin"], "names": ["WhoisRestServlet.on_GET"]} in tables
    assert "ip" in data["fields"]["categories"]["network"]["aliases"]


def test_cli_json_and_write_pack(make_tree: MakeTree, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_tree(SERVLET)
    pack = root / "draft.toml"
    assert main(["discover", str(root), "--format", "json", "--write-pack", str(pack)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["rank"] == 1 and out[0]["target"] == "app.admin.WhoisRestServlet.on_GET"
    assert "ip" in out[0]["fields"]
    assert tomllib.loads(pack.read_text(encoding="utf-8"))["disclosure"]["functions"]


def test_cli_missing_path_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["discover", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file or directory" in err


def test_export_through_self_method_defined_in_many_modules(make_tree: MakeTree) -> None:
    """pretalx's CSVExporterMixin.render writes self.get_data(), which each of many exporters defines."""
    files: dict[str, str] = {
        "ex/__init__.py": "",
        "ex/base.py": """
            import csv

            class CSVExporterMixin:
                def render(self):
                    fieldnames, data = self.get_data()
                    writer = csv.DictWriter(self.out, fieldnames=fieldnames)
                    writer.writerows(data)
        """,
    }
    for i in range(5):
        files[f"ex/e{i}.py"] = f"""
            class Exporter{i}:
                def get_data(self):
                    return ["x"], [{{"email{i}": s.email}} for s in self.speakers]
        """
    found = by_target(run(make_tree(files)))
    render = found["ex.base.CSVExporterMixin.render"]
    assert render.kind == "channel" and render.framework == "export"
    assert "email" in render.fields
