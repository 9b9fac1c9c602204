"""``python -m minlint``: the same as the ``minlint`` command."""

import sys

from minlint.frontends.cli import main

sys.exit(main())
