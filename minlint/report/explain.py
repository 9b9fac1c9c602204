"""``minlint explain CODE``: print the rule page for a code."""

from __future__ import annotations

from minlint.core.codes import CODES, CUSTOM_GUARD_CODES
from minlint.report.ruledocs import NoPage, page


def explain(code: str) -> tuple[int, str]:
    """(exit status, text) for ``minlint explain``.

    0 and the rule page (for stdout), or 2 and a one-line error (for stderr).
    Both texts end with a newline, so the caller writes them as they are.
    """
    wanted = code.strip().upper()  # `minlint explain min101` is not worth an error
    known = ", ".join(CODES)
    if wanted not in CODES:
        if wanted.startswith("MIN") and wanted[3:].isdigit() and int(wanted[3:]) in CUSTOM_GUARD_CODES:
            # Custom guard codes belong to a policy pack, which `explain` does not load.
            return 2, (
                f"minlint: error: unknown code {code!r}; {wanted} is a custom guard code "
                f"defined by a policy pack (see the pack's [[guards]] entry); "
                f"built-in codes are {known}\n"
            )
        return 2, f"minlint: error: unknown code {code!r}; expected one of {known}\n"
    try:
        text = page(wanted)
    except NoPage:
        # A code in the table without a page is a packaging bug, not a user error.
        return 2, f"minlint: error: no rule page for {wanted}; is minlint installed completely?\n"
    return 0, text if text.endswith("\n") else text + "\n"
