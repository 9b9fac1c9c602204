"""Run work on a thread with a large stack.

libcst is recursive twice over: its native parser (which segfaults on a small
stack) and its Python code generation and visitors (which hit Python's
recursion limit on deep trees that parse). Both run here: on a fresh thread
with a stack large enough for the measured limits, and, for the Python side,
with a raised recursion limit while the work runs.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_LOCK = threading.Lock()  # threading.stack_size and the recursion limit are process-wide
_DEPTH = threading.local()
_raised = 0  # how many runs need the raised recursion limit now
_saved_limit = 0


def _raise_limit(limit: int) -> None:
    global _raised, _saved_limit
    with _LOCK:
        if _raised == 0:
            _saved_limit = sys.getrecursionlimit()
        _raised += 1
        if limit > sys.getrecursionlimit():
            sys.setrecursionlimit(limit)


def _restore_limit() -> None:
    global _raised
    with _LOCK:
        _raised -= 1
        if _raised == 0:
            sys.setrecursionlimit(_saved_limit)


def run(work: Callable[[], T], stack_bytes: int, recursion_limit: int | None = None) -> T:
    """``work()`` on a new thread of *stack_bytes*, its exception re-raised here.

    Creating the thread costs about 0.3 ms; a long-lived worker would be
    cheaper but does not survive a fork (the process pool forks).
    """
    if getattr(_DEPTH, "inside", False):
        return work()  # already on a big stack
    outcome: list[T | BaseException] = []

    def target() -> None:
        _DEPTH.inside = True
        try:
            outcome.append(work())
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            outcome.append(exc)

    if recursion_limit is not None:
        _raise_limit(recursion_limit)
    try:
        try:
            with _LOCK:
                previous = threading.stack_size(stack_bytes)
                try:
                    worker = threading.Thread(target=target, name="minlint-deep", daemon=True)
                    worker.start()
                finally:
                    threading.stack_size(previous)
        except (RuntimeError, ValueError):
            return work()  # no thread or no stack size control here: the default stack
        worker.join()
    finally:
        if recursion_limit is not None:
            _restore_limit()
    if not outcome:
        raise RuntimeError("the worker thread ended without a result")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result
