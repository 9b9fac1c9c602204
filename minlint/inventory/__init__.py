"""Stage 9, inventory: every disclosure path of a project, checked or not, for a reviewer.

``build`` makes the model (``model.py``) from the evidence of one check run;
``render`` turns it into JSON, Markdown or HTML; ``command`` is
``minlint inventory``.
"""

from minlint.inventory.build import build
from minlint.inventory.model import Inventory
from minlint.inventory.render import command, render

__all__ = ["Inventory", "build", "command", "render"]
