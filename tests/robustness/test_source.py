"""minlint.parse.source: reading and parsing files that could crash or hang libcst.

Every hazard is generated at a size beyond the point where libcst segfaults or
takes minutes (see the table in ``minlint/source.py``) and goes through
``parse_module`` in this process: the guard must refuse it before libcst sees
it, so a broken guard shows up as a dead test run.  The hazard tests also
replace the call into libcst with a recorder and assert it was never made.
No test asserts a wall-clock limit; reasons must name the hazard instead.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import libcst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from minlint.parse import source
from minlint.parse.source import MAX_BYTES, Unreadable, parse_module, read_text

STDLIB = Path(os.__file__).parent


def _nested(opening: str, closing: str, depth: int) -> str:
    return "x = " + opening * depth + "y" + closing * depth + "\n"


def _chain(operator: str, terms: int) -> str:
    return "x = " + operator.join(["a"] * terms) + "\n"


def _elifs(branches: int) -> str:
    return "if a:\n    pass\n" + "elif a:\n    pass\n" * branches


def _blocks(depth: int) -> str:
    return "".join(" " * level + "if a:\n" for level in range(depth)) + " " * depth + "pass\n"


def _concatenation(pieces: int) -> str:
    return "x = " + " ".join(['"a"'] * pieces) + "\n"


def _brackets_around(depth: int, items: int) -> str:
    return "x = " + "[" * depth + "1," * items + "]" * depth + "\n"


# (id, source, pattern the reason must match).  The sizes are beyond libcst's
# crash or minutes-long point on an 8 MiB stack; depending on the Python
# version some are refused by CPython's own parser (the reason then comes from
# the token scan) and some by minlint's guard, so patterns accept either
# wording, and both name the construct.
BEYOND_CRASH: list[tuple[str, str, str]] = [
    ("1,300 nested parentheses", _nested("(", ")", 1_300), r"nested parentheses"),
    ("1,300 nested brackets", _nested("[", "]", 1_300), r"nested parentheses"),
    ("1,300 nested calls", _nested("f(", ")", 1_300), r"nested parentheses"),
    ("8,400 unary minus", "x = " + "- " * 8_400 + "a\n", r"'-'|unary operators"),
    ("8,400 not", "x = " + "not " * 8_400 + "a\n", r"'not'|unary operators"),
    ("8,400 invert", "x = " + "~" * 8_400 + "a\n", r"'~'|unary operators"),
    ("20,000-term + chain", _chain(" + ", 20_000), r"'\+'|binary operators"),
    ("20,000-term | chain", _chain(" | ", 20_000), r"'\|'|binary operators"),
    ("8,000-term ** chain", _chain(" ** ", 8_000), r"'\*\*'|binary operators"),
    ("6,000-link attribute chain", "x = a" + ".b" * 6_000 + "\n", r"'\.'|trailers"),
    ("7,000-link call chain", "x = f" + "()" * 7_000 + "\n", r"'\('|trailers"),
    ("6,500-link subscript chain", "x = a" + "[0]" * 6_500 + "\n", r"'\['|trailers"),
    ("6,000 nested ternaries", "x = " + "a if b else " * 6_000 + "c\n", r"'if'|conditional"),
    ("4,000 nested lambdas", "x = " + "lambda: " * 4_000 + "c\n", r"'lambda'|lambdas"),
    ("7,500-operand and", _chain(" and ", 7_500), r"'and'|boolean operators"),
    ("7,500-operand or", _chain(" or ", 7_500), r"'or'|boolean operators"),
    (
        "5,000 for clauses",
        "x = [a " + "for a in b " * 5_000 + "]\n",
        r"for clauses|'for'",
    ),
    ("8,400 elif branches", _elifs(8_400), r"elif"),
    ("400 nested blocks", _blocks(400), r"indentation|nested blocks"),
    (
        "8,000 nested unary minus in parentheses",
        "x = " + "-(" * 150 + "- " * 8_000 + "a" + ")" * 150 + "\n",
        r"'-'|unary operators",
    ),
]

# Below CPython's own limits on every supported version, so only minlint's
# guard stands between them and libcst's quadratic time or stack.
PAST_AST: list[tuple[str, str, str]] = [
    ("2,000 unary minus", "x = " + "- " * 2_000 + "a\n", r"unary operators"),
    ("2,500-term + chain", _chain(" + ", 2_500), r"binary operators"),
    ("2,500-link attribute chain", "x = a" + ".b" * 2_500 + "\n", r"trailers"),
    ("2,500-link call chain", "x = f" + "()" * 2_500 + "\n", r"trailers"),
    ("2,500-link subscript chain", "x = a" + "[0]" * 2_500 + "\n", r"trailers"),
    ("1,500 nested ternaries", "x = " + "a if b else " * 1_500 + "c\n", r"conditional"),
    ("1,500 nested lambdas", "x = " + "lambda: " * 1_500 + "c\n", r"lambdas"),
    ("7,500-operand and", _chain(" and ", 7_500), r"boolean operators"),
    ("5,000 for clauses", "x = [a " + "for a in b " * 5_000 + "]\n", r"for clauses"),
    (
        "199 nested brackets around 80,000 items",
        _brackets_around(199, 80_000),
        r"deeply nested code",
    ),
]


@pytest.fixture
def libcst_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record (and refuse) every attempt to hand text to libcst."""
    calls: list[str] = []

    def recorder(text: str) -> libcst.Module:
        calls.append(text[:40])
        raise AssertionError("the guard let a hazard through to libcst")

    monkeypatch.setattr(source, "_parse_on_big_stack", recorder)
    yield calls


def _refusal(text: str) -> Unreadable:
    with pytest.raises(Unreadable) as caught:
        parse_module(text)
    return caught.value


def _assert_one_line(error: Unreadable) -> None:
    assert error.reason
    assert "\n" not in error.reason and "\r" not in error.reason
    assert "Traceback" not in error.reason
    assert error.line >= 1 and error.column >= 1


@pytest.mark.parametrize(
    ("text", "pattern"),
    [pytest.param(text, pattern, id=name) for name, text, pattern in BEYOND_CRASH],
)
def test_hazards_beyond_the_crash_point_are_refused_before_libcst(
    text: str, pattern: str, libcst_calls: list[str]
) -> None:
    error = _refusal(text)
    _assert_one_line(error)
    assert re.search(pattern, error.reason), error.reason
    assert libcst_calls == []


@pytest.mark.parametrize(
    ("text", "pattern"),
    [pytest.param(text, pattern, id=name) for name, text, pattern in PAST_AST],
)
def test_hazards_python_accepts_are_refused_by_the_guard(text: str, pattern: str, libcst_calls: list[str]) -> None:
    error = _refusal(text)
    _assert_one_line(error)
    assert re.search(pattern, error.reason), error.reason
    assert libcst_calls == []


def test_hazard_in_a_decorator_of_a_one_line_def(libcst_calls: list[str]) -> None:
    # The def's own span is one short line; its decorators lie above it.
    text = "@d(" + " + ".join(["a"] * 2_500) + ")\ndef f(): pass\n"
    error = _refusal(text)
    assert error.line == 1 and "binary operators" in error.reason
    assert libcst_calls == []


def test_chain_refusal_points_at_the_chain() -> None:
    text = "x = 1\n\ny = (\n    " + " + ".join(["a"] * 2_500) + "\n)\n"
    error = _refusal(text)
    assert error.line == 4
    assert "2,001+ binary operators" in error.reason


@pytest.mark.skipif(sys.version_info < (3, 12), reason="nested same-quote f-strings are 3.12+")
def test_deeply_nested_f_strings_are_refused(libcst_calls: list[str]) -> None:
    text = "x = " + 'f"{' * 1_200 + "1" + '}"' * 1_200 + "\n"
    error = _refusal(text)
    _assert_one_line(error)
    assert libcst_calls == []


def test_hazard_after_newer_syntax_never_reaches_libcst(libcst_calls: list[str]) -> None:
    # On 3.11 ``type`` makes ast fail first, so the token scan is the only guard.
    text = "type X = int\n" + _chain(" + ", 20_000)
    error = _refusal(text)
    _assert_one_line(error)
    assert libcst_calls == []


def test_long_implicit_concatenation_is_a_clean_refusal() -> None:
    # libcst gives up on about 3,500 pieces with a bogus syntax error at 1:1
    # (and segfaults on a small stack); Python parses it.  Runs libcst for real.
    error = _refusal(_concatenation(10_000))
    _assert_one_line(error)
    assert "although Python can" in error.reason


def test_nesting_python_accepts_parses_on_a_small_caller_stack(tmp_path: Path) -> None:
    # 150 brackets and 40 nested blocks are valid Python; called directly on a
    # 512 KiB thread (macOS's default) libcst segfaults on either.  parse_module
    # must parse them anyway.  In a subprocess: a regression kills only that.
    script = textwrap.dedent(
        """
        import threading
        from minlint.parse.source import parse_module

        brackets = "x = " + "[" * 150 + "1" + "]" * 150 + "\\n"
        blocks = "".join(" " * i + "if a:\\n" for i in range(40)) + " " * 40 + "pass\\n"
        done = []

        def work():
            for text in (brackets, blocks):
                module = parse_module(text)
                assert module.code == text
            done.append(True)

        threading.stack_size(512 * 1024)
        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        print("parsed" if done else "failed")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "parsed"


# --- syntax errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("x = 1\ny = (1,\n", 2, 5, "never closed"),
        ("def f(:\n    pass\n", 1, 7, "invalid syntax"),
        ("for x in y:\n    pass\nelse\n", 3, 5, "expected ':'"),
        ("if x:\n        pass\n\tpass\n", 3, 1, "tabs and spaces"),
        ('x = 1\nname = "\\N{no such name}"\n', 2, None, "unicode error"),
        ('print "hi"\n', 1, 1, "print"),
    ],
)
def test_syntax_errors_give_pythons_line_and_column(text: str, line: int, column: int | None, words: str) -> None:
    error = _refusal(text)
    _assert_one_line(error)
    assert error.line == line
    if column is not None:
        assert error.column == column
    assert words in error.reason


def test_newer_syntax_follows_libcst() -> None:
    # libcst reads 3.0-3.14 whatever runs it; on 3.11 ast rejects these.
    for text in ("type Pair = tuple[int, int]\n", "def first[T](xs: list[T]) -> T:\n    return xs[0]\n"):
        assert parse_module(text).code == text


def test_error_after_newer_syntax_is_still_an_error() -> None:
    # Where ast stops at the newer syntax (3.11: line 1), that is the place
    # reported; 3.12+ finds the real error on line 3.
    error = _refusal("type Pair = tuple[int, int]\nx = 1\ny = 1 +\nz = 2\n")
    _assert_one_line(error)
    assert error.line in (1, 3)


def test_nul_character_is_refused_with_its_position() -> None:
    error = _refusal("x = 1\ny = 2\x00\n")
    assert (error.line, error.column) == (2, 6)
    assert "NUL" in error.reason


# --- ordinary code -------------------------------------------------------------


@pytest.mark.parametrize("name", ["typing.py", "json/decoder.py", "textwrap.py", "this.py"])
def test_stdlib_files_round_trip(name: str) -> None:
    text = read_text(STDLIB / name)
    module = parse_module(text)
    assert module.code == text


def test_empty_file_is_an_empty_module(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_bytes(b"")
    module = parse_module(read_text(path))
    assert len(module.body) == 0 and module.code == ""


def test_file_without_final_newline_round_trips() -> None:
    text = "x = 1\ny = 2"
    assert parse_module(text).code == text


def test_nesting_python_accepts_parses() -> None:
    # At CPython's own limits: 200 brackets, 99 nested blocks; fine on the
    # parse thread's stack.
    for text in (_nested("[", "]", 200), _nested("f(", ")", 200), _blocks(99)):
        assert parse_module(text).code == text


# --- reading files -------------------------------------------------------------


def _lines_of_names(module: libcst.Module) -> dict[str, int]:
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {node.value: positions[node].start.line for node in positions if isinstance(node, libcst.Name)}


def test_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfx = 1\n")
    text = read_text(path)
    assert text == "x = 1\n"
    assert parse_module(text).code == text


def test_bom_contradicting_the_cookie_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx = 1\n")
    error = _read_refusal(path)
    assert error.line == 1
    assert "encoding" in error.reason


def test_crlf_is_kept_and_lines_match(tmp_path: Path) -> None:
    path = tmp_path / "crlf.py"
    path.write_bytes(b"x = 1\r\n\r\ny = (\r\n    2)\r\n")
    text = read_text(path)
    assert text == "x = 1\r\n\r\ny = (\r\n    2)\r\n"
    module = parse_module(text)
    assert module.code == text
    assert _lines_of_names(module) == {"x": 1, "y": 3}


def test_lone_cr_newlines_keep_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "cr.py"
    path.write_bytes(b"x = 1\r\ry = 2\r")
    text = read_text(path)
    assert text == "x = 1\r\ry = 2\r"
    module = parse_module(text)
    assert _lines_of_names(module) == {"x": 1, "y": 3}
    # libcst 1.9 drops the final lone CR when printing (has_trailing_newline
    # is False); everything before it survives.
    assert text.startswith(module.code)


def test_tabs_and_form_feeds_parse(tmp_path: Path) -> None:
    path = tmp_path / "ws.py"
    path.write_bytes(b"if a:\n\tb = 1\n\x0c\ndef f():\n\treturn 2\n")
    text = read_text(path)
    module = parse_module(text)
    assert module.code == text
    assert _lines_of_names(module)["f"] == 4


def test_latin1_cookie_with_latin1_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n")
    text = read_text(path)
    assert "name = 'été'" in text
    assert parse_module(text).code == text


def _read_refusal(path: Path) -> Unreadable:
    with pytest.raises(Unreadable) as caught:
        read_text(path)
    _assert_one_line(caught.value)
    return caught.value


def test_invalid_utf8_names_line_encoding_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "bad.py"
    path.write_bytes(b"x = 1\r\ny = 2\nz = '\xff'\n")
    error = _read_refusal(path)
    assert (error.line, error.column) == (3, 6)
    assert "utf-8" in error.reason and "byte offset 18" in error.reason


def test_invalid_utf8_on_the_first_line(tmp_path: Path) -> None:
    # detect_encoding itself fails here; the exact place must still be found.
    path = tmp_path / "bad.py"
    path.write_bytes(b"x = '\xc3('\n")
    error = _read_refusal(path)
    assert (error.line, error.column) == (1, 6)
    assert "utf-8" in error.reason


def test_bytes_invalid_for_the_declared_encoding(tmp_path: Path) -> None:
    path = tmp_path / "ascii.py"
    path.write_bytes(b"# coding: ascii\nx = 1\ny = '\xe9'\n")
    error = _read_refusal(path)
    assert error.line == 3
    assert "ascii" in error.reason


def test_unknown_coding_cookie(tmp_path: Path) -> None:
    path = tmp_path / "klingon.py"
    path.write_bytes(b"# -*- coding: klingon -*-\nx = 1\n")
    error = _read_refusal(path)
    assert error.line == 1
    assert "klingon" in error.reason


def test_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "nul.py"
    path.write_bytes(b"x = 1\ny = 2\x00\n")
    error = _read_refusal(path)
    assert (error.line, error.column) == (2, 6)
    assert "NUL" in error.reason


def test_directory_named_like_a_module(tmp_path: Path) -> None:
    (tmp_path / "x.py").mkdir()
    error = _read_refusal(tmp_path / "x.py")
    assert error.line == 1 and "directory" in error.reason


def test_missing_file(tmp_path: Path) -> None:
    error = _read_refusal(tmp_path / "gone.py")
    assert error.line == 1 and "no such file" in error.reason


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads mode-000 files, so the permission error is produced at the
    # one call that would raise it for an ordinary user.
    path = tmp_path / "secret.py"
    path.write_text("x = 1\n")

    def refuse(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(source.os, "open", refuse)
    error = _read_refusal(path)
    assert error.line == 1 and "permission denied" in error.reason


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root reads mode-000 files; test_unreadable_file covers the path",
)
def test_mode_000_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.py"
    path.write_text("x = 1\n")
    path.chmod(0)
    try:
        error = _read_refusal(path)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert "permission denied" in error.reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "pipe.py"
    os.mkfifo(path)
    error = _read_refusal(path)
    assert "not a regular file" in error.reason


@pytest.mark.parametrize("size", [MAX_BYTES + 1, 20_000_000])
def test_oversized_files_are_refused_unread(tmp_path: Path, size: int) -> None:
    path = tmp_path / "huge.py"
    with path.open("wb") as handle:
        handle.truncate(size)  # sparse: nothing is written or read
    error = _read_refusal(path)
    assert "too large" in error.reason and f"{size:,}" in error.reason


def test_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.py"
    line = b"x = 1\n"
    path.write_bytes(line * (MAX_BYTES // len(line)))
    assert len(read_text(path)) == MAX_BYTES // len(line) * len(line)


def test_unreadable_reason_is_one_line() -> None:
    error = Unreadable(0, 0, "first line\n  Traceback (most recent call last):\n  more")
    assert (error.line, error.column, error.reason) == (1, 1, "first line")
    assert str(error) == "1:1: first line"
