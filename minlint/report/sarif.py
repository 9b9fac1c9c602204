"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other viewers.

What GitHub needs beyond the schema: rules with help, a ``ruleId`` and
``level`` per result, a physical location whose URI is relative to the
checkout (``uriBaseId``), and ``partialFingerprints`` that survive unrelated
edits — GitHub uses them to keep an alert the same alert across commits.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from minlint import __version__
from minlint.core.codes import CODES, Code, describe
from minlint.core.findings import Finding
from minlint.report.ruledocs import NoPage, absolute_links, page, plain_links, section, url

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/minlint/minlint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "minlint/v1"

def relative_path(path: str, root: Path | None) -> PurePosixPath | None:
    """*path* (as given, relative to the current directory) relative to *root*.

    None when the file lies outside *root*. Paths are compared without
    resolving symlinks first, then resolved, so a root reached through a
    symlink (macOS /tmp) still matches.
    """
    base = root if root is not None else Path.cwd()
    target = Path(path)
    for resolve in (os.path.abspath, os.path.realpath):
        try:
            rel = Path(resolve(target)).relative_to(Path(resolve(base)))
        except ValueError:
            continue
        return PurePosixPath(rel.as_posix())
    return None


def _artifact_location(path: str, root: Path | None) -> dict[str, object]:
    rel = relative_path(path, root)
    if rel is None:
        # Outside the root a relative reference would point somewhere else;
        # an absolute file URI is still correct.
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    # A URI reference: spaces, '%', '#', '?', ':' and non-ASCII must be escaped
    # or the path would be read as something else.
    return {"uri": quote(rel.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _region(f: Finding) -> dict[str, int]:
    start_column = max(f.column, 1)
    end_line = max(f.end_line or f.line, f.line)
    region = {"startLine": max(f.line, 1), "startColumn": start_column, "endLine": end_line}
    # endColumn is exclusive in SARIF as in Finding. When the end is unknown or
    # would make an empty region, leave it out: SARIF then means "to the end of
    # the line", which highlights something instead of nothing.
    if f.end_column and (end_line > f.line or f.end_column > start_column):
        region["endColumn"] = f.end_column
    return region


def _fingerprint_base(f: Finding, location: dict[str, object]) -> str:
    # The path is the root-relative one, so the checkout location does not matter.
    return f.identity(str(location["uri"]))


def fingerprints(findings: Sequence[Finding], root: Path | None = None) -> list[str]:
    """The ``minlint/v1`` partial fingerprint of each finding, in order.

    Identical keys (the same line text twice in one function) are told apart
    by their occurrence number, counted in the findings' order.
    """
    seen: Counter[str] = Counter()
    out: list[str] = []
    for f in findings:
        base = _fingerprint_base(f, _artifact_location(f.path, root))
        occurrence = seen[base]
        seen[base] += 1
        out.append(hashlib.sha256(f"{base}\0{occurrence}".encode()).hexdigest())
    return out


def _tags(entry: Code) -> list[str]:
    return ["privacy", "security", entry.group]


def _unwrap(markdown: str) -> str:
    # Viewers wrap plain text themselves; the page's hard line breaks would
    # show as ragged lines. Paragraphs and list items stay apart.
    paragraphs = []
    for par in markdown.split("\n\n"):
        items: list[list[str]] = []
        for line in par.splitlines():
            if not items or line.lstrip().startswith("- "):
                items.append([])
            items[-1].append(line.strip())
        paragraphs.append("\n".join(" ".join(item) for item in items if item))
    return "\n\n".join(p for p in paragraphs if p)


def _rule(entry: Code, title: str | None = None) -> dict[str, object]:
    summary = entry.summary
    if title and entry.code not in CODES:
        # a pack's own guard (MIN206-MIN299): its title says what is missing
        summary = f"no {title} on every path before the disclosure"
    rule: dict[str, object] = {
        "id": entry.code,
        "name": entry.name,
        "shortDescription": {"text": summary},
    }
    try:
        markdown = page(entry.code)
    except NoPage:
        # Custom guard codes come from a policy pack and have no page; the
        # pack's title is all there is.
        rule["fullDescription"] = {"text": summary}
        rule["help"] = {"text": summary, "markdown": summary}
    else:
        what = _unwrap(plain_links(section(entry.code, "What it does")))
        rule["fullDescription"] = {"text": what or summary}
        # GitHub renders `markdown` on the alert page, where links relative to
        # docs/rules/ would break. The page goes in once: `text` (for viewers
        # without Markdown) is the short description and the page's address,
        # which keeps a report of a few findings a few kilobytes.
        rule["help"] = {"text": f"{what or summary} See {url(entry.code)}", "markdown": absolute_links(markdown)}
        rule["helpUri"] = url(entry.code)
    rule["defaultConfiguration"] = {"level": entry.level}
    rule["properties"] = {
        "tags": _tags(entry),
        "security-severity": entry.security_severity,
    }
    return rule


def _result(f: Finding, index: int, level: str, root: Path | None, fingerprint: str) -> dict[str, object]:
    location: dict[str, object] = {
        "physicalLocation": {
            "artifactLocation": _artifact_location(f.path, root),
            "region": _region(f),
        }
    }
    if f.function:
        location["logicalLocations"] = [{"fullyQualifiedName": f.function, "kind": "function"}]
    result: dict[str, object] = {
        "ruleId": f.code,
        "ruleIndex": index,
        "level": level,
        "message": {"text": f.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    extra: dict[str, object] = {}
    if f.fields:
        extra["fields"] = list(f.fields)
    if f.guard is not None:
        extra["guard"] = f.guard
    if f.tiers is not None:
        extra["tiers"] = list(f.tiers)  # SPEC 9: the instruments that hold on the reported path
    if extra:
        result["properties"] = extra
    return result


def document(findings: Sequence[Finding], root: Path | None = None,
             titles: Mapping[str, str] | None = None) -> dict[str, object]:
    """The SARIF log as a JSON-ready dict; *titles* are the pack's guard
    titles by code, for the rules of its own codes."""
    # The rules of the codes found, in the code table's order (then custom
    # codes as they occur): a rule carries its whole page, and thirteen pages
    # for four results made a 124 KB file.
    found = dict.fromkeys(f.code for f in findings)
    entries = [entry for code, entry in CODES.items() if code in found]
    entries += [describe(code) for code in found if code not in CODES]
    index = {entry.code: i for i, entry in enumerate(entries)}
    results = [
        _result(f, index[f.code], entries[index[f.code]].level, root, fp)
        for f, fp in zip(findings, fingerprints(findings, root), strict=True)
    ]
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "minlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(entry, (titles or {}).get(entry.code)) for entry in entries],
            }
        },
        # No absolute path: a shared SARIF file must not reveal where it was
        # made; code scanning resolves %SRCROOT% against its own checkout.
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the checked project."}}},
        # Finding columns count characters, not the UTF-16 units SARIF assumes.
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(findings: Sequence[Finding], root: Path | None = None, titles: Mapping[str, str] | None = None) -> str:
    # compact: the file is for machines (code scanning, viewers), and
    # indentation was a third of its size
    return json.dumps(document(findings, root, titles), separators=(",", ":"), ensure_ascii=True) + "\n"
