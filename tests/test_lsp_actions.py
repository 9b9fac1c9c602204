"""Code actions, hover and rule links of the language server (issue 20),
with a real LSP client session (pytest-lsp) against `minlint lsp --stdio`,
as editors start it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from tests.test_lsp import HANDLER, PYPROJECT, TIMEOUT, Client, _record, _register, diagnostics, open_doc, span

pytestmark = pytest.mark.asyncio

REPO = Path(__file__).resolve().parent.parent
RECORD = '''\
from dataclasses import asdict, dataclass


@dataclass
class User:
    ip: str
    email: str


def handler(request, user: User):
    verify_court_order(request.order)
    check_jurisdiction(request.country)
    require_terror_suspect(request)
    record_disclosure(request)
    disclose(asdict(user))
'''


class ActionClient(Client):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown: list[types.ShowDocumentParams] = []


def _show(client: ActionClient, params: types.ShowDocumentParams) -> types.ShowDocumentResult:
    client.shown.append(params)
    return types.ShowDocumentResult(success=True)


def converter() -> Any:
    """pygls's converter, but telling a Command from a CodeAction as VS Code
    and Neovim do (a Command's `command` is a string): lsprotocol takes any
    object with a `command` key for a Command, which would turn the suppress
    action (an edit *and* a command) into a bare Command."""
    from pygls.protocol import default_converter

    conv = default_converter()
    union = types.Command | types.CodeAction

    def structure(obj: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return conv.structure(obj, types.Command)
        return conv.structure(obj, types.CodeAction)

    conv.register_structure_hook(union, structure)
    return conv


def make_client() -> ActionClient:
    client = ActionClient(converter_factory=converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record
    features[types.CLIENT_REGISTER_CAPABILITY] = _register
    features[types.WINDOW_SHOW_DOCUMENT] = _show
    register_lsp_features(client, features)
    return client


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "minlint", "lsp", "--stdio"],
                            client_factory=make_client)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "handler.py").write_text(HANDLER, encoding="utf-8")
    (root / "record.py").write_text(RECORD, encoding="utf-8")
    return root


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: ActionClient, project: Path) -> AsyncIterator[None]:
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=project.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="proj")],
    )
    result = await asyncio.wait_for(lsp_client.initialize_session(params), TIMEOUT)
    lsp_client.capabilities_result = result
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """*edits* (non-overlapping, ASCII lines) applied to *text*."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def at(p: types.Position) -> int:
        return offsets[p.line] + p.character if p.line < len(lines) else len(text)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: at(e.range.start)] + e.new_text + text[at(e.range.end):]
    return text


async def actions_for(client: ActionClient, uri: str, found: list[types.Diagnostic]) -> list[types.CodeAction]:
    result = await asyncio.wait_for(client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=found[0].range,
        context=types.CodeActionContext(diagnostics=found))), TIMEOUT)
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def test_suppress_with_a_reason_inserts_noqa_and_puts_the_cursor_at_the_reason(client: ActionClient,
                                                                                    project: Path) -> None:
    path = project / "handler.py"
    uri = path.as_uri()
    found = await diagnostics(client, uri, open_doc(client, path))
    assert [d.code for d in found] == ["MIN101"]
    actions = await actions_for(client, uri, found)
    (suppress,) = [a for a in actions if a.title.startswith("Suppress")]
    assert suppress.kind == types.CodeActionKind.QuickFix
    assert suppress.edit is not None and suppress.edit.changes is not None
    new = apply(HANDLER, suppress.edit.changes[uri])
    last = '    disclose({"ip": user.ip, "email": user.email})'
    assert new == HANDLER.replace(last, last + "  # noqa: MIN101 -- ")
    # the client runs the action's command after the edit: the server asks it to put the cursor after " -- "
    assert suppress.command is not None
    await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command=suppress.command.command, arguments=suppress.command.arguments)), TIMEOUT)
    (shown,) = client.shown
    spot = types.Position(line=5, character=len(last + "  # noqa: MIN101 -- "))
    assert shown.uri == uri and shown.selection == types.Range(start=spot, end=spot)


async def test_fix_action_removes_the_disallowed_field(client: ActionClient,
                                                                         project: Path) -> None:
    path = project / "handler.py"
    uri = path.as_uri()
    found = await diagnostics(client, uri, open_doc(client, path))
    (fix,) = [a for a in await actions_for(client, uri, found) if "minlint fix" in a.title]
    assert fix.edit is not None and fix.edit.changes is not None
    assert apply(HANDLER, fix.edit.changes[uri]) == HANDLER.replace(', "email": user.email', "")
    assert list(fix.diagnostics or ()) == found


async def test_no_fix_action_where_minlint_fix_cannot(client: ActionClient, project: Path) -> None:
    path = project / "handler.py"
    uri = path.as_uri()
    unguarded = HANDLER.replace("    verify_court_order(request.order)\n", "").replace(', "email": user.email', "")
    path.write_text(unguarded, encoding="utf-8")
    found = await diagnostics(client, uri, open_doc(client, path))
    assert [d.code for d in found] == ["MIN201"]
    titles = [a.title for a in await actions_for(client, uri, found)]
    assert titles == ["Suppress MIN201 with a reason (# noqa: MIN201 -- …)"]


async def test_hover_on_a_diagnostic_shows_the_rule_page(client: ActionClient, project: Path) -> None:
    path = project / "handler.py"
    uri = path.as_uri()
    await diagnostics(client, uri, open_doc(client, path))
    inside = span(HANDLER, '"email"').start
    result = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=inside)), TIMEOUT)
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    assert result.contents.value.startswith("# MIN101")
    assert "## Use instead" in result.contents.value
    outside = types.Position(line=0, character=0)
    assert await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=outside)), TIMEOUT) is None


async def test_code_description_links_open_the_rule_page(client: ActionClient, project: Path) -> None:
    path = project / "record.py"
    uri = path.as_uri()
    found = await diagnostics(client, uri, open_doc(client, path))
    assert [d.code for d in found] == ["MIN102"]
    href = found[0].code_description.href if found[0].code_description else ""
    parsed = urlparse(href)
    assert parsed.scheme == "file", href
    page = Path(url2pathname(parsed.path))
    assert page.read_text(encoding="utf-8") == (REPO / "docs" / "rules" / "MIN102.md").read_text(encoding="utf-8")
