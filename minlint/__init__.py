"""minlint: a data-minimization static checker for Python backends."""

__version__ = "0.1.0"
