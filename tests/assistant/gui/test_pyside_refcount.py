"""Guard against the PySide6 6.12.0 bug that drops a reference to True on every emit.

The worker emits the input level about 33 times a second; with that bug the app aborted
("Fatal Python error: bool_dealloc") after a minute or two of listening.
"""

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    ticked = Signal()
    level = Signal(float)


def test_emitting_signals_keeps_the_refcount_of_true(qapp) -> None:
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(500):
        emitter.ticked.emit()
        emitter.level.emit(-20.0)
    # with the bug it falls by one per emit (-1000 here); a stray reference or two is noise
    assert abs(sys.getrefcount(True) - before) < 10
