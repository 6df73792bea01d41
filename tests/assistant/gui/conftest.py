"""Qt tests run headless; every test here is marked ``gui``."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

pytest.importorskip("PySide6.QtWidgets", reason="PySide6 (or its system libraries) missing")
pytest.importorskip("pytestqt", reason="pytest-qt is not installed")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/assistant/gui/" in item.nodeid:
            item.add_marker(pytest.mark.gui)
