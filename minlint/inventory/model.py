"""The inventory's data model: what the JSON report holds, field for field
(``docs/inventory.schema.json``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = "1"


@dataclass
class Step:
    """One function on a call chain."""

    function: str  # qualified name; "<module>" for module-level code
    module: str  # dotted module name
    path: str
    line: int  # the `def` line (1 for module-level code)
    calls_at: int  # the line where this function calls the next step, or the sink


@dataclass
class Chain:
    steps: list[Step]  # the entry point first, the disclosure's function last
    # why the chain starts where it does: "disclosure-function" (an entry point
    # by definition), "no-callers" (nothing in the checked code calls it),
    # "module" (module-level code), "cycle" or "depth-limit"
    start: str
    callers_unknown: bool  # the first function is also used where its callers cannot be followed


@dataclass
class ExportedField:
    name: str  # as written in the code
    normalised: str
    category: str | None
    fides: str | None
    allowed: bool  # its category is one the policy allows to leave
    context: bool  # request metadata (fields.context): not user data
    where: str  # path:line
    via: str  # the helper or call site it came through, or ""
    # a tiered pack (SPEC 9), a field outside fields.allowed: per class of paths
    # through its origin, the tiers that hold there ([] = none); None otherwise
    instruments: list[list[str]] | None = None


@dataclass
class OtherExport:
    """A whole record (MIN102) or an export that cannot be known statically (MIN103)."""

    kind: str  # "whole" | "dynamic"
    code: str
    what: str
    where: str
    via: str
    # a whole record whose class is known in the checked code: the fields it
    # holds (what "every field" means here); None when the class is not known
    record: str | None = None
    record_fields: list[str] | None = None


@dataclass
class CheckSite:
    """Where a check (or a transparency record) is made."""

    kind: str  # call | helper | test | assert | comparison | decorator | record
    text: str
    function: str
    where: str
    # "" when the check counts; for a missing guard, why this one does not:
    # "only on some paths", "after the disclosure", "only in some callers"
    note: str = ""


@dataclass
class WeakCheck:
    code: str  # MIN204 | MIN205
    detail: str
    where: str


@dataclass
class GuardEntry:
    id: str
    code: str
    title: str
    status: str  # "holds" | "weak" | "missing"
    # holds/weak: the checks on the paths to the disclosure; missing: any that
    # lie only on some of those paths
    checks: list[CheckSite]
    through_callers: bool  # established in the callers, not in the function itself
    why: str  # missing: the path that skips the check
    via: str  # missing: the unchecked call site, when the obligation moved to callers
    weak: list[WeakCheck]


@dataclass
class RecordEntry:
    status: str  # "holds" | "missing"
    checks: list[CheckSite]
    through_callers: bool
    why: str
    via: str


@dataclass
class Suppressed:
    code: str
    where: str
    reason: str | None


@dataclass
class DisclosureEntry:
    id: str
    path: str
    line: int
    column: int
    module: str
    function: str
    kind: str  # "call" (a sink call) | "return" (the return of a disclosure function)
    sink: str  # the label: "disclose()" or "the return of answer()"
    disclosure_function: bool  # its function is a disclosure function: an entry point itself
    # False when no path from the function's entry gets here (a call before it
    # never returns): every check then holds vacuously, as the engine sees it
    reachable: bool
    entry_points: list[str]
    chains: list[Chain]
    chains_truncated: bool
    fields: list[ExportedField]
    exports: list[OtherExport]
    guards: list[GuardEntry]
    transparency: RecordEntry
    codes: list[str]  # what `minlint check` reports for this path, minus suppressed ones
    suppressed: list[Suppressed]
    status: str  # "ok" | "problems" | "suppressed"


@dataclass
class GuardCount:
    holds: int = 0
    weak: int = 0
    missing: int = 0


@dataclass
class Summary:
    files: int
    disclosures: int
    ok: int
    problems: int
    suppressed: int
    entry_points: int
    fields: int
    allowed_fields: int
    context_fields: int
    disallowed_fields: int
    whole_records: int
    dynamic_exports: int
    guards: dict[str, GuardCount]
    transparency: dict[str, int]


@dataclass
class PolicyGuard:
    id: str
    code: str
    title: str


@dataclass
class PolicyCategory:
    name: str
    fides: str | None
    allowed: bool


@dataclass
class PolicyTier:
    """A legal instrument (SPEC 9): the checks it requires, the categories it opens."""

    id: str
    title: str
    requires: list[str]
    allowed: list[str]


@dataclass
class PolicyInfo:
    name: str
    allowed: list[str]
    categories: list[PolicyCategory]
    guards: list[PolicyGuard]
    tiers: list[PolicyTier] = field(default_factory=list)


@dataclass
class Unreadable:
    path: str
    line: int
    reason: str


@dataclass
class Inventory:
    tool: str
    version: str
    schema_version: str
    paths: list[str]
    policy: PolicyInfo
    summary: Summary
    disclosures: list[DisclosureEntry]
    unreadable: list[Unreadable] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        # untiered packs and unknown record classes: the output stays as it was
        if not out["policy"].get("tiers"):
            out["policy"].pop("tiers", None)
        for d in out.get("disclosures", ()):
            for f in d.get("fields", ()):
                if f.get("instruments") is None:
                    f.pop("instruments", None)
            for o in d.get("exports", ()):
                if o.get("record_fields") is None:
                    o.pop("record", None)
                    o.pop("record_fields", None)
        return out


