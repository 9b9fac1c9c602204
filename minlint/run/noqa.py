"""Inline suppression: ``# noqa`` comments, with flake8's semantics (SPEC 2.5).

minlint runs both as a flake8 plugin (where flake8 applies ``# noqa`` itself)
and as its own CLI (where this module does). Both must agree, so this is a
reimplementation of flake8 7's rules rather than a nicer dialect:

* The comment regex is flake8's ``NOQA_INLINE_REGEXP``: exactly ``# noqa``
  (one space, any case), optionally followed *immediately* by ``:``, at most
  one whitespace character and a list of codes. So ``#noqa`` is not a
  suppression at all, while ``# noqa : MIN101``, ``# noqa:  MIN101`` (two
  spaces), ``# noqa: MIN`` (no digits) and ``# noqa:`` are *bare* ``# noqa``
  and suppress everything. The regex is searched, so ``# noqa`` may follow
  other text in the comment (``# type: ignore # noqa: E501``) and ``# noqax``
  counts as a bare ``# noqa``.
* Codes are matched case-sensitively: a finding is suppressed if its code is
  listed or starts with a listed code (``MIN1`` covers MIN101..MIN103).
  ``# noqa: min101`` therefore suppresses nothing.
* A comment covers the physical lines of its "noqa range": the lines of the
  tokens since the previous NL/NEWLINE token. Inside brackets every line break
  is an NL token, so a comment after the ``)`` of a multi-line call covers
  only its own line; only multi-line strings and backslash continuations make
  a comment cover earlier lines.

One deliberate deviation: flake8 searches the raw text of the range, so
``"# noqa"`` inside a string literal suppresses there. Here only real comment
tokens count (a string is data, not a suppression).

The reason is whatever follows the codes, minus a leading separator. Because
flake8's code list is ``[A-Z]+[0-9]+`` words separated by commas/whitespace
(case-insensitive), a reason whose first word looks like a code
(``# noqa: MIN101 GDPR6 request``) loses that word to the code list, exactly
as flake8 reads it; write ``# noqa: MIN101 -- GDPR6 request`` to avoid that.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from minlint.core.findings import Finding

__all__ = ["Suppression", "apply", "comment_in_toml", "partition", "scan", "unreasoned"]

# flake8 7's NOQA_INLINE_REGEXP, verbatim, so the CLI suppresses exactly what
# the plugin run under flake8 does.
_NOQA = re.compile(
    r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
# flake8 splits the codes group with utils.COMMA_SEPARATED_LIST_RE.
_CODE_SPLIT = re.compile(r"[,\s]")

# (Comments here spell the directive without its "#", or flake8 and ruff would
# read them as directives.)
# A bare match may still be followed by what the author meant as codes but
# flake8 did not parse ("noqa : MIN101", "noqa:  MIN101", "noqa: MIN"). Those
# words are not a reason. Only all-caps words are taken, so a bare
# "noqa: because ..." keeps its reason. A bare match glued to more letters
# ("noqax") is still bare in flake8; the glued word is not a reason either.
_MALFORMED_CODES = re.compile(r"^\w*(?:\s*:\s*(?:[A-Z]+[0-9]*(?:[,\s]+|$))*)?")
_SEPARATOR = re.compile(r"^\s*(?:--|—|–|-|:|;|,|#)?")

_MIN_CODE = re.compile(r"MIN[0-9]+")
_WHY = "<why this disclosure is allowed>"


@dataclass(frozen=True)
class Suppression:
    line: int  # physical line of the comment (1-based)
    column: int  # 1-based column of the '#' that starts the noqa comment
    end_column: int  # exclusive, end of the comment
    codes: frozenset[str] | None  # None = bare noqa (suppresses everything)
    reason: str | None  # None when no reason was given
    covers: tuple[int, int]  # first and last physical line this comment applies to

    def matches(self, code: str) -> bool:
        """Whether this comment suppresses *code* (flake8's `is_inline_ignored`)."""
        if self.codes is None:
            return True
        return code in self.codes or code.startswith(tuple(self.codes))

    @property
    def names_min_code(self) -> bool:
        """Whether the comment lists a code that can suppress a MIN finding."""
        return self.codes is not None and any(_MIN_CODE.match(c) for c in self.codes)


def _normalize(text: str) -> str:
    # flake8 reads files with universal newlines and without the BOM; do the
    # same so line numbers and columns agree with it (and with the parser).
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parse_comment(comment: str, line: int, col0: int, covers: tuple[int, int]) -> Suppression | None:
    """The suppression in one comment (``comment`` starts at 0-based ``col0``)."""
    m = _NOQA.search(comment)
    if m is None:
        return None
    codes_text = m.group("codes")
    rest = comment[m.end():]
    codes: frozenset[str] | None
    if codes_text is None:
        codes = None
        rest = _MALFORMED_CODES.sub("", rest, count=1)
    else:
        codes = frozenset(c.strip() for c in _CODE_SPLIT.split(codes_text) if c.strip())
    reason = _SEPARATOR.sub("", rest, count=1).strip()
    return Suppression(
        line=line,
        column=col0 + m.start() + 1,
        end_column=col0 + len(comment.rstrip()) + 1,
        codes=codes,
        reason=reason or None,
        covers=covers,
    )


def comment_in_toml(line_text: str, line: int) -> Suppression | None:
    """The ``# noqa`` in a comment of one line of a TOML file (a policy pack,
    a pyproject.toml: where MIN902 is reported), with the same reading as in
    Python. A ``#`` inside a quoted string is data, not a comment."""
    quote = ""
    for i, char in enumerate(line_text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            return _parse_comment(line_text[i:], line, i, (line, line))
    return None


def _tokens(text: str) -> tuple[list[tokenize.TokenInfo], bool]:
    """The tokens of *text*, and whether tokenizing finished without error."""
    out: list[tokenize.TokenInfo] = []
    try:
        out.extend(tokenize.generate_tokens(io.StringIO(text).readline))
    # Broken input must never take the checker down; the tokens read so far
    # are still right, the caller falls back to a line scan for the rest.
    # (3.12+ raises SyntaxError where 3.11 raised TokenError/IndentationError.)
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError):
        return out, False
    return out, True


def scan(text: str) -> list[Suppression]:
    """Every noqa comment in the source, found with `tokenize`.

    Only comment tokens count: ``"# noqa"`` inside a string is not a
    suppression. If the source cannot be tokenized, flake8 falls back to each
    physical line on its own; so do we, using the comments tokenized before
    the error and a plain per-line regex search after it.
    """
    text = _normalize(text)
    tokens, complete = _tokens(text)
    found: list[Suppression] = []

    if complete:
        # flake8's FileProcessor._noqa_line_mapping: a range is the lines of
        # the tokens since the last NL/NEWLINE (DEDENT/ENDMARKER ignored). A
        # comment is always the last token before its NL/NEWLINE.
        first = -1
        for tok in tokens:
            if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            if first < 0:
                first = tok.start[0]
            if tok.type == tokenize.COMMENT:
                sup = _parse_comment(tok.string, tok.start[0], tok.start[1], (first, tok.start[0]))
                if sup is not None:
                    found.append(sup)
            elif tok.type in (tokenize.NL, tokenize.NEWLINE):
                first = -1
        return found

    # Fallback: flake8's mapping is empty, each line is its own range.
    lines = text.split("\n")
    last_line = 0
    for tok in tokens:
        last_line = max(last_line, tok.end[0])
        if tok.type == tokenize.COMMENT:
            line = tok.start[0]
            sup = _parse_comment(tok.string, line, tok.start[1], (line, line))
            if sup is not None:
                found.append(sup)
    # The line where tokenizing stopped may hold a comment not yielded yet.
    seen = {s.line for s in found}
    for number in range(max(last_line, 1), len(lines) + 1):
        if number in seen:
            continue
        raw = lines[number - 1]
        m = _NOQA.search(raw)
        if m is not None:
            sup = _parse_comment(raw[m.start():], number, m.start(), (number, number))
            if sup is not None:
                found.append(sup)
    return found


def _governing(sups: Iterable[Suppression]) -> dict[int, Suppression]:
    """Line -> the comment flake8 consults for a finding on that line.

    flake8 uses the first match in the range's text; each range holds at most
    one comment, but keep the earliest anyway so the rule holds by
    construction.
    """
    out: dict[int, Suppression] = {}
    for sup in sorted(sups, key=lambda s: (s.line, s.column)):
        for number in range(sup.covers[0], sup.covers[1] + 1):
            out.setdefault(number, sup)
    return out


def _source_line(lines: Sequence[str], line: int) -> str:
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _min901(
    sup: Suppression,
    lines: Sequence[str],  # the text's lines, split once per file, not once per comment
    path: str,
    function_of: Callable[[int], str | None] | None,
    suppressed_codes: Collection[str] = (),
) -> Finding:
    if sup.codes is None:
        message = _bare_message(sorted(suppressed_codes))
    else:
        named = ",".join(sorted(sup.codes))
        message = f"# noqa: {named} gives no reason; write `# noqa: {named} -- {_WHY}`"
    return Finding(
        path=path,
        line=sup.line,
        column=sup.column,
        code="MIN901",
        message=message,
        params=(("detail", message),),
        end_line=sup.line,
        end_column=sup.end_column,
        function=function_of(sup.line) if function_of is not None else None,
        source_line=_source_line(lines, sup.line),
    )


# What a required check's finding (MIN20x, a pack's MIN206+, MIN301) says is
# missing code, not an exception to document: for a bare suppression hiding
# one the advice is to add the check, never a suppression naming it without a reason.
_DATA_CODES = frozenset({"MIN101", "MIN102", "MIN103"})


def _bare_message(codes: Sequence[str]) -> str:
    """The MIN901 text for a bare noqa: the MIN codes it hid, and for each
    kind what to write instead (only codes it really suppressed)."""
    data = [c for c in codes if c in _DATA_CODES]
    checks = [c for c in codes if c not in _DATA_CODES]
    message = f"# noqa hides {', '.join(codes) or 'a MIN finding'} without a reason"
    if data:
        message += f"; write `# noqa: {','.join(data)} -- {_WHY}`"
    if checks:
        message += (f"; {', '.join(checks)} {'reports' if len(checks) == 1 else 'report'} a missing check or record:"
                    f" add it on every path, or name the code with the reason it is not needed")
    return message


def _needs_reason(sup: Suppression, suppresses_min: bool) -> bool:
    if sup.reason:
        return False
    # A bare suppression is only minlint's business when it hides a MIN
    # finding; one for other codes only (E501) never is.
    return sup.names_min_code or (sup.codes is None and suppresses_min)


def partition(
    findings: Sequence[Finding],
    text: str,
    path: str,
    *,
    function_of: Callable[[int], str | None] | None = None,
) -> tuple[list[Finding], list[tuple[Finding, Suppression]], list[Finding]]:
    """The CLI's suppression step: (the findings kept, those a noqa comment
    covers with the comment, a MIN901 finding at each comment that suppresses
    a MIN code without a reason).

    MIN901 findings are never dropped: each noqa range holds one comment, so
    the only comment that could hide a MIN901 is the one it is about.
    """
    text = _normalize(text)
    sups = scan(text)
    governing = _governing(sups)
    kept: list[Finding] = []
    suppressed: list[tuple[Finding, Suppression]] = []
    hidden_min: dict[Suppression, set[str]] = {}
    for finding in findings:
        sup = governing.get(finding.line)
        if finding.code == "MIN901" or sup is None or not sup.matches(finding.code):
            kept.append(finding)
            continue
        suppressed.append((finding, sup))
        if finding.code.startswith("MIN"):
            hidden_min.setdefault(sup, set()).add(finding.code)
    lines = text.split("\n")
    extra = [
        _min901(sup, lines, path, function_of, hidden_min.get(sup, ()))
        for sup in sups
        if _needs_reason(sup, sup in hidden_min)
    ]
    return kept, suppressed, extra


def apply(
    findings: Sequence[Finding],
    text: str,
    path: str,
    *,
    function_of: Callable[[int], str | None] | None = None,
) -> list[Finding]:
    """``partition``'s kept findings followed by its MIN901 findings."""
    kept, _, extra = partition(findings, text, path, function_of=function_of)
    return kept + extra


def unreasoned(
    text: str,
    path: str,
    lines_with_min_findings: Collection[int] | Mapping[int, Collection[str]],
    *,
    function_of: Callable[[int], str | None] | None = None,
) -> list[Finding]:
    """Only the MIN901 findings, for the flake8 plugin (flake8 applies `# noqa`).

    ``lines_with_min_findings`` are the lines of the MIN findings the plugin
    reports; a bare ``# noqa`` covering one of them needs a reason. It may
    also map each line to the codes found there, so the MIN901 message can
    name them exactly as `apply` does.
    """
    text = _normalize(text)
    sups = scan(text)
    governing = _governing(sups)
    hidden_min: dict[Suppression, set[str]] = {}
    for number in lines_with_min_findings:
        sup = governing.get(number)
        if sup is None:
            continue
        codes = lines_with_min_findings[number] if isinstance(lines_with_min_findings, Mapping) else ()
        # Same test as `apply`: only codes the comment really hides count.
        hidden_min.setdefault(sup, set()).update(c for c in codes if sup.matches(c))
    lines = text.split("\n")
    return [
        _min901(sup, lines, path, function_of, hidden_min.get(sup, ()))
        for sup in sups
        if _needs_reason(sup, sup in hidden_min)
    ]
