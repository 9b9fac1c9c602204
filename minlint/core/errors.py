"""Errors a front end reports as one line and exit status 2."""

from __future__ import annotations


class UsageError(Exception):
    """A bad path or option: exit status 2 with this one line."""
