"""Settings: JSON round trip, atomic writes, clear errors; the dialog edits them faithfully."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from assistant import atomic
from assistant.audio.sources import InputDevice
from assistant.gui.errors import SettingsError
from assistant.gui.settings import _TYPES, Settings, load_settings, save_settings

CUSTOM = Settings(
    input_device="USB mic",
    provider="cuda",
    model_path="/models/big.onnx",
    builtin_commands=False,
    command_files=("/home/me/lights.yaml", "/home/me/more"),
    spoken_replies=False,
    shortcut="Ctrl+T",
    hands_free=True,
    sensitivity="strict",
)


def test_every_field_has_a_json_type() -> None:
    assert set(_TYPES) == {f.name for f in dataclasses.fields(Settings)}


def test_round_trip(tmp_path: Path) -> None:
    path = save_settings(CUSTOM, tmp_path / "deep" / "settings.json")
    assert json.loads(path.read_text())["command_files"] == list(CUSTOM.command_files)
    assert load_settings(path) == CUSTOM
    assert load_settings(tmp_path / "absent.json") == Settings()


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = save_settings(Settings(), tmp_path / "settings.json")
    before = path.read_bytes()

    def fail(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(SettingsError, match=r"settings.json: cannot write.*No space left"):
        save_settings(CUSTOM, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["settings.json"]


def test_broken_files_name_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    with pytest.raises(SettingsError, match=r"settings.json: cannot read"):
        load_settings(path)
    path.write_text('{"spoken_replies": "yes"}')
    with pytest.raises(SettingsError, match=r"'spoken_replies' is 'yes', expected bool"):
        load_settings(path)
    path.write_text('{"provider": "tpu"}')
    with pytest.raises(SettingsError, match=r"provider is 'tpu'"):
        load_settings(path)
    path.write_text('{"sensitivity": "paranoid"}')
    with pytest.raises(SettingsError, match=r"sensitivity is 'paranoid', expected one of strict"):
        load_settings(path)
    path.write_text('{"hands_free": true, "from_the_future": 1}')
    assert load_settings(path) == Settings(hands_free=True)


def test_dialog_returns_what_it_was_given(qtbot) -> None:  # type: ignore[no-untyped-def]
    from assistant.gui.settings_dialog import SettingsDialog

    devices = [InputDevice(3, "USB mic", "ALSA", 48000, 1, False)]
    dialog = SettingsDialog(CUSTOM, devices)
    qtbot.addWidget(dialog)
    assert dialog.result_settings() == CUSTOM
    assert dialog.device.currentText() == "USB mic (ALSA)"
    unplugged = SettingsDialog(dataclasses.replace(CUSTOM, input_device="Gone mic"), devices)
    qtbot.addWidget(unplugged)
    assert unplugged.device.currentText() == "Gone mic (not connected)"
    assert unplugged.result_settings().input_device == "Gone mic"


def test_dialog_offers_the_three_sensitivities(qtbot) -> None:  # type: ignore[no-untyped-def]
    from assistant.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(Settings(), [])
    qtbot.addWidget(dialog)
    choices = [dialog.sensitivity.itemData(i) for i in range(dialog.sensitivity.count())]
    assert choices == ["strict", "normal", "loose"]
    assert dialog.result_settings().sensitivity == "normal"
    dialog.sensitivity.setCurrentIndex(2)
    assert dialog.result_settings().sensitivity == "loose"
