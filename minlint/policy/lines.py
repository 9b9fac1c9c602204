"""Where an entry of a pack was written, for MIN902 and ``policy show``.

tomllib gives values without positions, so this is a small scan of the TOML
text: the lines of table headers (``[x]`` and each ``[[x]]``) and, after a
key, the first line that holds a given quoted string. It only has to find the
line of something tomllib has already accepted, never to parse TOML itself;
when it cannot tell, the answer is 0 (the file without a line).
"""

from __future__ import annotations

import re

__all__ = ["Lines"]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]#]+?)\s*\]\]?\s*(#.*)?$")
_QUOTED = re.compile(r"(\"|')((?:(?!\1).)*)\1")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\-\"' ]+?)\s*=")


def _dotted(header: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in header.split("."))


class Lines:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self._strings: dict[int, dict[str, int]] = {}
        # (header, is_array, 1-based line); "" is the top level from line 1.
        self.headers: list[tuple[str, bool, int]] = [("", False, 1)]
        for number, line in enumerate(self.lines, 1):
            found = _HEADER.match(line)
            if found:
                self.headers.append((_dotted(found.group(2)), found.group(1) == "[[", number))

    def table(self, header: str, index: int = 0) -> int:
        """The line of ``[header]``, or of the *index*-th ``[[header]]``."""
        seen = 0
        for name, is_array, number in self.headers:
            if name != header:
                continue
            if not is_array:
                return number
            if seen == index:
                return number
            seen += 1
        return 0

    def _section_end(self, start: int) -> int:
        for _, _, number in self.headers:
            if number > start:
                return number - 1
        return len(self.lines)

    def key(self, section: str, key: str, index: int = 0) -> int:
        """The line where *key* is assigned in ``[section]`` (or the top level
        as ``section.key = ...``, or as ``[section.key]``/``[[section.key]]``)."""
        dotted = f"{section}.{key}" if section else key
        header = self.table(dotted, index)
        if header:
            return header
        start = self.table(section, index) if section else 1
        candidates = [(start, key)] if start else []
        candidates.append((1, dotted))
        for begin, name in candidates:
            end = self._section_end(begin) if begin else len(self.lines)
            for number in range(begin, end + 1):
                found = _KEY.match(self.lines[number - 1]) if number <= len(self.lines) else None
                if found and _dotted(found.group(1)) == name:
                    return number
        return 0

    def string(self, value: str, after: int) -> int:
        """The first line from *after* on that holds *value* as a quoted string."""
        if not after:
            return 0
        found = self._strings.get(after)
        if found is None:
            # One pass per starting line, not one per entry: a pack may list
            # 100,000 names on one line, and a scan per name was quadratic.
            found = {}
            for number in range(after, len(self.lines) + 1):
                for match in _QUOTED.finditer(self.lines[number - 1]):
                    found.setdefault(match.group(2), number)
            self._strings[after] = found
        return found.get(value, after)
