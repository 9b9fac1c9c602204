"""``minlint discover``: text or JSON, and the drafted pack."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from minlint.core.files import write_atomic
from minlint.discover.draft import draft_pack
from minlint.discover.model import Candidate
from minlint.discover.scan import discover
from minlint.project.collect import collect
from minlint.project.config import Config


def _fields(c: Candidate) -> str:
    kinds = dict(c.personal)
    shown = [f"{f} ({kinds[f]})" if f in kinds else f for f in c.fields[:10]]
    more = len(c.fields) - len(shown)
    return ", ".join(shown) + (f", +{more}" if more > 0 else "")


def render(candidates: Sequence[Candidate], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([
            {"rank": i, "score": c.score, "kind": c.kind, "framework": c.framework, "path": c.path, "line": c.line,
             "module": c.module, "qualname": c.qualname, "target": c.target, "fields": list(c.fields),
             "personal": [{"field": f, "kind": k} for f, k in c.personal], "record": c.record,
             **({"callee": c.callee} if c.callee else {}), **({"base": c.base} if c.base else {}),
             **({"decorator": c.decorator} if c.decorator else {}), "why": list(c.why)}
            for i, c in enumerate(candidates, 1)], indent=2) + "\n"
    lines = []
    for i, c in enumerate(candidates, 1):
        what = c.callee if c.kind == "channel" else c.qualname
        record = " [whole record]" if c.record else ""
        lines.append(f"{i:3} {c.score:5.1f}  {c.kind:7} {c.framework:8} {c.path}:{c.line}  {what}{record}")
        if c.fields:
            lines.append(f"{'':17}fields: {_fields(c)}")
    return "\n".join(lines) + ("\n" if lines else "")


def command(args: argparse.Namespace, config: Config) -> int:
    """``minlint discover PATHS``: a report, exit 0 (2 for usage errors, raised to the CLI)."""
    files = collect(args.paths, config)
    candidates = discover(files, config.root)
    top = getattr(args, "top", 0) or 0
    if top > 0:
        candidates = candidates[:top]
    sys.stdout.write(render(candidates, getattr(args, "format", "text") or "text"))
    pack = getattr(args, "write_pack", None)
    if pack:
        name = Path(args.paths[0]).resolve().name if args.paths else "draft"
        write_atomic(Path(pack), draft_pack(candidates, f"{name}-draft").encode("utf-8"))
    n = len(candidates)
    sys.stderr.write(f"minlint: {n} candidate disclosure path{'' if n == 1 else 's'} in {len(files)} "
                     f"file{'' if len(files) == 1 else 's'}" + (f"; drafted pack written to {pack}" if pack else "")
                     + "\n")
    return 0
