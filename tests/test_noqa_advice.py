"""What MIN901 advises for a bare `# noqa` (issue 20): only the codes it
really hid, a `# noqa: CODE -- reason` for what a disclosure exports, and for
a missing check or record the advice to add it, never a reason-less noqa."""

from __future__ import annotations

from minlint.core.findings import Finding
from minlint.run import noqa

TEXT = 'def f(user):\n    disclose({"email": user.email})  # noqa\n    x = 1  # noqa\n'


def at(code: str, line: int = 2) -> Finding:
    return Finding(path="a.py", line=line, column=5, code=code, message="m")


def advice(*codes: str) -> str:
    (min901,) = [f for f in noqa.apply([at(c) for c in codes], TEXT, "a.py") if f.code == "MIN901"]
    return min901.message


def test_data_codes_get_a_noqa_with_a_reason() -> None:
    assert advice("MIN101") == ("# noqa hides MIN101 without a reason; "
                                "write `# noqa: MIN101 -- <why this disclosure is allowed>`")


def test_a_missing_check_is_never_offered_a_reasonless_noqa() -> None:
    message = advice("MIN201", "MIN101", "MIN301")
    assert message.startswith("# noqa hides MIN101, MIN201, MIN301 without a reason; "
                              "write `# noqa: MIN101 -- <why this disclosure is allowed>`; ")
    assert "MIN201, MIN301 report a missing check or record: add it on every path" in message
    assert "noqa: MIN201" not in message and "noqa: MIN101,MIN201" not in message


def test_only_codes_the_comment_hid_are_listed() -> None:
    # the E501 on the line and the MIN101 on another line are not this comment's
    found = [at("MIN202"), at("E501"), at("MIN101", line=1)]
    (min901,) = [f for f in noqa.apply(found, TEXT, "a.py") if f.code == "MIN901"]
    assert min901.line == 2
    assert min901.message.startswith("# noqa hides MIN202 without a reason; MIN202 reports a missing check")
    assert "MIN101" not in min901.message and "E501" not in min901.message
