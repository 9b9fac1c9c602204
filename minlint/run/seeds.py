"""One seed (a file that can hold a disclosure) analysed on its own.

Each seed gets a fresh analysis over the shared index, so its result depends
only on what it read: the findings do not depend on the order seeds are
analysed in (``--jobs N`` prints what ``--jobs 1`` prints), and the cache can
reuse them while what the seed read is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from minlint.core.codes import message
from minlint.core.findings import Finding
from minlint.parse import deepstack
from minlint.parse.source import Unreadable
from minlint.policy.pack import Policy
from minlint.project.index import Deps, Project, SourceFile
from minlint.run.syntax import min999

if TYPE_CHECKING:  # the analysis loads libcst: imported where a seed is analysed, so a cached run never does
    from minlint.analysis.disclosures import Analysis
    from minlint.analysis.evidence import Evidence
    from minlint.checks import Raw

# Measured: 2,200 implicitly concatenated strings (the stdlib's pydoc_data)
# need a recursion limit of about 9,000 to generate code for; the stack is
# reserved, not committed, so a large one costs nothing until used.
ANALYSIS_STACK_BYTES = 512 * 1024 * 1024
ANALYSIS_RECURSION_LIMIT = 60_000


def seed_evidence(project: Project, policy: Policy, seed: SourceFile) -> Iterator[tuple[Analysis, Evidence, list[Raw]]]:
    """Each disclosure of a seed: its evidence and what the rules say of it,
    from a fresh analysis over the shared index. ``minlint check``, ``fix``
    and ``inventory`` all run this loop, so they cannot disagree on what is a
    finding."""
    from minlint.analysis.disclosures import Analysis
    from minlint.checks import RULES

    analysis = Analysis(project, policy)
    module = project.facts(seed)
    if module is None:
        return
    for disclosure in analysis.disclosures(module):
        evidence = analysis.evidence(disclosure)
        yield analysis, evidence, [raw for rule in RULES for raw in rule.check(evidence, policy)]


# told each disclosure's evidence and its raw findings with their positions,
# while its analysis is alive (``minlint.api``)
Visit = Callable[["Analysis", "Evidence", "list[tuple[Raw, Finding]]"], None]


def analyse_seed(project: Project, policy: Policy, seed: SourceFile, visit: Visit | None = None) -> tuple[
        list[Finding], Deps]:
    """The findings of one seed (before suppressions) and what its analysis read."""
    deps = Deps()
    project.track(deps)

    def work() -> list[Finding]:
        out: list[Finding] = []
        for analysis, evidence, raw in seed_evidence(project, policy, seed):
            found = [(r, finding_of(r)) for r in raw]
            if visit is not None:
                visit(analysis, evidence, found)
            out.extend(f for _, f in found)
        return out

    try:
        # libcst's code generation and visitors recurse once per level of
        # nesting; on a big stack with a raised limit, deep trees that parse
        # are analysed too
        findings = deepstack.run(work, ANALYSIS_STACK_BYTES, ANALYSIS_RECURSION_LIMIT)
    except RecursionError:
        # a tree that parses can still be too deep to walk
        findings = [min999(seed.display, Unreadable(1, 1, "nested too deeply to analyse (Python's recursion "
                                                         "limit); split the deepest expression"))]
    finally:
        project.track(None)
    for path in deps.files:
        problem = project.unreadable.get(path) or deps.unparsed.get(path)
        if problem is not None and path in project.texts:
            findings.append(min999(project.display(path), problem))
    return findings, deps


def finding_of(r: Raw) -> Finding:
    """A raw finding with its position and text (the lazy params made now)."""
    module = r.module
    line, col, end_line, end_col = module.positions.span(r.node)
    params = tuple((k, str(v)) for k, v in r.params.items())
    return Finding(module.display, line, col, r.code, message(r.code, dict(params), r.fields), end_line, end_col,
                   r.scope, r.fields, r.guard, r.tiers, module.stripped_line(line), params)
