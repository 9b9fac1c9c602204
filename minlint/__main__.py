"""``python -m minlint``: the same as the ``minlint`` command."""

import sys

from minlint.cli import main

sys.exit(main())
