"""Waiting in tests for a signal that the worker's thread emits.

``qtbot.waitSignal`` runs its spy on the thread that emits. When a worker's signal fires after
the spy started its timeout timer but before its event loop began, the spy stops that timer
from the worker's thread (Qt refuses, and the timer never reports) and quits a loop that has not
started yet: the wait then never ends. Here the signal is queued to an object that lives on the
test's (main) thread, and the wait polls on that thread, so both the signal and the timeout are
seen there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QObject, Qt, SignalInstance
from pytestqt.exceptions import TimeoutError as QtTimeoutError


class Caught(QObject):
    """The arguments of the first emission that passed the check (``args``), and all seen."""

    def __init__(self, check: Callable[..., bool] | None) -> None:
        super().__init__()
        self.args: list[Any] | None = None
        self.all_args: list[tuple[Any, ...]] = []
        self._check = check

    def take(self, *args: Any) -> None:
        """Slot on the main thread: record one emission."""
        self.all_args.append(args)
        if self.args is None and (self._check is None or self._check(*args)):
            self.args = list(args)


@contextmanager
def emitted(
    qtbot: Any,
    signal: SignalInstance,
    *,
    timeout: int = 5000,
    check: Callable[..., bool] | None = None,
) -> Iterator[Caught]:
    """Like ``qtbot.waitSignal``: listen, run the block, then wait up to ``timeout`` ms until
    ``signal`` was emitted with arguments that pass ``check``; raises pytest-qt's TimeoutError
    with what it carried otherwise."""
    caught = Caught(check)
    signal.connect(caught.take, Qt.ConnectionType.QueuedConnection)
    try:
        yield caught
        try:
            qtbot.waitUntil(lambda: caught.args is not None, timeout=timeout)
        except QtTimeoutError as e:
            raise QtTimeoutError(
                f"signal not emitted (with passing arguments) within {timeout} ms; "
                f"emitted with: {caught.all_args}"
            ) from e
    finally:
        signal.disconnect(caught.take)
