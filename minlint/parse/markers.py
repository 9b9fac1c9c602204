"""The comments minlint reads in the checked code, as patterns on its text."""

from __future__ import annotations

import re

# `# minlint: disclosure` marks a function as a disclosure function (SPEC 2.1);
# the seed prefilter and the facts use this one pattern, so a file is a seed
# exactly when a marker in it can mark something
MARKER = re.compile(r"#\s*minlint\s*:\s*disclosure\b")
