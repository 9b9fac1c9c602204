"""``minlint lsp``: the language server (LSP over stdin/stdout, with pygls).

Diagnostics are the CLI's findings for the document's project, computed with
the editor's unsaved buffers standing in for the files on disk: an edit in an
open helper module can change the findings of another open file, so every run
re-publishes every open document of the project it analysed.

Runs happen on ``didOpen`` and ``didSave`` at once and on ``didChange`` about
0.3 s after the last keystroke; one run at a time, in a worker thread, so the
server keeps reading messages while libcst works. A result is published for a
document only if the document still holds the text that was analysed: a
slower, older run never overwrites the diagnostics of a newer text.

Untitled documents (no file on disk) are analysed alone, under a made-up path
in the workspace, with the workspace's ``[tool.minlint]``; nothing is written.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import traceback
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec

from minlint import __version__
from minlint.core.paths import real
from minlint.frontends import lsp_actions
from minlint.policy.pack import Policy, PolicyError
from minlint.project.config import Config, ConfigError, find_config

if TYPE_CHECKING:
    from minlint.core.findings import Finding

__all__ = ["DEBOUNCE_SECONDS", "MinlintServer", "main"]

DEBOUNCE_SECONDS = 0.3
SOURCE = "minlint"
_PYTHON_SUFFIXES = (".py", ".pyi")
# Files whose change on disk can change any project's findings: the config,
# policy packs and the checked modules themselves.
_WATCHED_GLOBS = ("**/*.py", "**/*.toml")

_LINE_BREAK = re.compile(r"\r\n|\r|\n")

logger = logging.getLogger(__name__)


def uri_to_path(uri: str) -> Path | None:
    """The file a ``file:`` URI names (percent-escapes decoded); None for any other scheme."""
    if urlparse(uri).scheme != "file":
        return None
    raw = to_fs_path(uri)
    # pygls leaves %20 and friends encoded; the file system does not know them.
    return Path(unquote(raw)) if raw else None


@dataclass(frozen=True)
class _Doc:
    """An open document as it was when a run started."""

    uri: str
    path: Path | None  # None: untitled, never saved
    text: str
    version: int | None
    language_id: str | None

    @property
    def is_python(self) -> bool:
        if self.language_id == "python":
            return True
        return self.path is not None and self.path.suffix in _PYTHON_SUFFIXES


@dataclass
class _Outcome:
    """What one run found, applied back on the event loop."""

    published: list[tuple[_Doc, list[types.Diagnostic]]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # uri -> config/policy error line
    clean: set[str] = field(default_factory=set)  # uris whose config and policy loaded
    logs: list[str] = field(default_factory=list)  # internal errors, for window/logMessage
    # MIN902 in a project's pack and pyproject.toml: published whether or not
    # the file is open (an empty list clears what an earlier run showed)
    tomls: dict[str, list[types.Diagnostic]] = field(default_factory=dict)


class MinlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("minlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self._dirty: set[str] = set()  # uris whose project needs a run
        self._timer: asyncio.Task[None] | None = None
        # One run at a time: runs share the config cache, and a second libcst
        # pass over the same project would only slow the first one down.
        self._run_lock = asyncio.Lock()
        self._configs: dict[
            tuple[Path, tuple[Path, ...]], tuple[tuple[tuple[str, int, int], ...], Config | ConfigError]
        ] = {}
        self._failing: dict[str, str] = {}  # uri -> error line currently shown for it
        self.shown: dict[str, list[types.Diagnostic]] = {}  # uri -> diagnostics last published (for hover)
        self.debounce = DEBOUNCE_SECONDS
        # the client's word on the cache (initializationOptions or settings
        # under "minlint": {"cache": false, "cacheDir": "..."}); the findings are the same either way
        self.use_cache = True
        self.cache_dir: Path | None = None
        # MIN902 looks at the whole project (it parses every file that spells a
        # pack entry's name): on open, save and changes on disk, not on every
        # keystroke; the pack's diagnostics stand until the next such run
        self.gate_due = True

    def configure_cache(self, settings: object) -> None:
        """Take ``cache`` / ``cacheDir`` from the client's options, top-level
        or under ``minlint``; anything of another type is ignored."""
        if isinstance(settings, dict) and isinstance(settings.get("minlint"), dict):
            settings = settings["minlint"]
        if not isinstance(settings, dict):
            return
        if isinstance(settings.get("cache"), bool):
            self.use_cache = settings["cache"]
        folder = settings.get("cacheDir", settings.get("cache-dir"))
        if isinstance(folder, str) and folder.strip():
            self.cache_dir = Path(folder.strip()).expanduser()

    # -- scheduling (event loop) ---------------------------------------------

    def schedule(self, uris: Iterable[str], delay: float) -> None:
        """Mark the projects of *uris* for a run in *delay* seconds. A run that
        has not started yet is cancelled: the new one covers its documents too."""
        self._dirty.update(uris)
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().create_task(self._after(delay))

    async def _after(self, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        # Past the debounce the run must finish even if a newer change cancels
        # this task: it already took the dirty set, and its results are still
        # the best there are until the newer run publishes.
        await asyncio.shield(self._run())

    async def _run(self) -> None:
        async with self._run_lock:
            dirty, self._dirty = self._dirty, set()
            if not dirty:
                return
            try:
                docs = self._snapshot()
                folders = self._folders()
                codec = self.workspace.position_codec
                links = self._links_supported()
                gate, self.gate_due = self.gate_due, False
                outcome = await asyncio.to_thread(self.analyse, dirty, docs, folders, codec, links, gate)
                self._apply(outcome)
            except Exception:  # noqa: BLE001 - a bug of ours must not take the editor's server down
                self._log(f"minlint: internal error:\n{traceback.format_exc()}")

    def _snapshot(self) -> list[_Doc]:
        return [
            _Doc(d.uri, uri_to_path(d.uri), d.source, d.version, d.language_id)
            for d in list(self.workspace.text_documents.values())
        ]

    def _folders(self) -> list[Path]:
        out: list[Path] = []
        for folder in self.workspace.folders.values():
            path = uri_to_path(folder.uri)
            if path is not None:
                out.append(path)
        root = self.workspace.root_uri
        if root:
            path = uri_to_path(root)
            if path is not None and path not in out:
                out.append(path)
        return out

    def _links_supported(self) -> bool:
        try:
            caps = self.client_capabilities.text_document
            publish = caps.publish_diagnostics if caps is not None else None
            return bool(publish is not None and publish.code_description_support)
        except Exception:  # noqa: BLE001 - before initialize: a link too many harms nobody
            return True

    def _apply(self, outcome: _Outcome) -> None:
        current = {d.uri: d for d in list(self.workspace.text_documents.values())}
        for doc, diagnostics in outcome.published:
            now = current.get(doc.uri)
            # Closed, or edited since the snapshot: a newer run is on its way.
            if now is None or now.version != doc.version or now.source != doc.text:
                continue
            self.shown[doc.uri] = diagnostics
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=doc.uri, diagnostics=diagnostics, version=doc.version)
            )
        for uri, diagnostics in outcome.tomls.items():
            self.shown[uri] = diagnostics
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))
        shown = set(self._failing.values())
        for uri in outcome.clean:
            self._failing.pop(uri, None)
        for uri, message in outcome.errors.items():
            self._failing[uri] = message
        # A broken config is one pop-up while it stays broken, not one per keystroke.
        for message in dict.fromkeys(outcome.errors.values()):
            if message not in shown:
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))
        for text in outcome.logs:
            self._log(text)

    def _log(self, text: str) -> None:
        logger.error("%s", text)
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Error, message=text))

    def forget(self, uri: str) -> None:
        self._failing.pop(uri, None)
        self.shown.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        ours = [d for d in params.context.diagnostics if lsp_actions.is_ours(d)]
        if not ours:
            return None
        document = self.workspace.get_text_document(uri)
        codec = self.workspace.position_codec
        actions = [a for d in ours if (a := lsp_actions.suppress_action(uri, document.source, d, codec)) is not None]
        fixable = [d for d in ours if d.code in lsp_actions.FIXABLE]
        path = uri_to_path(uri)
        if fixable and path is not None:
            project = self._project(path.parent, self._folders())
            if isinstance(project, Config):
                try:
                    fix = await asyncio.to_thread(lsp_actions.fix_action, uri, path, document.source, project, fixable)
                except Exception:  # noqa: BLE001 - no fix offered is better than a failed request
                    self._log(f"minlint: internal error computing the fix:\n{traceback.format_exc()}")
                    fix = None
                if fix is not None:
                    actions.insert(0, fix)
        return actions or None

    # -- analysis (worker thread) ----------------------------------------------

    def analyse(
        self,
        dirty: set[str],
        docs: Sequence[_Doc],
        folders: Sequence[Path],
        codec: PositionCodec,
        links: bool = True,
        gate: bool = True,
    ) -> _Outcome:
        """The diagnostics of every open document in the projects of *dirty*
        (and, with *gate*, MIN902 in their packs)."""
        outcome = _Outcome()
        python = {d.uri: d for d in docs if d.is_python}
        projects: dict[str, Config | ConfigError] = {}
        for d in python.values():
            if d.path is not None:
                projects[d.uri] = self._project(d.path.parent, folders)

        roots: dict[Path, Config] = {}
        broken: dict[str, ConfigError] = {}
        untitled: list[_Doc] = []

        def want(project: Config | ConfigError) -> None:
            if isinstance(project, ConfigError):
                broken[str(project)] = project
            else:
                roots[project.root] = project

        for uri in sorted(dirty):
            doc = python.get(uri)
            if doc is not None and doc.path is None:
                untitled.append(doc)
            elif doc is not None:
                want(projects[uri])
            else:
                # A closed document, a non-Python buffer or a file changed on
                # disk: the open documents of its project may see it differently
                # now; a .toml may be the config or a policy pack of any of them.
                path = uri_to_path(uri)
                if path is None or path.suffix not in (*_PYTHON_SUFFIXES, ".toml"):
                    continue
                if path.suffix == ".toml":
                    for project in projects.values():
                        want(project)
                    untitled.extend(d for d in python.values() if d.path is None)
                else:
                    project = self._project(path.parent, folders)
                    # a file the project skips (.venv, `exclude`) changes nothing
                    if isinstance(project, ConfigError) or not project.is_excluded(path):
                        want(project)

        for root, config in roots.items():
            members = [d for d in python.values() if _root_of(projects.get(d.uri)) == root]
            if members:
                self._run_project(config, members, codec, links, outcome, gate)
        for message, error in broken.items():
            for d in python.values():
                failed = projects.get(d.uri)
                if isinstance(failed, ConfigError) and str(failed) == message:
                    self._fail(d, error, codec, outcome)
        for d in dict.fromkeys(untitled):
            self._run_untitled(d, folders, codec, links, outcome)
        return outcome

    def _project(self, folder: Path, folders: Sequence[Path]) -> Config | ConfigError:
        """The config for files in *folder*, cached until a pyproject.toml on
        the way up changes (find_config parses TOML: not on every keystroke)."""
        folder = _absolute(folder)
        # the workspace folders decide the root when there is no [tool.minlint]
        key = (folder, tuple(folders))
        stamp = _pyproject_stamps(folder)
        hit = self._configs.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        result: Config | ConfigError
        try:
            result = find_config(folder)
        except ConfigError as exc:
            result = exc
        else:
            if result.pyproject is None:
                # No [tool.minlint] anywhere up: the project is the editor's
                # workspace folder, not just the file's own folder (helpers live
                # elsewhere) and never the whole home folder above it.
                result = replace(result, root=_workspace_folder(folder, folders) or folder)
        self._configs[key] = (stamp, result)
        return result

    def _run_project(
        self, config: Config, members: list[_Doc], codec: PositionCodec, links: bool, outcome: _Outcome,
        gate: bool = True,
    ) -> None:
        from minlint.api import Options, check_files
        from minlint.project.collect import display_path, project_files
        from minlint.project.index import SourceFile

        try:
            policy = config.load_policy()  # cached by minlint.policy.pack until a pack file changes
        except PolicyError as exc:
            for d in members:
                self._fail(d, exc, codec, outcome)
            return
        try:
            # a buffer in a folder that does not exist yet has no project on disk
            # the whole project (nested projects are theirs), excluded files marked (SPEC 8.7, 10)
            files = project_files(config) if config.root.is_dir() else []
            known = {real(f.path) for f in files}
            for d in members:
                assert d.path is not None
                # A new file the editor has not saved yet is still part of the project.
                if real(d.path) not in known and not config.is_excluded(d.path):
                    files.append(SourceFile(d.path, display_path(Path(os.path.normpath(d.path)))))
            mine = {real(d.path) for d in members if d.path is not None}
            checked = [f for f in files if not f.excluded and real(f.path) in mine]
            overrides = {d.path: d.text for d in members if d.path is not None}
            # in the server's own process: workers would have to start afresh beside its threads
            findings = check_files(files, config, Options(jobs=1, cache=self.use_cache, cache_dir=self.cache_dir,
                                                          liveness=gate),
                                   overrides=overrides, policy=policy, checked=checked).findings
        except ConfigError as exc:  # a configuration that checks nothing (issue 14 item 5): shown like a broken one
            for d in members:
                self._fail(d, exc, codec, outcome)
            return
        except Exception:  # noqa: BLE001 - logged to the client; the server keeps serving
            outcome.logs.append(f"minlint: internal error checking {config.root}:\n{traceback.format_exc()}")
            return
        by_file: dict[Path, list[Finding]] = {}
        for f in findings:
            by_file.setdefault(real(Path(f.path)), []).append(f)
        if gate:
            _publish_tomls(config, policy, by_file, codec, links, outcome)
        for d in members:
            assert d.path is not None
            outcome.clean.add(d.uri)
            found = by_file.get(real(d.path), [])
            outcome.published.append((d, [to_diagnostic(f, d.text, codec, links) for f in found]))

    def _run_untitled(
        self, doc: _Doc, folders: Sequence[Path], codec: PositionCodec, links: bool, outcome: _Outcome
    ) -> None:
        from minlint.api import Options, check_files
        from minlint.project.index import SourceFile

        base = _absolute(folders[0] if folders else Path.cwd())
        project = self._project(base, folders)
        if isinstance(project, ConfigError):
            self._fail(doc, project, codec, outcome)
            return
        try:
            policy = project.load_policy()
        except PolicyError as exc:
            self._fail(doc, exc, codec, outcome)
            return
        # A path that names no file: the override is the only text the engine
        # sees, so nothing is read from or written to disk for it.
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in doc.uri.rpartition(":")[2]) or "untitled"
        path = project.root / ".minlint-untitled" / f"{name}.py"
        display = path.as_posix()
        try:
            findings = check_files([SourceFile(path, display)], project, Options(jobs=1, cache=False),
                                   overrides={path: doc.text}, policy=policy).findings
        except Exception:  # noqa: BLE001 - logged to the client; the server keeps serving
            outcome.logs.append(f"minlint: internal error checking {doc.uri}:\n{traceback.format_exc()}")
            return
        outcome.clean.add(doc.uri)
        mine = [f for f in findings if f.path == display]
        outcome.published.append((doc, [to_diagnostic(f, doc.text, codec, links) for f in mine]))

    @staticmethod
    def _fail(doc: _Doc, error: Exception, codec: PositionCodec, outcome: _Outcome) -> None:
        message = str(error)
        outcome.errors[doc.uri] = message
        lines = _lines(doc.text)
        end = codec.client_num_units(lines[0]) if lines else 0
        outcome.published.append((doc, [types.Diagnostic(
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=end)),
            message=message,
            severity=types.DiagnosticSeverity.Error,
            source=SOURCE,
        )]))


def _publish_tomls(config: Config, policy: Policy, by_file: dict[Path, list[Finding]], codec: PositionCodec,
                   links: bool, outcome: _Outcome) -> None:
    """The diagnostics of the project's own pack files and its pyproject.toml
    (MIN902), each file's list, empty when nothing is reported there."""
    from pygls.uris import from_fs_path

    from minlint.analysis.liveness import own_files

    files = [Path(f) for f in own_files(policy)]
    if config.pyproject is not None:
        files.append(config.pyproject)
    for path in dict.fromkeys(real(p) for p in files):
        uri = from_fs_path(str(path))
        if uri is None:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeError):
            text = ""
        outcome.tomls[uri] = [to_diagnostic(f, text, codec, links) for f in by_file.get(path, [])]


def _lines(text: str) -> list[str]:
    # LSP and libcst end lines at \n, \r\n and \r only; str.splitlines also
    # splits at form feeds and Unicode separators, which would shift lines.
    return _LINE_BREAK.split(text)


def _root_of(project: Config | ConfigError | None) -> Path | None:
    return project.root if isinstance(project, Config) else None


def _absolute(path: Path) -> Path:
    return real(path if path.is_absolute() else Path.cwd() / path)


def _pyproject_stamps(folder: Path) -> tuple[tuple[str, int, int], ...]:
    out: list[tuple[str, int, int]] = []
    for d in (folder, *folder.parents):
        candidate = d / "pyproject.toml"
        try:
            st = candidate.stat()
        except OSError:
            continue
        out.append((str(candidate), st.st_mtime_ns, st.st_size))
    return tuple(out)


def _workspace_folder(path: Path, folders: Iterable[Path]) -> Path | None:
    best: Path | None = None
    for folder in folders:
        folder = _absolute(folder)
        if (path == folder or folder in path.parents) and (best is None or len(folder.parts) > len(best.parts)):
            best = folder
    return best


def to_diagnostic(finding: Finding, text: str, codec: PositionCodec, links: bool = True) -> types.Diagnostic:
    """A finding as an LSP diagnostic on *text* (the text that was analysed).

    Findings count lines from 1 and columns in code points from 1, end
    exclusive; LSP counts both from 0 and columns in the client's units
    (UTF-16 unless negotiated otherwise)."""
    lines = _lines(text)
    start_line = max(finding.line - 1, 0)
    start_col = max(finding.column - 1, 0)
    end_line = max((finding.end_line or finding.line) - 1, 0)
    end_col = max((finding.end_column or finding.column) - 1, 0)
    end_line, end_col = max((end_line, end_col), (start_line, start_col))
    start = codec.position_to_client_units(lines, types.Position(line=start_line, character=start_col))
    end = codec.position_to_client_units(lines, types.Position(line=end_line, character=end_col))
    href = lsp_actions.page_uri(finding.code) if links else None
    description = types.CodeDescription(href=href) if href else None
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        message=finding.message,
        severity=types.DiagnosticSeverity.Warning if finding.code in ("MIN901", "MIN902") else types.DiagnosticSeverity.Error,
        code=finding.code,
        code_description=description,
        source=SOURCE,
    )


def build_server() -> MinlintServer:
    server = MinlintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: MinlintServer, params: types.InitializeParams) -> None:
        ls.configure_cache(params.initialization_options)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: MinlintServer, params: types.DidChangeConfigurationParams) -> None:
        ls.configure_cache(params.settings)

    @server.feature(types.INITIALIZED)
    def initialized(ls: MinlintServer, params: types.InitializedParams) -> None:
        watch = ls.client_capabilities.workspace
        dynamic = watch.did_change_watched_files if watch is not None else None
        if dynamic is not None and dynamic.dynamic_registration:
            # Files changed behind the editor's back (git checkout, a formatter,
            # an edited pyproject.toml) change findings of open documents too.
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=g) for g in _WATCHED_GLOBS]
            )
            registration = types.Registration(
                id="minlint-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
            )
            future = ls.client_register_capability(types.RegistrationParams(registrations=[registration]))
            future.add_done_callback(_registration_done)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: MinlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.gate_due = True
        ls.schedule([params.text_document.uri], 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: MinlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule([params.text_document.uri], ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: MinlintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.gate_due = True
        ls.schedule([params.text_document.uri], 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: MinlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)
        ls.gate_due = True
        # The file on disk now stands in for the closed buffer in its project.
        ls.schedule([params.text_document.uri], ls.debounce)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix], resolve_provider=False),
    )
    async def code_action(ls: MinlintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        return await ls.code_actions(params)

    @server.command(lsp_actions.PLACE_CURSOR)
    async def place_cursor(ls: MinlintServer, uri: str, line: int, character: int) -> None:
        # after the client applied the suppress edit: the cursor goes where the reason is typed
        spot = types.Position(line=line, character=character)
        await ls.window_show_document_async(
            types.ShowDocumentParams(uri=uri, take_focus=True, selection=types.Range(start=spot, end=spot))
        )

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: MinlintServer, params: types.HoverParams) -> types.Hover | None:
        return lsp_actions.hover(ls.shown.get(params.text_document.uri, []), params.position)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: MinlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        if params.changes:
            ls.gate_due = True
            ls.schedule([change.uri for change in params.changes], ls.debounce)

    return server


def _registration_done(future: Future[None]) -> None:
    # A client that refuses file watching still gets diagnostics on every
    # edit and save; only changes made outside the editor wait for the next one.
    if not future.cancelled() and future.exception() is not None:
        logger.info("client refused file watching: %s", future.exception())


def main() -> int:
    """Serve LSP on stdin/stdout until the client says exit."""
    build_server().start_io()
    return 0
