"""Read and parse checked files so that no input can crash or hang minlint.

minlint never imports or executes checked code; it reads bytes, decodes them the
way the interpreter would, and parses them with libcst.  libcst's native parser is
the weak point: on deeply nested or long-chained input it overflows its stack
(a segfault, which kills the whole run) or takes time quadratic in the depth.
``parse_module`` therefore parses with the standard library's ``ast`` first, which
is cheap and robust, measures the tree without recursion, and only hands the text
to libcst when the estimate is far below the measured crash and slowdown points.

Measurements (libcst 1.9, CPython 3.11, Linux x86-64; crash points found by
bisection in subprocesses).  Stack use per nesting level is the same on any
thread, so the crash depth scales with the thread's stack size: on the 8 MiB
main thread, and on a 1 MiB thread (where a macOS secondary thread, 512 KiB,
crashes at half these depths):

    construct (one level)                 crash @8 MiB  crash @1 MiB  ~KiB/level
                                          (- : not run; 8x the 1 MiB figure)
    nested ( )                            ~1,270         157           6.5
    nested [ ]  / f( ... ) arguments       ~1,230         151 / 145     7
    nested f-string fields                 -              139           7.3
    nested if/for/def blocks (indent)      (libcst       41            25
                                            refuses >100)
    lambda: lambda: ...                    ~3,500         428           2.4
    genexp for-clauses (flat in ast)       -              612           1.7
    a if b else a if b else ...            ~5,000         684           1.5
    attribute chain a.b.c...               -              724           1.4
    subscript chain a[0][0]...             -              772           1.3
    + / | chains, ** chains, f()()()       ~7,000         840-856       1.2
    and / or chains (nested in libcst)     -              856           1.2
    elif chains                            ~8,300         984           1.05
    unary - not ~                          ~8,200         1,000         1.0
    implicit "a" "b" concatenation         (clean error   1,240         0.8
                                            at ~3,500)
    comparisons, literals, statements,     no crash up to 200,000
    decorators, arguments, imports

CPython's own parser refuses more than 200 nested brackets and 100 indentation
levels on every supported version, so those crashes cannot get past ``ast.parse``
on the 8 MiB main thread.  But on a 512 KiB thread 150 brackets or 20 nested
blocks already crash, and chains are only bounded by CPython's recursion
guards: about 3,000 levels on 3.11/3.12, 5,000-10,000 on 3.13, and not at all
for left-associative chains on 3.10 (``a + a + ...`` with 100,000 terms parses
in 0.3 s there).  So libcst always runs on a fresh thread with a 64 MiB stack
(``_PARSE_STACK_BYTES``), whatever thread the caller uses, and the estimated
parser stack along any path in the tree must stay under 4 MiB
(``MAX_STACK_KIB``); the brackets ``ast`` does not show (redundant parentheses,
at most 200 by CPython's limit, about 1.4 MiB) come on top.  That is a margin
of about 12x against the parse thread and still 1.5x against an 8 MiB thread.
The deepest ordinary code measured (14,214 files of the stdlib and
site-packages) estimates at 720 KiB: a 559-term polynomial in sympy.

Time: libcst's parse time grows with nesting depth times the amount of code
under it, so chains and nests are quadratic (best of 3, on a loaded machine):

    1,000 x  unary minus 0.09 s  | + chain 0.16-0.34 s | a.b.c... 0.18 s
             f()()... 0.31 s     | a[0][0]... 1.3 s    | ternary 0.19 s
    2,000 x  + chain 0.7-1.8 s;  4,000 x + chain 3.3-9 s;  20,000: over 60 s
    100 nested [ ] around a 5,000-item list: 2.3 s (the flat list: 0.1 s)

``ast`` parses all of these in milliseconds.  Single chains are capped
(``_RUN_LIMITS``, several times the longest seen in real code) and so is the
estimated extra parse time of the whole file (``_TIME_BUDGET_US``).  Flat
structures (long ``and``/``or``/comparison chains, huge literals, many
statements, decorators or ``elif`` branches) parse in linear time and are only
bounded by the stack estimate and ``MAX_BYTES``.

Python versions: libcst's native parser ignores the running interpreter and
accepts the grammar of 3.0-3.14, while ``ast`` knows only the running
interpreter's grammar.  When ``ast`` rejects a file for a reason that can be a
version mismatch (plain grammar errors, not indentation, literal-decoding or
nesting-limit errors) and a conservative token scan finds no hazard, libcst's
verdict wins: newer syntax such as ``type X = int`` parses on 3.11 and gets
checked.  When libcst rejects it too, CPython's message and position are
reported, because they are more precise than libcst's (libcst points at the
start of the statement, or for ``def f(:`` at the next line) and match what
``python`` and flake8's E999 say; so an error after newer syntax is reported at
the newer syntax on older interpreters.  When ``ast`` accepts a file but libcst
does not (tab indentation libcst reads differently, more than ~3,500 implicitly
concatenated strings), libcst's position is reported and the reason says that
Python itself can parse the file.

Not covered here: a module that parses can still be too deep for libcst's own
recursive Python code.  At the default recursion limit of 1,000, ``.code``
fails at about 490 nested nodes and a visitor at about 325 (3 frames per
node); the stdlib's ``pydoc_data/topics.py`` (a 2,200-piece string
concatenation) and 2,900 ``elif`` branches already raise RecursionError there.
Code walking the tree must catch RecursionError.
"""

from __future__ import annotations

import ast
import io
import keyword
import os
import re
import stat
import threading
import tokenize
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final, TypeAlias

from minlint.parse import deepstack

if TYPE_CHECKING:
    import libcst

# Per statement of a body, as ``ast`` sees it: (first line including its
# decorators, line of the statement itself, the same for a class's body).
# Positions are generated per statement from these lines.
Lines: TypeAlias = "tuple[tuple[int, int, Lines | None], ...]"


def statement_lines(body: Iterable[ast.stmt], shift: int = 0) -> Lines:
    """The lines of *body*'s statements, *shift* lines up (for a part of a module parsed on its own)."""
    out = []
    for stmt in body:
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
        inner = statement_lines(stmt.body, shift) if isinstance(stmt, ast.ClassDef) else None
        out.append((first - shift, stmt.lineno - shift, inner))
    return tuple(out)

__all__ = ["MAX_BYTES", "MAX_STACK_KIB", "Unreadable", "parse", "parse_module", "read_text"]

# libcst needs about 280 bytes of memory per byte of source and 4-10 s per MB of
# ordinary code (measured: a 5 MB file of stdlib code took 53 s and 1.4 GB RSS;
# ``ast`` took 2 s).  The largest real files seen (generated API clients, a
# completion table) are 4-6 MB, so 8 MiB admits them while a 20 MB file, which
# would need about 5.5 GB and several minutes, is refused cleanly.
MAX_BYTES: Final = 8 * 1024 * 1024

# Estimated libcst parser stack along one path of the tree; see the module
# docstring.  The parse thread has 16 times this.
MAX_STACK_KIB: Final = 4096
_PARSE_STACK_BYTES: Final = 64 * 1024 * 1024

# Longest single chain of each kind.  Real code measured: 562 terms of ``+``
# (a generated sympy table), fluent call chains of a few dozen links, a handful
# of unary operators or nested conditional expressions.  Each limit costs libcst
# at most about 1 s.
_RUN_LIMITS: Final[dict[str, int]] = {
    "unary operators": 1_000,
    "binary operators": 2_000,
    "attribute, call and subscript trailers": 1_000,
    "nested conditional expressions": 1_000,
    "nested lambdas": 1_000,
}

# The whole-file time estimate: each node costs the summed time weights of its
# ancestors, in microseconds (calibrated: 100 nested brackets around 5,000
# items estimates 2.0 s extra, measured 2.2 s; chains are overestimated 1-6x).
# Ordinary code adds a median 9 us per node; the worst real files seen add
# 47 us (a 6 MB completion table: 45 s in all) and 90 us (a sympy benchmark:
# 15 s).  A file is refused only when nesting adds more than a minute and more
# than 60 us per node, so big flat files are never refused for size alone and
# the worst accepted 8 MiB file costs about three minutes, not hours (100
# nested brackets around every item would cost 400 us per node).
_TIME_BUDGET_US: Final = 60_000_000
_TIME_PER_NODE_US: Final = 60

# Per-level weights: (KiB of libcst stack, microseconds per descendant node).
_BLOCK: Final = (25.0, 0.25)
_BRACKET: Final = (7.0, 4.0)
_LAMBDA: Final = (2.5, 1.0)
_COMP_FOR: Final = (1.7, 1.0)
_TERNARY: Final = (1.5, 1.0)
_ATTRIBUTE: Final = (1.5, 1.0)
_SUBSCRIPT: Final = (1.4, 1.0)
_BINARY: Final = (1.25, 1.0)
_CALL: Final = (1.25, 1.0)
_BOOL: Final = (1.2, 0.0)  # per extra operand; flat and linear in time
_DEFAULT: Final = (1.05, 1.0)  # unary operators and elif, the cheapest measured
_ROOT: Final = (0.0, 0.0)

# Leaf singletons (Load, Add, ...) cost libcst nothing of their own; skipping
# them keeps the scan fast.
_LEAF_TYPES: Final = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
_BLOCK_OWNERS: Final = (ast.stmt, ast.excepthandler, ast.match_case)
_BLOCK_FIELDS: Final = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
_BRACKET_OWNERS: Final = (
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Dict,
    ast.JoinedStr,
    ast.MatchSequence,
    ast.MatchMapping,
    ast.MatchClass,
)
_COMPREHENSIONS: Final = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_TRAILERS: Final = (ast.Attribute, ast.Call, ast.Subscript)

# Messages of CPython's own nesting guards: the file is a hazard, never a
# version mismatch, and must not reach libcst.
_CPYTHON_HAZARD_MESSAGES: Final = (
    "too many nested parentheses",
    "too many levels of indentation",
    "too complex",
    "too many statically nested blocks",
    "maximum recursion depth",
)

# Token-scan weights for text ``ast`` rejected (no tree to measure): every
# operator-like token is counted as one more nesting level of the costliest
# chain kind, so the estimate can only be too high.
_TOKEN_OPERATOR_KIB: Final = 2.5
_TOKEN_WORD_OPERATORS: Final = frozenset(
    {"and", "or", "not", "if", "else", "lambda", "await", "in", "is", "for", "async"}
)
_OPENERS: Final = frozenset("([{")
_CLOSERS: Final = frozenset(")]}")
_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")

# The thread stack size and the warnings filters are process-wide state;
# serialise our changes to them.
WARNINGS_LOCK = threading.Lock()


class Unreadable(Exception):
    """The file cannot be read or safely parsed; reported as MIN999 at ``line``."""

    def __init__(self, line: int, column: int, reason: str) -> None:
        self.line: int = max(1, line)
        self.column: int = max(1, column)
        self.reason: str = _one_line(reason)
        super().__init__(f"{self.line}:{self.column}: {self.reason}")

    def __reduce__(self) -> tuple[type[Unreadable], tuple[int, int, str]]:
        # --jobs workers send these back pickled; the default pickles only the
        # message, and an exception that cannot be rebuilt hangs the pool
        return (type(self), (self.line, self.column, self.reason))


def read_text(path: Path) -> str:
    """Return the file's text decoded as the interpreter would decode it.

    The PEP 263 coding cookie and a UTF-8 BOM are honoured (the BOM is not part of
    the text); newlines are kept as they are in the file, so CRLF and lone CR
    survive and lines and columns match the file.  Raises ``Unreadable`` for
    anything that is not a readable regular file of at most ``MAX_BYTES`` bytes
    holding text in its declared encoding.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise Unreadable(1, 1, "no such file") from None
    except PermissionError:
        raise Unreadable(1, 1, "permission denied") from None
    except (OSError, ValueError) as exc:
        raise Unreadable(1, 1, f"cannot read the file: {_describe_os_error(exc)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise Unreadable(1, 1, "is a directory, not a file")
    _check_regular(info)
    _check_size(info.st_size)
    try:
        with open(path, "rb", opener=_open_nonblocking) as handle:
            # The file may have been replaced since the stat above.
            _check_regular(os.fstat(handle.fileno()))
            data = _read_at_most(handle, MAX_BYTES + 1)
    except PermissionError:
        raise Unreadable(1, 1, "permission denied") from None
    except IsADirectoryError:
        raise Unreadable(1, 1, "is a directory, not a file") from None
    except OSError as exc:
        raise Unreadable(1, 1, f"cannot read the file: {_describe_os_error(exc)}") from None
    _check_size(len(data))
    return _decode(data)


def parse_module(text: str) -> libcst.Module:
    """Parse ``text`` with libcst once it is known that libcst cannot crash or hang.

    Raises ``Unreadable`` at the syntax error's position for invalid code, and for
    code nested or chained deeply enough to endanger libcst, with a reason naming
    the construct.  A leading U+FEFF is treated as a byte order mark and dropped.
    """
    return parse(text)[0]


def parse(text: str) -> tuple[libcst.Module, Lines | None]:
    """:func:`parse_module`, with the line of each statement as ``ast`` saw it
    (None when only libcst accepts the file): positions start from them."""
    tree = outline(text)
    if not isinstance(tree, ast.Module):
        return tree, None
    return _run_libcst(text.removeprefix("\ufeff"), python_accepts=True), statement_lines(tree.body)


def outline(text: str) -> ast.Module | libcst.Module:
    """``ast``'s tree of *text* once it is known that libcst can parse the
    text (or any part of it) without crashing or hanging; libcst's own tree
    when only libcst accepts the text. Raises ``Unreadable`` as
    :func:`parse_module` does. The text loses a leading U+FEFF first."""
    text = text.removeprefix("\ufeff")
    if len(text) > MAX_BYTES:
        raise Unreadable(1, 1, f"file too large: {len(text):,} characters, limit {MAX_BYTES:,}")
    nul = text.find("\0")
    if nul >= 0:
        line, column = _text_position(text, nul)
        raise Unreadable(line, column, "source contains a NUL character")
    try:
        # Invalid escapes warn (3.12+: SyntaxWarning on stderr); the checked
        # code's warnings are not ours to print, nor errors under -W error.
        # catch_warnings swaps process-wide state, so concurrent calls must not
        # interleave; ast.parse holds the GIL anyway, so the lock costs nothing.
        with WARNINGS_LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except SyntaxError as exc:
        return _parse_rejected_by_ast(text, exc)
    except (RecursionError, MemoryError) as exc:
        # Python's own parser gave up; the token scan says where and on what.
        report = _token_scan(text, to_the_end=True)
        limit = "recursion limit" if isinstance(exc, RecursionError) else "stack limit"
        raise Unreadable(
            report.line,
            1,
            f"nested too deeply to parse safely: {report.what} (Python's own parser hit its {limit})",
        ) from None
    except ValueError as exc:
        raise Unreadable(1, 1, f"cannot parse: {exc}") from None
    _check_tree(tree, text)
    return tree


def parse_part(text: str, first_line: int) -> libcst.Module:
    """libcst's tree of whole lines of a module :func:`outline` has accepted,
    starting at line *first_line* of the module (an ``Unreadable`` says where
    in the module)."""
    try:
        return _run_libcst(text, python_accepts=True)
    except Unreadable as exc:
        raise Unreadable(exc.line + first_line - 1, exc.column, exc.reason) from None


# --- reading ------------------------------------------------------------------


def _open_nonblocking(path: str, flags: int) -> int:
    # A FIFO named like a module would block ``open`` forever; O_NONBLOCK makes
    # it open at once so the fstat check can refuse it.  O_BINARY keeps Windows
    # from translating CRLF.
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))


def _check_regular(info: os.stat_result) -> None:
    # Devices, FIFOs and sockets can be endless or block; only files are source.
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable(1, 1, "not a regular file")


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise Unreadable(1, 1, f"file too large: {size:,} bytes, limit {MAX_BYTES:,}")


def _read_at_most(handle: IO[bytes], limit: int) -> bytes:
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = handle.read(min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _describe_os_error(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _decode(data: bytes) -> str:
    nul = data.find(b"\0")
    if nul >= 0:
        line, column = _byte_position(data, nul, "latin-1")
        raise Unreadable(line, column, f"source contains a NUL byte (byte offset {nul})")
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    except SyntaxError as exc:
        message = str(exc)
        if not message.startswith("invalid or missing encoding declaration"):
            # Unknown codec, or a BOM contradicting the cookie.
            raise Unreadable(1, 1, f"bad encoding declaration: {message}") from None
        # Undecodable bytes in the first two lines and no cookie: decode as
        # UTF-8 below to locate the bad byte exactly.
        encoding = "utf-8"
    offset = 0
    if encoding == "utf-8-sig" or data.startswith(b"\xef\xbb\xbf"):
        # detect_encoding has checked the cookie agrees with the BOM.  Decoding
        # the rest as UTF-8 keeps error offsets relative to the file.
        encoding, offset = "utf-8", 3
    try:
        return data[offset:].decode(encoding)
    except UnicodeDecodeError as exc:
        at = offset + exc.start
        line, column = _byte_position(data, at, encoding)
        raise Unreadable(
            line,
            column,
            f"invalid {encoding} data at byte offset {at} (line {line}): {exc.reason}",
        ) from None
    except LookupError:
        raise Unreadable(1, 1, f"unknown encoding: {encoding}") from None


def _byte_position(data: bytes, offset: int, encoding: str) -> tuple[int, int]:
    # Python counts CRLF, CR and LF as line ends; the column counts the
    # characters before the offset on its line.
    head = data[:offset]
    line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
    start = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    return line, len(head[start:].decode(encoding, errors="replace")) + 1


def _text_position(text: str, index: int) -> tuple[int, int]:
    head = text[:index]
    line = head.count("\n") + head.count("\r") - head.count("\r\n") + 1
    start = max(head.rfind("\n"), head.rfind("\r")) + 1
    return line, index - start + 1


# --- the hazard scan on the ast -------------------------------------------------


# A node waiting in the scan, with its path's totals: (node, parent frame, KiB of
# parser stack, microseconds of extra time per node, chain kind, chain length).
# Plain tuples: the scan makes one per node and must stay cheap.
_Frame: TypeAlias = "tuple[ast.AST, _Frame | None, float, float, str, int]"

# A one-line expression or statement of at most this many bytes cannot hide a
# hazard: each nesting level takes at least one byte, so its subtree adds at
# most _PRUNE_BYTES levels of at most 7 KiB (plus one block for ``if a: b``).
# Not descending into such nodes skips most of an ordinary file.
_PRUNE_BYTES: Final = 64
_PRUNABLE: Final = (ast.expr, ast.stmt)
# Their decorators sit on the lines above ``lineno``, outside the span.
_DECORATED: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _check_tree(tree: ast.Module, text: str) -> None:
    """Raise ``Unreadable`` if libcst could crash or take too long on ``tree``."""
    time_us, nodes = _measure_tree(tree, text)
    if nodes * LIBCST_BYTES_PER_NODE > LIBCST_MEMORY_BUDGET:
        _check_statement_memory(tree)
    if time_us > _TIME_BUDGET_US and time_us > _TIME_PER_NODE_US * nodes:
        raise Unreadable(
            1,
            1,
            f"too much deeply nested code: libcst would need about {time_us / 1e6:.0f} s "
            f"more than for flat code of this size (limit {_TIME_BUDGET_US / 1e6:.0f} s)",
        )


# libcst's memory per node of Python's tree, measured (issue 15, peak RSS of
# libcst.parse_module on one line of n items): a flat list of digits 3.9 KB
# per element (385 MB for 100k, 1.5 GB for 400k: about 2,000 bytes per source
# byte, not the 280 measured on ordinary code), a call of n `f=u.f` keywords
# 2.9 KB per node (1.1 GB for 100k keywords, 4.5 GB for 400k). Past a few GB
# libcst's allocator aborts the process (SIGABRT, no output). Parts of a
# module are parsed on their own, so the budget is per top-level statement:
# 768 MB, with the process's own ~250 MB under the 1 GB issue 15 allows.
LIBCST_BYTES_PER_NODE: Final = 4096
LIBCST_MEMORY_BUDGET: Final = 768 * 1024 * 1024


def _check_statement_memory(tree: ast.Module) -> None:
    """Refuse a top-level statement whose libcst tree would not fit the budget
    (only asked when the whole file would not: one walk per large file)."""
    limit = LIBCST_MEMORY_BUDGET // LIBCST_BYTES_PER_NODE
    for stmt in tree.body:
        nodes = (n for n in ast.walk(stmt) if not isinstance(n, _LEAF_TYPES))  # as _measure_tree counts
        for count, _ in enumerate(nodes, 1):
            if count > limit:
                raise Unreadable(
                    stmt.lineno, stmt.col_offset + 1,
                    f"too large to analyse: one statement of more than {limit:,} syntax nodes would need over "
                    f"{LIBCST_MEMORY_BUDGET // (1024 * 1024):,} MB in libcst; split it or move the data to a "
                    "file the code reads")


def _measure_tree(tree: ast.Module, text: str) -> tuple[float, int]:
    """Return (estimated extra microseconds, estimated node count) for libcst.

    Raises ``Unreadable`` as soon as a path is too deep or a chain too long.
    Depth-first with an explicit stack, so a tree of any depth is measured
    without recursion.  Frames keep their parent so that the path to an
    offending node can be described.
    """
    pending: list[_Frame] = [(tree, None, 0.0, 0.0, "", 0)]
    prune_kib = MAX_STACK_KIB - _PRUNE_BYTES * _BRACKET[0] - _BLOCK[0]
    prune_run = min(_RUN_LIMITS.values()) - _PRUNE_BYTES
    total_time_us = 0.0
    nodes = 0
    while pending:
        frame = pending.pop()
        node, _, kib, time_us, frame_run, frame_length = frame
        if kib > MAX_STACK_KIB:
            _refuse_depth(frame, text)
        if frame_length > _RUN_LIMITS.get(frame_run, frame_length):
            _refuse_run(frame, text)
        if (
            isinstance(node, _PRUNABLE)
            and not isinstance(node, _DECORATED)
            and kib <= prune_kib
            and frame_length <= prune_run
        ):
            span = _one_line_span(node)
            if span <= _PRUNE_BYTES:
                # About one node per three bytes, none much deeper than this one.
                estimate = span // 3 + 1
                nodes += estimate
                total_time_us += estimate * (time_us + 2 * _BRACKET[1])
                continue
        nodes += 1
        total_time_us += time_us
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST) and not isinstance(item, _LEAF_TYPES):
                        pending.append(_child_frame(frame, field, item, value))
            elif isinstance(value, ast.AST) and not isinstance(value, _LEAF_TYPES):
                pending.append(_child_frame(frame, field, value, None))
    return total_time_us, nodes


def _one_line_span(node: ast.expr | ast.stmt) -> int:
    end_line = node.end_lineno
    end_column = node.end_col_offset
    if end_line != node.lineno or end_column is None:
        return _PRUNE_BYTES + 1
    return end_column - node.col_offset


def _child_frame(frame: _Frame, field: str, child: ast.AST, siblings: list[object] | None) -> _Frame:
    (kib, time_us), run_kind = _edge(frame[0], field, child, siblings)
    if not run_kind:
        length = 0
    elif run_kind == frame[4]:
        length = frame[5] + 1
    else:
        length = 1
    return (child, frame, frame[2] + kib, frame[3] + time_us, run_kind, length)


def _edge(
    parent: ast.AST, field: str, child: ast.AST, siblings: list[object] | None
) -> tuple[tuple[float, float], str]:
    """The cost of ``child`` sitting under ``parent`` in libcst, and its chain kind."""
    if isinstance(parent, ast.Module):
        return _ROOT, ""
    if field in _BLOCK_FIELDS and isinstance(parent, _BLOCK_OWNERS):
        if (
            isinstance(parent, ast.If)
            and field == "orelse"
            and isinstance(child, ast.If)
            and siblings is not None
            and len(siblings) == 1
            and child.col_offset == parent.col_offset
        ):
            # ``elif``: libcst nests it in the ``if`` without a new block.
            return _DEFAULT, ""
        if field in ("handlers", "cases"):
            return _DEFAULT, ""  # the handler's own body is the block
        return _BLOCK, ""
    if isinstance(parent, ast.UnaryOp):
        return _DEFAULT, "unary operators" if isinstance(child, ast.UnaryOp) else ""
    if isinstance(parent, ast.BinOp):
        chained = isinstance(child, ast.BinOp) and (
            field == "left" or (isinstance(parent.op, ast.Pow) and isinstance(child.op, ast.Pow))
        )
        return _BINARY, "binary operators" if chained else ""
    if isinstance(parent, _TRAILERS) and field in ("value", "func"):
        weight = _ATTRIBUTE if isinstance(parent, ast.Attribute) else _CALL
        if isinstance(parent, ast.Subscript):
            weight = _SUBSCRIPT
        kind = "attribute, call and subscript trailers" if isinstance(child, _TRAILERS) else ""
        return weight, kind
    if isinstance(parent, (ast.Call, ast.Subscript)):
        return _BRACKET, ""  # arguments, keywords, the slice
    if isinstance(parent, _BRACKET_OWNERS):
        return _BRACKET, ""
    if isinstance(parent, _COMPREHENSIONS):
        # libcst nests each further ``for`` clause inside the previous one.
        extra = _COMP_FOR[0] * (len(parent.generators) - 1)
        return (_BRACKET[0] + extra, _BRACKET[1]), ""
    if isinstance(parent, ast.BoolOp):
        # ast keeps ``a and b and c`` flat; libcst nests one node per operator.
        return (_BOOL[0] * (len(parent.values) - 1) + _DEFAULT[0], _DEFAULT[1]), ""
    if isinstance(parent, ast.IfExp):
        return _TERNARY, "nested conditional expressions" if isinstance(child, ast.IfExp) else ""
    if isinstance(parent, ast.Lambda):
        return _LAMBDA, "nested lambdas" if isinstance(child, ast.Lambda) else ""
    return _DEFAULT, ""


def _refuse_depth(frame: _Frame, text: str) -> None:
    counts: dict[str, int] = {}
    kib: dict[str, float] = {}
    walk: _Frame | None = frame
    while walk is not None and walk[1] is not None:
        label, levels = _describe_level(walk)
        counts[label] = counts.get(label, 0) + levels
        kib[label] = kib.get(label, 0.0) + walk[2] - walk[1][2]
        walk = walk[1]
    worst = max(kib, key=kib.__getitem__)
    line, column = _node_position(frame[0], text)
    raise Unreadable(
        line,
        column,
        f"nested too deeply for libcst to parse safely: {counts[worst]:,} {worst} "
        f"(estimated parser stack {frame[2]:,.0f} KiB, limit {MAX_STACK_KIB:,} KiB)",
    )


def _describe_level(frame: _Frame) -> tuple[str, int]:
    """Name the construct one step of a path stands for, and how many levels."""
    node, parent_frame, _, _, run_kind, _ = frame
    parent = parent_frame[0] if parent_frame is not None else None
    if run_kind:
        return run_kind, 1
    if isinstance(node, ast.stmt) and isinstance(parent, _BLOCK_OWNERS):
        elif_branch = (
            isinstance(node, ast.If)
            and isinstance(parent, ast.If)
            and parent.orelse == [node]
            and node.col_offset == parent.col_offset
        )
        return ("elif branches" if elif_branch else "nested blocks"), 1
    if isinstance(parent, ast.BoolOp):
        return "chained boolean operators (and/or)", len(parent.values) - 1
    if isinstance(parent, _COMPREHENSIONS) and len(parent.generators) > 1:
        return "for clauses in one comprehension", len(parent.generators)
    if isinstance(parent, (ast.Call, ast.Subscript, *_BRACKET_OWNERS, *_COMPREHENSIONS)):
        return "nested brackets", 1
    return f"nested {type(node).__name__} expressions", 1


def _refuse_run(frame: _Frame, text: str) -> None:
    node, _, _, _, run_kind, length = frame
    line, column = _node_position(node, text)
    raise Unreadable(
        line,
        column,
        f"chain of {length:,}+ {run_kind} is too long: libcst parses it in "
        f"quadratic time (limit {_RUN_LIMITS[run_kind]:,})",
    )


def _node_position(node: ast.AST, text: str) -> tuple[int, int]:
    line = getattr(node, "lineno", 1)
    byte_column = getattr(node, "col_offset", 0)
    lines = _LINE_BREAK.split(text, maxsplit=line)
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    # ast columns count UTF-8 bytes; Unreadable's count characters.
    prefix = source_line.encode("utf-8", errors="surrogatepass")[:byte_column]
    return line, len(prefix.decode("utf-8", errors="replace")) + 1


# --- when ast rejects the text ------------------------------------------------


def _parse_rejected_by_ast(text: str, exc: SyntaxError) -> libcst.Module:
    message = exc.msg or "invalid syntax"
    line = exc.lineno or 1
    column = exc.offset or 1
    if any(hazard in message for hazard in _CPYTHON_HAZARD_MESSAGES):
        raise Unreadable(line, column, f"nested too deeply to parse safely: {message}")
    version_neutral = isinstance(exc, IndentationError) or message.startswith(("(unicode error)", "(value error)"))
    if not version_neutral and _token_scan(text).safe:
        try:
            return _run_libcst(text, python_accepts=False)
        except Unreadable:
            # libcst's positions are no better a guide: for ``def f(:`` it
            # points at the next line.  Python's message and place it is.
            pass
    raise Unreadable(line, column, message)


class _TokenReport:
    """What the token scan found: whether libcst may run, and the worst place."""

    __slots__ = ("kib", "line", "safe", "what")

    def __init__(self) -> None:
        self.safe = True
        self.line = 1
        self.kib = 0.0
        self.what = "deep nesting"


def _token_scan(text: str, *, to_the_end: bool = False) -> _TokenReport:
    """Conservatively decide whether libcst can take ``text`` without a tree.

    Every operator-like token in the current comma-separated element counts as
    one more level of the costliest chain, every open bracket as a bracket level,
    every indent as a block and every ``elif`` as a branch, so the estimate errs
    high.  Iterative; a tokenizer failure counts as unsafe.  Stops at the first
    hazard unless ``to_the_end``, which finds the worst place to report.
    """
    report = _TokenReport()
    # Per open bracket, innermost last: operators in the current element, and
    # how often each occurs (to name the hazard).
    counts: list[int] = [0]
    mixes: list[dict[str, int]] = [{}]
    operators = 0  # sum(counts), kept running: the scan must stay linear
    indents = 0
    elifs: dict[int, int] = {}  # indent -> elif branches in the current chain
    elif_total = 0  # sum(elifs.values())
    line_start = True
    previous = tokenize.NEWLINE
    previous_closes_operand = False
    run_limit = max(_RUN_LIMITS.values())
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind, string = token.type, token.string
            if kind == tokenize.INDENT:
                indents += 1
            elif kind == tokenize.DEDENT:
                elif_total -= elifs.pop(indents, 0)
                indents -= 1
            elif kind in (tokenize.NEWLINE, tokenize.ENDMARKER):
                counts, mixes, operators, line_start = [0], [{}], 0, True
                previous, previous_closes_operand = kind, False
                continue
            elif kind in (tokenize.NL, tokenize.COMMENT):
                continue
            if line_start and kind not in (tokenize.INDENT, tokenize.DEDENT):
                line_start = False
                if string == "elif":
                    elifs[indents] = elifs.get(indents, 0) + 1
                    elif_total += 1
                elif string != "else":
                    elif_total -= elifs.pop(indents, 0)
            if kind == tokenize.OP and string in _OPENERS:
                if previous_closes_operand and string != "{":
                    # A call or subscript trailer: one more link of a chain.
                    counts[-1] += 1
                    operators += 1
                    mixes[-1][string] = mixes[-1].get(string, 0) + 1
                counts.append(0)
                mixes.append({})
            elif kind == tokenize.OP and string in _CLOSERS:
                if len(counts) > 1:
                    operators -= counts.pop()
                    mixes.pop()
            elif kind == tokenize.OP and string in (",", ";", "="):
                operators -= counts[-1]
                counts[-1], mixes[-1] = 0, {}
            elif (
                (kind == tokenize.OP and string not in (":", "->", "@"))
                or string in _TOKEN_WORD_OPERATORS
                or (kind == tokenize.STRING and previous == tokenize.STRING)
            ):
                counts[-1] += 1
                operators += 1
                mixes[-1][string] = mixes[-1].get(string, 0) + 1
                if counts[-1] > run_limit and not to_the_end:
                    report.safe, report.line = False, token.start[0]
                    report.what = _operators_description(counts[-1], mixes[-1])
                    return report
            previous = kind
            previous_closes_operand = (
                kind in (tokenize.NAME, tokenize.STRING, tokenize.NUMBER) and not keyword.iskeyword(string)
            ) or (kind == tokenize.OP and string in _CLOSERS)
            kib = (
                indents * _BLOCK[0]
                + (len(counts) - 1) * _BRACKET[0]
                + elif_total * _DEFAULT[0]
                + operators * _TOKEN_OPERATOR_KIB
            )
            if kib > report.kib:
                report.kib, report.line = kib, token.start[0]
                if kib > MAX_STACK_KIB:
                    parts = {
                        "nested blocks": (indents * _BLOCK[0], indents),
                        "nested brackets": ((len(counts) - 1) * _BRACKET[0], len(counts) - 1),
                        "elif branches": (elif_total * _DEFAULT[0], elif_total),
                        "operators": (operators * _TOKEN_OPERATOR_KIB, operators),
                    }
                    worst = max(parts, key=lambda name: parts[name][0])
                    if worst == "operators":
                        deepest = max(range(len(counts)), key=counts.__getitem__)
                        report.what = _operators_description(counts[deepest], mixes[deepest])
                    else:
                        report.what = f"{parts[worst][1]:,} {worst}"
                    report.safe = False
                    if not to_the_end:
                        return report
    except tokenize.TokenError as exc:
        # "EOF in multi-line statement/string": everything was scanned, so the
        # verdict stands.  Other errors (3.12+ tokenizes in C) stop mid-file.
        if "EOF" not in str(exc.args[0] if exc.args else ""):
            report.safe = False
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        report.safe = False
    return report


def _operators_description(count: int, mix: dict[str, int]) -> str:
    common = sorted(mix, key=lambda operator: -mix[operator])[:3]
    return f"{count:,} chained operators ({', '.join(map(repr, common))}) in one expression"


# --- libcst ---------------------------------------------------------------------


def _run_libcst(text: str, *, python_accepts: bool) -> libcst.Module:
    import libcst  # here: a run answered from the cache never loads libcst

    try:
        return _parse_on_big_stack(text)
    except libcst.ParserSyntaxError as exc:
        prefix = "libcst cannot parse this file, although Python can" if python_accepts else ""
        detail = _one_line(exc.message)
        reason = f"{prefix}: {detail}" if prefix else detail
        raise Unreadable(exc.raw_line, exc.raw_column + 1, reason) from None
    except RecursionError:
        raise Unreadable(1, 1, "nested too deeply: libcst hit Python's recursion limit") from None
    except MemoryError:
        raise Unreadable(1, 1, "out of memory while parsing") from None
    except Exception as exc:  # noqa: BLE001 - a libcst bug on one file must not end the run
        raise Unreadable(1, 1, f"libcst failed: {type(exc).__name__}: {exc}") from None


def _parse_on_big_stack(text: str) -> libcst.Module:
    """Run libcst on a fresh thread with ``_PARSE_STACK_BYTES`` of stack.

    The caller's thread may have a small stack (512 KiB on macOS, 128 KiB with
    musl), where libcst segfaults on nesting CPython accepts; a dedicated thread
    makes the measured limits hold everywhere.
    """
    import libcst

    return deepstack.run(lambda: libcst.parse_module(text), _PARSE_STACK_BYTES)

def _one_line(reason: str) -> str:
    # Reasons end up in one-line findings; libcst's messages span several lines
    # and quote the source.
    first = reason.strip().splitlines()[0] if reason.strip() else "unknown error"
    first = " ".join(first.split())
    return first if len(first) <= 300 else first[:297] + "..."
