"""Text for a terminal or a CI log: control characters made visible.

A path or a message is data from the checked tree (a folder can be named
``x\\n::warning file=...::``). Printed raw, a newline splits one finding into
two lines for every tool that reads the output line by line and lets a
committed name inject GitHub workflow commands into a CI log; an escape
sequence recolours or rewrites the terminal; a bidirectional override
reorders what the reader sees (CVE-2021-42574). Each becomes a visible
escape, as ``repr`` would write it.
"""

from __future__ import annotations

import re

# C0, DEL, C1, and the Unicode bidirectional embeddings, overrides and isolates
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """*text* with every control character written as its escape (``\\n``, ``\\x1b``, ``\\u202e``)."""
    return _UNSAFE.sub(_escape, text)
