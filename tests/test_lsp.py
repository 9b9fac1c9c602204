"""The language server, driven over stdio by a real LSP client (pytest-lsp).

Every wait has a deadline, so a server that hangs or never publishes fails
the test instead of blocking CI. Waits look for the *first* publication for a
document after a given point (and, where the document itself changed, for
its version), so a server that publishes stale or extra diagnostics fails too.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

pytestmark = pytest.mark.asyncio

TIMEOUT = 30.0  # seconds: generous for a loaded CI box, finite for a hung server
# Well past the server's 0.3 s debounce: long enough for a stray run to show up.
DEBOUNCE_WAIT = 1.0

PYPROJECT = '[project]\nname = "demo"\n\n[tool.minlint]\nselect = ["MIN"]\n'

HANDLER = textwrap.dedent(
    """\
    def handler(request, user):
        verify_court_order(request.order)
        check_jurisdiction(request.country)
        require_terror_suspect(request)
        record_disclosure(request)
        disclose({"ip": user.ip, "email": user.email})
    """
)


class Client(LanguageClient):
    """Records every publishDiagnostics with its version, in order: the
    stock client keeps only the latest diagnostics per document."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.registrations: list[types.Registration] = []


def _record(client: Client, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)


def _register(client: Client, params: types.RegistrationParams) -> None:
    # VS Code accepts dynamic registrations; without a handler the server's
    # request would come back as an error that pytest-lsp pins on the test.
    client.registrations.extend(params.registrations)


def make_client() -> Client:
    client = Client(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record
    features[types.CLIENT_REGISTER_CAPABILITY] = _register
    register_lsp_features(client, features)
    return client


SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "minlint", "lsp"], client_factory=make_client)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "handler.py").write_text(HANDLER, encoding="utf-8")
    return root


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: Client, project: Path) -> AsyncIterator[None]:
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=project.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="proj")],
    )
    await asyncio.wait_for(lsp_client.initialize_session(params), TIMEOUT)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), TIMEOUT)


# -- helpers -------------------------------------------------------------------


def open_doc(client: Client, path: Path, text: str | None = None, *, uri: str | None = None) -> int:
    """Open a document; returns the publication index to wait from."""
    mark = len(client.published)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri or path.as_uri(),
                language_id="python",
                version=1,
                text=path.read_text(encoding="utf-8") if text is None else text,
            )
        )
    )
    return mark


def change_doc(client: Client, uri: str, version: int, text: str) -> int:
    mark = len(client.published)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    return mark


async def next_publication(
    client: Client, uri: str, after: int, *, version: int | None = None
) -> types.PublishDiagnosticsParams:
    """The first publishDiagnostics for *uri* after index *after* (of *version*, if given)."""

    async def scan() -> types.PublishDiagnosticsParams:
        while True:
            for params in client.published[after:]:
                if params.uri == uri and (version is None or params.version == version):
                    return params
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(scan(), TIMEOUT)


async def diagnostics(client: Client, uri: str, after: int, *, version: int | None = None) -> list[types.Diagnostic]:
    return list((await next_publication(client, uri, after, version=version)).diagnostics)


async def until(condition: Callable[[], bool]) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), TIMEOUT)


def span(text: str, needle: str, occurrence: int = 0) -> types.Range:
    """The 0-based range of *needle* in *text* (its *occurrence*-th match)."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start)
    character = start - (text.rfind("\n", 0, start) + 1)
    return types.Range(
        start=types.Position(line=line, character=character),
        end=types.Position(line=line, character=character + len(needle)),
    )


def codes(found: list[types.Diagnostic]) -> list[str | int | None]:
    return [d.code for d in found]


# -- tests -----------------------------------------------------------------------


async def test_open_reports_the_exported_field(client: Client, project: Path) -> None:
    path = project / "handler.py"
    found = await diagnostics(client, path.as_uri(), open_doc(client, path))
    assert len(found) == 1, found
    (d,) = found
    assert d.code == "MIN101"
    assert d.source == "minlint"
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.range == span(HANDLER, "\"email\"")
    assert "email" in d.message
    assert d.code_description is not None
    assert d.code_description.href.endswith("/MIN101.md")


async def test_changes_are_checked_after_a_pause(client: Client, project: Path) -> None:
    path = project / "handler.py"
    uri = path.as_uri()
    assert codes(await diagnostics(client, uri, open_doc(client, path))) == ["MIN101"]

    only_ip = HANDLER.replace(', "email": user.email', "")
    assert await diagnostics(client, uri, change_doc(client, uri, 2, only_ip), version=2) == []

    unguarded = only_ip.replace("    verify_court_order(request.order)\n", "")
    found = await diagnostics(client, uri, change_doc(client, uri, 3, unguarded), version=3)
    assert codes(found) == ["MIN201"], found
    call = span(unguarded, "disclose(")
    assert found[0].range.start == call.start
    assert found[0].source == "minlint"
    # the file on disk is untouched: the buffer alone was checked
    assert path.read_text(encoding="utf-8") == HANDLER


async def test_rapid_changes_are_checked_once(client: Client, project: Path) -> None:
    path = project / "handler.py"
    uri = path.as_uri()
    await diagnostics(client, uri, open_doc(client, path))
    mark = change_doc(client, uri, 2, HANDLER.replace("user.email", "user.phone"))
    change_doc(client, uri, 3, HANDLER.replace("user.email", "user.messages"))
    sent = time.monotonic()
    change_doc(client, uri, 4, HANDLER.replace(', "email": user.email', ""))
    # the debounce drops the runs of versions 2 and 3: the first result is version 4's
    first = await next_publication(client, uri, mark)
    waited = time.monotonic() - sent
    assert first.version == 4
    assert list(first.diagnostics) == []
    # ... and it comes after the pause, not on the keystroke (load only makes this longer)
    assert waited >= 0.25, waited
    await asyncio.sleep(DEBOUNCE_WAIT)  # any straggling run for 2 or 3 would have published by now
    assert [p.version for p in client.published[mark:] if p.uri == uri] == [4]


async def test_columns_are_utf16_code_units(client: Client, project: Path) -> None:
    # VS Code counts columns in UTF-16 units: an emoji is two of them, one code point.
    line = 'disclose({"ip": user.ip, "email": user.email})'
    emoji_line = 'note = "\U0001F600"; ' + line
    text = HANDLER.replace(line, emoji_line)
    path = project / "handler.py"
    path.write_text(text, encoding="utf-8")
    found = await diagnostics(client, path.as_uri(), open_doc(client, path))
    assert codes(found) == ["MIN101"], found
    row = text.splitlines()[5]
    prefix = row[: row.index('"email"')]
    start = len(prefix.encode("utf-16-le")) // 2
    assert start == len(prefix) + 1
    assert found[0].range == types.Range(
        start=types.Position(line=5, character=start), end=types.Position(line=5, character=start + 7)
    )


async def test_unsaved_helper_edit_is_reported_in_the_helper(client: Client, project: Path) -> None:
    helper = project / "payloads.py"
    helper.write_text('def build(user):\n    return {"ip": user.ip}\n', encoding="utf-8")
    handler = project / "handler.py"
    handler_text = "from payloads import build\n\n" + HANDLER.replace(
        'disclose({"ip": user.ip, "email": user.email})', "disclose(build(user))"
    )
    handler.write_text(handler_text, encoding="utf-8")

    assert await diagnostics(client, handler.as_uri(), open_doc(client, handler)) == []
    assert await diagnostics(client, helper.as_uri(), open_doc(client, helper)) == []

    edited = 'def build(user):\n    return {"ip": user.ip, "email": user.email}\n'
    found = await diagnostics(client, helper.as_uri(), change_doc(client, helper.as_uri(), 2, edited), version=2)
    assert codes(found) == ["MIN101"], found
    assert found[0].range == span(edited, "\"email\"")
    assert list(client.diagnostics[handler.as_uri()]) == []

    # an edit of the handler re-checks with the helper's buffer, not its file
    mark = change_doc(client, handler.as_uri(), 2, handler_text + "\n")
    assert await diagnostics(client, handler.as_uri(), mark, version=2) == []
    assert codes(await diagnostics(client, helper.as_uri(), mark)) == ["MIN101"]


async def test_helper_edit_changes_another_open_document(client: Client, project: Path) -> None:
    helper = project / "validation.py"
    helper_text = textwrap.dedent(
        """\
        def validate(request):
            verify_court_order(request.order)
            check_jurisdiction(request.country)
            require_terror_suspect(request)
        """
    )
    helper.write_text(helper_text, encoding="utf-8")
    handler = project / "handler.py"
    handler_text = textwrap.dedent(
        """\
        from validation import validate


        def handler(request, user):
            validate(request)
            record_disclosure(request)
            disclose({"ip": user.ip})
        """
    )
    handler.write_text(handler_text, encoding="utf-8")

    assert await diagnostics(client, handler.as_uri(), open_doc(client, handler)) == []
    assert await diagnostics(client, helper.as_uri(), open_doc(client, helper)) == []

    weakened = helper_text.replace("    verify_court_order(request.order)\n", "")
    mark = change_doc(client, helper.as_uri(), 2, weakened)
    # handler.py did not change, yet its findings did: it is re-published
    found = await diagnostics(client, handler.as_uri(), mark)
    assert codes(found) == ["MIN201"], found
    assert found[0].range.start == span(handler_text, "disclose(").start


async def test_noqa_with_a_reason_suppresses(client: Client, project: Path) -> None:
    path = project / "handler.py"
    uri = path.as_uri()
    await diagnostics(client, uri, open_doc(client, path))

    line = 'disclose({"ip": user.ip, "email": user.email})'
    reasoned = HANDLER.replace(line, line + "  # noqa: MIN101 -- court asked for it, case 2019-17")
    assert await diagnostics(client, uri, change_doc(client, uri, 2, reasoned), version=2) == []

    bare = HANDLER.replace(line, line + "  # noqa: MIN101")
    found = await diagnostics(client, uri, change_doc(client, uri, 3, bare), version=3)
    assert codes(found) == ["MIN901"], found
    assert found[0].severity == types.DiagnosticSeverity.Warning


async def test_broken_config_is_one_diagnostic(client: Client, project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[tool.minlint]\nselect = 3\n', encoding="utf-8")
    path = project / "handler.py"
    uri = path.as_uri()

    found = await diagnostics(client, uri, open_doc(client, path))
    assert len(found) == 1, found
    (d,) = found
    assert "tool.minlint.select" in d.message
    assert d.source == "minlint"
    assert d.range.start == types.Position(line=0, character=0)
    assert "\n" not in d.message
    await until(lambda: any("tool.minlint.select" in m.message for m in client.messages))

    # still broken after an edit: the same diagnostic, and no second pop-up
    found = await diagnostics(client, uri, change_doc(client, uri, 2, HANDLER + "\n"), version=2)
    assert [x.message for x in found] == [d.message]
    assert sum("tool.minlint.select" in m.message for m in client.messages) == 1

    # fixed on disk: the watched-file notification brings the findings back
    pyproject.write_text(PYPROJECT, encoding="utf-8")
    mark = len(client.published)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    assert codes(await diagnostics(client, uri, mark)) == ["MIN101"]


async def test_close_clears(client: Client, project: Path) -> None:
    path = project / "handler.py"
    uri = path.as_uri()
    assert codes(await diagnostics(client, uri, open_doc(client, path))) == ["MIN101"]
    mark = len(client.published)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert await diagnostics(client, uri, mark) == []
    await asyncio.sleep(DEBOUNCE_WAIT)  # the re-run of the project must not bring them back
    assert list(client.diagnostics[uri]) == []


async def test_syntax_error_does_not_stop_the_server(client: Client, project: Path) -> None:
    path = project / "handler.py"
    uri = path.as_uri()
    await diagnostics(client, uri, open_doc(client, path))
    found = await diagnostics(client, uri, change_doc(client, uri, 2, HANDLER + "def broken(:\n"), version=2)
    assert codes(found) == ["MIN999"], found
    found = await diagnostics(client, uri, change_doc(client, uri, 3, HANDLER), version=3)
    assert codes(found) == ["MIN101"], found


async def test_untitled_document_is_checked_alone(client: Client, project: Path) -> None:
    uri = "untitled:Untitled-1"
    found = await diagnostics(client, uri, open_doc(client, project / "unused.py", HANDLER, uri=uri))
    assert codes(found) == ["MIN101"], found
    assert found[0].range == span(HANDLER, "\"email\"")
    assert not (project / ".minlint-untitled").exists()

