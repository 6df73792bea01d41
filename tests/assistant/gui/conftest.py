"""Qt tests run headless; every test here is marked ``gui``.

Before any of them runs, a child process checks that Qt can start here at all (an application,
a shown window, a thread started and joined). When it cannot, or hangs, these tests are skipped
with what the child printed, including its Python stack if it hung: a Qt that cannot start is a
property of the machine, and a hang inside ``QApplication`` would otherwise stall the whole run.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

pytest.importorskip("PySide6.QtWidgets", reason="PySide6 (or its system libraries) missing")
pytest.importorskip("pytestqt", reason="pytest-qt is not installed")

PROBE_TIMEOUT_S = 90
"""How long the child may take; it dumps its stack a little before that."""

_PROBE = f"""
import faulthandler, sys
faulthandler.dump_traceback_later({PROBE_TIMEOUT_S - 15}, exit=True)
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QLabel
print("probe: creating QApplication", file=sys.stderr, flush=True)
app = QApplication([])
label = QLabel("probe")
label.show()
app.processEvents()
print("probe: window shown on", app.platformName(), file=sys.stderr, flush=True)
thread = QThread()
thread.start()
thread.quit()
if not thread.wait(10_000):
    sys.exit("probe: a QThread did not stop within 10 s")
label.close()
print("probe: ok", file=sys.stderr, flush=True)
"""


@functools.cache
def _qt_start_problem() -> str | None:
    """Why Qt cannot start in a child process here, or None when it can."""
    try:
        result = subprocess.run(
            [sys.executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr
        return f"Qt did not start within {PROBE_TIMEOUT_S} s: {(err or '')[-3000:]}"
    if result.returncode != 0 or "probe: ok" not in result.stderr:
        return f"Qt did not start (exit {result.returncode}): {result.stderr[-3000:]}"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    gui_items = [item for item in items if "tests/assistant/gui/" in item.nodeid]
    if not gui_items:
        return
    problem = _qt_start_problem()
    if problem is not None:
        print(f"gui tests skipped: {problem}", file=sys.stderr)
    for item in gui_items:
        item.add_marker(pytest.mark.gui)
        if problem is not None:
            item.add_marker(pytest.mark.skip(reason=problem))
