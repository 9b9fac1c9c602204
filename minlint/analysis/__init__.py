"""Stage 5, analysis: disclosures, payloads, required checks, as evidence.

The public face is the evidence model (``evidence.py``) and ``Analysis``,
which finds a module's disclosures and says what it knows of each. The other
modules are the parts it is made of: ``dataflow`` (reaching definitions),
``resolve`` (callees, constants, which calls never return), ``prescan``
(which functions can disclose at all), ``payload`` (what an expression
exports), ``flow`` (required checks and records on control-flow graphs),
``vocab`` (the policy's names matched against code).

Names are loaded on first use: the analysis needs libcst, and a run answered
from the cache never loads it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minlint.analysis.disclosures import Analysis
    from minlint.analysis.evidence import (
        Chain,
        Disclosure,
        Evidence,
        Export,
        Exported,
        Requirement,
        Site,
        Step,
        Verdict,
        WeakCheck,
        classify,
    )

__all__ = ["Analysis", "Chain", "Disclosure", "Evidence", "Export", "Exported", "Requirement", "Site", "Step",
           "Verdict", "WeakCheck", "classify"]
_WHERE = {name: "disclosures" if name == "Analysis" else "evidence" for name in __all__}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"minlint.analysis.{module}"), name)
