"""What the language server offers on a diagnostic besides showing it:
code actions (the fix ``minlint fix`` can make for MIN101/MIN102, and
"suppress with a reason", which inserts ``# noqa: MINxxx -- `` and puts the
cursor where the reason goes) and hover (the rule page ``minlint explain``
prints).

LSP has no way for a code action's edit to place the cursor, so the suppress
action carries a command as well: the client applies the edit, then runs the
command, and the server asks the client (``window/showDocument``) to select
the spot after `` -- ``. A client without showDocument still gets the edit.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from minlint.core.codes import CODES, CUSTOM_GUARD_CODES
from minlint.core.paths import real
from minlint.project.config import Config

SOURCE = "minlint"
PLACE_CURSOR = "minlint.placeCursor"
# the codes `minlint fix` removes fields for
FIXABLE = ("MIN101", "MIN102")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# a noqa comment that already names codes and gives no reason: the new code
# joins its list (flake8 reads one list per comment)
_NOQA_CODES = re.compile(r"# noqa:\s?(?:[A-Z]+[0-9]+(?:[,\s]+)?)+$", re.IGNORECASE)


def is_ours(diagnostic: types.Diagnostic) -> bool:
    return diagnostic.source == SOURCE and isinstance(diagnostic.code, str) and diagnostic.code.startswith("MIN")


def _comments(text: str) -> dict[int, tuple[int, str]] | None:
    """Comment tokens by 0-based line: (column, text); None if the text does
    not tokenize (then no edit is offered rather than one into a string)."""
    out: dict[int, tuple[int, str]] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0] - 1] = (tok.start[1], tok.string)
    except (tokenize.TokenError, SyntaxError):
        return None
    return out


def suppress_action(uri: str, text: str, diagnostic: types.Diagnostic, codec: PositionCodec) -> types.CodeAction | None:
    """``# noqa: CODE -- `` at the end of the diagnostic's first line, or the
    code added to a reason-less ``# noqa: X`` already there; None where a
    comment with a reason or another comment is in the way."""
    code = str(diagnostic.code)
    if code == "MIN901":
        return None  # the fix for a missing reason is the reason, not another noqa
    lines = _LINE_BREAK.split(text)
    row = diagnostic.range.start.line
    if row >= len(lines):
        return None
    comments = _comments(text)
    if comments is None:
        return None
    line = lines[row]
    existing = comments.get(row)
    if existing is None:
        body = line.rstrip()
        start = len(body)
        insert = f"  # noqa: {code} -- "
        replace_end = len(line)
    elif _NOQA_CODES.fullmatch(existing[1].rstrip()):
        body = line.rstrip()
        start = len(body)
        insert = f", {code} -- "
        replace_end = len(line)
    else:
        return None
    # positions in the client's units (UTF-16 unless negotiated otherwise)
    begin = codec.client_num_units(line[:start])
    end = codec.client_num_units(line[:replace_end])
    cursor = begin + len(insert)  # the inserted text is ASCII: one unit per character
    edit = types.TextEdit(
        range=types.Range(start=types.Position(line=row, character=begin), end=types.Position(line=row, character=end)),
        new_text=insert,
    )
    return types.CodeAction(
        title=f"Suppress {code} with a reason (# noqa: {code} -- …)",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=types.WorkspaceEdit(changes={uri: [edit]}),
        command=types.Command(title="Type the reason", command=PLACE_CURSOR, arguments=[uri, row, cursor]),
    )


def fix_action(uri: str, path: Path, text: str, config: Config,
               diagnostics: Sequence[types.Diagnostic]) -> types.CodeAction | None:
    """`minlint fix` for this file as one edit, when it can fix something
    here and the buffer is the file on disk (fix reads and verifies the
    project's files as they are saved)."""
    from minlint.fix.edits import fix_paths

    try:
        on_disk = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        return None
    if on_disk != text:
        return None
    result = fix_paths([str(config.root)], config, write=False)
    for display, (old, new) in result.changed.items():
        if real(Path(display)) == real(path) and old == text:
            lines = _LINE_BREAK.split(old)
            whole = types.Range(start=types.Position(line=0, character=0),
                                end=types.Position(line=len(lines), character=0))
            return types.CodeAction(
                title="Remove the disallowed fields (minlint fix)",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=list(diagnostics),
                edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(range=whole, new_text=new)]}),
            )
    return None


def _contains(r: types.Range, p: types.Position) -> bool:
    start = (r.start.line, r.start.character)
    end = (r.end.line, r.end.character)
    return start <= (p.line, p.character) <= end


def hover(diagnostics: Sequence[types.Diagnostic], position: types.Position) -> types.Hover | None:
    """The rule page of each minlint diagnostic under the cursor."""
    from minlint.report.explain import explain

    pages: list[str] = []
    for d in diagnostics:
        if not is_ours(d) or not _contains(d.range, position):
            continue
        code = str(d.code)
        if code in CODES:
            status, page = explain(code)
            pages.append(page if status == 0 else d.message)
        elif code[3:].isdigit() and int(code[3:]) in CUSTOM_GUARD_CODES:
            pages.append(f"# {code}\n\nA required check of the project's policy pack ([[guards]] code {code}).\n\n"
                         f"{d.message}")
    if not pages:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown,
                                                    value="\n\n---\n\n".join(dict.fromkeys(pages))))


def page_uri(code: str) -> str | None:
    """A ``file:`` URI of the rule page shipped with this installation: a
    link that opens wherever the server runs, offline and for this version."""
    from minlint.report import ruledocs

    if code not in CODES:
        return None
    try:
        location = ruledocs.page_path(code)
    except ruledocs.NoPage:
        return None
    return location.resolve().as_uri() if location is not None else ruledocs.url(code)
