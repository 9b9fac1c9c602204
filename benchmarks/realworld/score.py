"""Score minlint on the real-code corpus: precision and recall per project and per code.

    python benchmarks/realworld/fetch.py            # once
    python benchmarks/realworld/score.py [NAME...] [--list] [--json]

Each project's tree is checked with its pack (packs/NAME.toml) and every
finding in the judged scope (projects.toml ``scope``) is matched against the
labels judged by hand (labels/NAME.toml): a finding is true when it has the
label's path, line and code (and names the label's field, for MIN101); it is
false when it matches no ``expected = true`` label (a finding in scope that no
label mentions is counted false and listed as UNJUDGED: judge it and add a
label). Findings outside the scope are counted, never scored.

A pack that does not load (today's loader predates the v2 keys of SPEC 7) is
said so, with the loader's one-line error: nothing is reported then, recall is
0 and precision is undefined. The script never crashes on that.

The same functions score the reduced slice in tests/fixtures/realworld
(tests/test_realworld_slice.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Project, projects, tomllib


@dataclass(frozen=True)
class Label:
    path: str
    line: int
    code: str
    expected: bool
    reason: str
    field: str | None = None
    found_by: str = "reading"

    def matches(self, path: str, line: int, code: str, fields: Sequence[str]) -> bool:
        if (path, line, code) != (self.path, self.line, self.code):
            return False
        return self.field is None or self.field in fields


@dataclass(frozen=True)
class Reported:
    path: str  # relative to the project's root folder, POSIX
    line: int
    code: str
    fields: tuple[str, ...]
    message: str


@dataclass
class Score:
    name: str
    loaded: bool
    why: str = ""  # the loader's error when the pack does not load
    expected: list[Label] = field(default_factory=list)
    found: list[Label] = field(default_factory=list)  # expected labels reported
    true: list[Reported] = field(default_factory=list)
    false: list[tuple[Reported, Label | None]] = field(default_factory=list)  # None: unjudged
    outside: int = 0  # findings outside the judged scope
    dropped: list[str] = field(default_factory=list)  # --v1-subset: the v2 keys left out

    @property
    def precision(self) -> float | None:
        n = len(self.true) + len(self.false)
        return len(self.true) / n if n else None

    @property
    def recall(self) -> float | None:
        return len(self.found) / len(self.expected) if self.expected else None

    def per_code(self) -> dict[str, tuple[float | None, float | None, int, int, int]]:
        """code -> (precision, recall, true, false, expected)."""
        codes = sorted({lab.code for lab in self.expected} | {r.code for r in self.true} | {r.code for r, _ in self.false})
        out = {}
        for code in codes:
            t = sum(1 for r in self.true if r.code == code)
            f = sum(1 for r, _ in self.false if r.code == code)
            e = [lab for lab in self.expected if lab.code == code]
            got = sum(1 for lab in self.found if lab.code == code)
            out[code] = (t / (t + f) if t + f else None, got / len(e) if e else None, t, f, len(e))
        return out


def read_labels(path: Path) -> list[Label]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Label(**entry) for entry in data.get("label", [])]


# SPEC section 3: the keys a v1 pack may have
_V1 = {
    "": {"policy", "fields", "disclosure", "guards", "transparency"},
    "policy": {"name", "extends"},
    "fields": {"allowed", "context", "categories"},
    "category": {"aliases", "patterns", "fides"},
    "disclosure": {"decorators", "sinks", "exits"},
    "sink": {"name", "payload"},
    "guard": {"id", "code", "title", "calls", "predicates", "decorators", "subjects", "blocked"},
    "transparency": {"calls"},
}


def v1_subset(data: dict[str, object]) -> tuple[dict[str, object], list[str]]:
    """The part of a v2 pack that today's v1 loader reads, and what was dropped.

    An approximation to measure today's engine on real code, not the pack's
    meaning: a sink named `Class.method` (matched in v2 through the receiver's
    type) becomes `method`; a guard with v2-only keys (applies_to, exempt,
    unless, decorator tables) is dropped whole, since without them it would be
    required everywhere."""
    dropped: list[str] = []
    out: dict[str, object] = {}
    for key, value in data.items():
        if key not in _V1[""]:
            dropped.append(key)
            continue
        if key == "guards":
            kept = []
            for g in value if isinstance(value, list) else []:
                extra = sorted(set(g) - _V1["guard"])
                if extra or any(isinstance(d, dict) for d in g.get("decorators", [])):
                    dropped.append(f"guards.{g.get('id')} ({', '.join(extra) or 'decorator tables'})")
                else:
                    kept.append(g)
            if kept:
                out[key] = kept
            continue
        if not isinstance(value, dict):
            out[key] = value
            continue
        table = {}
        for k, v in value.items():
            if k not in _V1[key]:
                dropped.append(f"{key}.{k}")
                continue
            if key == "fields" and k == "categories":
                v = {n: {ck: cv for ck, cv in c.items() if ck in _V1["category"]} for n, c in v.items()}
            if key == "disclosure" and k == "sinks":
                sinks = []
                for item in v:
                    if isinstance(item, dict):
                        extra = sorted(set(item) - _V1["sink"])
                        if extra:
                            dropped.append(f"disclosure.sinks {item.get('name')}: {', '.join(extra)}")
                        item = {sk: sv for sk, sv in item.items() if sk in _V1["sink"]}
                        head, _, last = str(item["name"]).rpartition(".")
                        if head and head.split(".")[-1][:1].isupper():
                            dropped.append(f"disclosure.sinks {item['name']} -> {last} (receiver type)")
                            item["name"] = last
                    sinks.append(item)
                v = sinks
            table[k] = v
        out[key] = table
    return out, dropped


def _toml(data: dict[str, object]) -> str:
    """Just enough TOML for a v1 pack (strings, numbers, lists, tables, arrays of tables)."""
    lines: list[str] = []

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return str(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(type(v))

    def table(prefix: str, t: dict[str, object]) -> None:
        plain = {k: v for k, v in t.items() if not isinstance(v, dict) and not (
            isinstance(v, list) and v and all(isinstance(x, dict) for x in v) and k == "guards")}
        if prefix:
            lines.append(f"[{prefix}]")
        lines.extend(f"{json.dumps(k)} = {value(v)}" for k, v in plain.items())
        for k, v in t.items():
            if isinstance(v, dict):
                table(f"{prefix}.{json.dumps(k)}" if prefix else json.dumps(k), v)
            elif k == "guards" and isinstance(v, list):
                for g in v:
                    lines.append("[[guards]]")
                    lines.extend(f"{json.dumps(gk)} = {value(gv)}" for gk, gv in g.items())

    table("", data)
    return "\n".join(lines) + "\n"


def run_minlint(tree: Path, pack: Path) -> tuple[list[Reported] | None, str]:
    """The findings of ``minlint check TREE --policy PACK`` (paths relative to
    TREE's parent... as given), or None and the one-line reason when the pack
    does not load."""
    from minlint.api import Options, check_paths
    from minlint.policy.pack import PolicyError, load_policy
    from minlint.project.config import ConfigError

    try:
        load_policy(str(pack), pack.parent)
    except PolicyError as exc:
        return None, str(exc)
    try:
        report = check_paths([str(tree)], Options(policy=str(pack), cache=False, jobs=1))
    except (PolicyError, ConfigError) as exc:
        return None, str(exc)
    out = [Reported(f.path, f.line, f.code, tuple(f.fields), f.message) for f in report.findings]
    return out, ""


def score(name: str, root: Path, tree: Path, pack: Path, labels: list[Label], scope: Iterable[str],
          *, v1: bool = False) -> Score:
    """*v1*: check with the v1 subset of the pack (``v1_subset``), to measure today's engine."""
    scope = set(scope)
    expected = [lab for lab in labels if lab.expected]
    result = Score(name, loaded=False, expected=expected)
    if v1:
        data, dropped = v1_subset(tomllib.loads(pack.read_text(encoding="utf-8")))
        with tempfile.TemporaryDirectory() as tmp:
            subset = Path(tmp) / f"{name}-v1.toml"
            subset.write_text(_toml(data), encoding="utf-8")
            findings, why = run_minlint(tree, subset)
        result.dropped = dropped
    else:
        findings, why = run_minlint(tree, pack)
    if findings is None:
        result.why = why
        return result
    result.loaded = True
    found: set[int] = set()
    for f in findings:
        rel = Path(f.path).resolve().relative_to(root.resolve()).as_posix()
        r = Reported(rel, f.line, f.code, f.fields, f.message)
        if rel not in scope:
            result.outside += 1
            continue
        hits = [i for i, lab in enumerate(expected) if lab.matches(rel, f.line, f.code, f.fields)]
        if hits:
            result.true.append(r)
            found.update(hits)
        else:
            judged = next((lab for lab in labels if not lab.expected and lab.matches(rel, f.line, f.code, f.fields)), None)
            result.false.append((r, judged))
    result.found = [expected[i] for i in sorted(found)]
    return result


def score_project(project: Project, v1: bool = False) -> Score:
    if not project.folder.is_dir():
        s = Score(project.name, loaded=False, expected=[lab for lab in read_labels(project.labels) if lab.expected])
        s.why = f"{project.folder} is missing: run benchmarks/realworld/fetch.py first"
        return s
    return score(project.name, project.folder, project.folder / project.tree, project.pack,
                 read_labels(project.labels), project.scope, v1=v1)


def _fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def render(scores: list[Score], listing: bool) -> str:
    lines = []
    for s in scores:
        if not s.loaded:
            lines.append(f"{s.name}: PACK DOES NOT LOAD -- {s.why}")
            lines.append(f"  nothing reported: precision n/a, recall 0.000 (0 of {len(s.expected)} expected findings)")
        else:
            lines.append(f"{s.name}: precision {_fmt(s.precision)}  recall {_fmt(s.recall)}  "
                         f"({len(s.true)} true, {len(s.false)} false, {len(s.found)}/{len(s.expected)} expected found, "
                         f"{s.outside} outside the judged scope)")
            if s.dropped:
                lines.append(f"  (v1 subset of the pack; dropped: {'; '.join(s.dropped)})")
            for code, (p, r, t, f, e) in s.per_code().items():
                lines.append(f"  {code}: precision {_fmt(p)}  recall {_fmt(r)}  ({t} true, {f} false, {e} expected)")
        if listing:
            found = set(map(id, s.found))
            for lab in s.expected:
                mark = "found" if id(lab) in found else "MISSED"
                what = f" {lab.field}" if lab.field else ""
                lines.append(f"  {mark:6} {lab.path}:{lab.line} {lab.code}{what} -- {lab.reason}")
            for r, lab in s.false:
                why = lab.reason if lab else "UNJUDGED: no label; judge it"
                lines.append(f"  FALSE  {r.path}:{r.line} {r.code} {','.join(r.fields)} -- {why}")
    return "\n".join(lines) + "\n"


def as_json(scores: list[Score]) -> str:
    return json.dumps([
        {"project": s.name, "loaded": s.loaded, "why": s.why, "precision": s.precision, "recall": s.recall,
         "true": len(s.true), "false": len(s.false), "expected": len(s.expected), "found": len(s.found),
         "outside": s.outside,
         "per_code": {c: {"precision": p, "recall": r, "true": t, "false": f, "expected": e}
                      for c, (p, r, t, f, e) in s.per_code().items()}}
        for s in scores], indent=2) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="projects (default: all of projects.toml)")
    ap.add_argument("--list", action="store_true", help="list every expected finding and every false one")
    ap.add_argument("--json", action="store_true", help="print JSON instead of text")
    ap.add_argument("--v1-subset", action="store_true",
                    help="check with the part of each pack today's v1 loader reads (measures the engine before SPEC 7)")
    args = ap.parse_args(argv)
    scores = [score_project(p, args.v1_subset) for p in projects(args.names)]
    sys.stdout.write(as_json(scores) if args.json else render(scores, args.list))
    return 0


if __name__ == "__main__":
    sys.exit(main())
