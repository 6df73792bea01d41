"""The tests' wait for a worker thread's signal (``tests/assistant/gui/signals.py``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, Signal, Slot
from pytestqt.exceptions import TimeoutError as QtTimeoutError

from tests.assistant.gui.signals import emitted


class Emitter(QObject):
    said = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.threads: list[str] = []

    @Slot()
    def say_all(self) -> None:
        self.threads.append(threading.current_thread().name)
        for word in self.words:
            self.said.emit(word)


@pytest.fixture
def emitter() -> Iterator[Emitter]:
    """An emitter living on a started QThread, like the app's worker."""
    thread = QThread()
    emitter = Emitter()
    emitter.moveToThread(thread)
    thread.start()
    yield emitter
    thread.quit()
    assert thread.wait(5000)


def say_on_its_thread(emitter: Emitter, *words: str) -> None:
    """Emit ``words`` on the emitter's thread and return once they are emitted."""
    emitter.words = list(words)
    QMetaObject.invokeMethod(emitter, "say_all", Qt.ConnectionType.BlockingQueuedConnection)


def test_a_signal_emitted_before_the_wait_begins_is_caught(qtbot, emitter) -> None:  # type: ignore[no-untyped-def]
    # qtbot.waitSignal hangs for good when a worker's signal lands between its timer's start
    # and its event loop's; here the emission is over before the wait even starts.
    with emitted(qtbot, emitter.said, timeout=2000) as caught:
        say_on_its_thread(emitter, "hello")
    assert caught.args == ["hello"]
    assert emitter.threads and emitter.threads[0] != threading.current_thread().name


def test_only_arguments_that_pass_the_check_end_the_wait(qtbot, emitter) -> None:  # type: ignore[no-untyped-def]
    with emitted(qtbot, emitter.said, timeout=2000, check=lambda w: w == "ready") as caught:
        say_on_its_thread(emitter, "starting", "ready", "listening")
    assert caught.args == ["ready"]
    assert caught.all_args[:2] == [("starting",), ("ready",)]


def test_no_passing_emission_times_out_with_what_was_emitted(qtbot, emitter) -> None:  # type: ignore[no-untyped-def]
    with (
        pytest.raises(QtTimeoutError, match=r"within 300 ms; emitted with: \[\('starting',\)\]"),
        emitted(qtbot, emitter.said, timeout=300, check=lambda w: w == "ready"),
    ):
        say_on_its_thread(emitter, "starting")


def test_the_signal_is_let_go_after_the_wait(qtbot, emitter) -> None:  # type: ignore[no-untyped-def]
    with emitted(qtbot, emitter.said, timeout=2000) as caught:
        say_on_its_thread(emitter, "one")
    say_on_its_thread(emitter, "two")
    qtbot.wait(50)
    assert caught.all_args == [("one",)]
