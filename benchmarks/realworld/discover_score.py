"""How well ``minlint discover`` finds each project's disclosure paths:

    python benchmarks/realworld/discover_score.py [NAME...]

For each project, the pack's disclosure paths (projects.toml ``paths``) are
looked up in discover's ranked candidates (candidate target = module +
qualified name; a channel's target is the function that calls it). Prints
the rank of each path, precision@k and recall@k for k = the number of paths
and k = 10, 20.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Project, projects


def ranks(project: Project) -> tuple[list[str], dict[str, int | None], float]:
    from minlint.api import Options, configure
    from minlint.discover import discover
    from minlint.project.collect import collect

    tree = str(project.folder / project.tree)
    config = configure([tree], Options())
    start = time.perf_counter()
    found = discover(collect([tree], config), config.root)
    seconds = time.perf_counter() - start
    targets = [c.target for c in found]
    first: dict[str, int | None] = {}
    for path in project.paths:
        first[path] = next((i for i, t in enumerate(targets, 1) if t == path), None)
    return targets, first, seconds


def at_k(targets: list[str], paths: set[str], k: int) -> tuple[float, float]:
    top = set(targets[:k])
    hit = len(top & paths)
    shown = min(k, len(targets))  # fewer candidates than k: precision over those listed
    return hit / shown if shown else 0.0, hit / len(paths) if paths else 0.0


def main(argv: list[str]) -> int:
    for project in projects(argv or None):
        if not project.folder.is_dir():
            print(f"{project.name}: {project.folder} is missing: run benchmarks/realworld/fetch.py first")
            continue
        targets, first, seconds = ranks(project)
        wanted = set(project.paths)
        print(f"{project.name}: {len(targets)} candidates in {seconds:.1f}s")
        for path, rank in first.items():
            print(f"  rank {rank if rank is not None else 'MISSING':>7}  {path}")
        for k in sorted({len(wanted), 10, 20}):
            p, r = at_k(targets, wanted, k)
            print(f"  precision@{k} {p:.3f}  recall@{k} {r:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
