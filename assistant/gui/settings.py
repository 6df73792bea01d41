"""The app's settings: a frozen dataclass persisted as JSON, written atomically.

The file lives at ``user_config_dir("assistant")/settings.json``. Unknown keys are ignored (a
newer version may have written them); a wrong value is an error naming the key.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.atomic import write_text_atomic
from assistant.commands.confidence import DEFAULT_SENSITIVITY, SENSITIVITIES
from assistant.commands.grammar import BUILTIN_DIR, user_commands_dir
from assistant.gui.errors import SettingsError
from assistant.paths import config_dir
from assistant.recognizer import PROVIDER_CHOICES

_LOGGER = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"


def default_settings_path() -> Path:
    """``settings.json`` in :func:`assistant.paths.config_dir`."""
    return config_dir() / SETTINGS_FILE


@dataclass(frozen=True)
class Settings:
    """What the user can change in the settings dialog."""

    input_device: str | None = None
    """Input device name as PortAudio lists it; None for the system default."""
    provider: str = "cpu"
    """Where the model runs: "cpu", "cuda" (GPU) or "auto"."""
    model_path: str | None = None
    """ONNX acoustic model file; None for the bundled model."""
    builtin_commands: bool = True
    """Whether the built-in commands (and the user's commands folder) are loaded."""
    command_files: tuple[str, ...] = ()
    """Extra command grammar files or folders, loaded after the built-in ones."""
    spoken_replies: bool = True
    """Whether replies are spoken aloud as well as shown."""
    shortcut: str = "F9"
    """Push-to-talk key (Qt key sequence text) besides the space bar; held to talk."""
    hands_free: bool = False
    """Listen continuously and end each command by the silence after it."""
    sensitivity: str = DEFAULT_SENSITIVITY
    """How readily a command is accepted: "strict", "normal" or "loose" (points of the
    confidence calibration's trade-off between right commands kept and others accepted)."""

    def __post_init__(self) -> None:
        """Check the values that have a fixed set of choices."""
        if self.provider not in PROVIDER_CHOICES:
            raise SettingsError(
                f"provider is {self.provider!r}, expected one of {', '.join(PROVIDER_CHOICES)}"
            )
        if self.sensitivity not in SENSITIVITIES:
            raise SettingsError(
                f"sensitivity is {self.sensitivity!r}, expected one of {', '.join(SENSITIVITIES)}"
            )

    def command_paths(self) -> list[Path]:
        """The grammar files and folders to load, in order."""
        paths = []
        if self.builtin_commands:
            paths.append(BUILTIN_DIR)
            if user_commands_dir().is_dir():
                paths.append(user_commands_dir())
        return paths + [Path(p) for p in self.command_files]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping of every field."""
        data = dataclasses.asdict(self)
        data["command_files"] = list(self.command_files)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Settings from a mapping; unknown keys are ignored, wrong types raise SettingsError."""
        values: dict[str, Any] = {}
        for name, expected in _TYPES.items():
            if name not in data:
                continue
            value = data[name]
            if isinstance(value, list) and list in expected:
                if not all(isinstance(item, str) for item in value):
                    raise SettingsError(f"setting {name!r} is {value!r}: expected strings")
                value = tuple(value)
            elif not isinstance(value, expected):
                names = " or ".join("null" if t is type(None) else t.__name__ for t in expected)
                raise SettingsError(f"setting {name!r} is {value!r}, expected {names}")
            values[name] = value
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            _LOGGER.info("ignoring unknown settings: %s", ", ".join(sorted(unknown)))
        return cls(**values)


_TYPES: dict[str, tuple[type, ...]] = {
    "input_device": (str, type(None)),
    "provider": (str,),
    "model_path": (str, type(None)),
    "builtin_commands": (bool,),
    "command_files": (list,),
    "spoken_replies": (bool,),
    "shortcut": (str,),
    "hands_free": (bool,),
    "sensitivity": (str,),
}
"""JSON types of each field (a list of strings for a tuple)."""


def load_settings(path: Path | None = None) -> Settings:
    """Settings from ``path`` (default: the user's file); defaults when it does not exist."""
    path = path or default_settings_path()
    if not path.exists():
        return Settings()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SettingsError(f"{path}: cannot read the settings ({e})") from e
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a JSON object, got {type(data).__name__}")
    try:
        return Settings.from_dict(data)
    except SettingsError as e:
        raise SettingsError(f"{path}: {e}") from e


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write ``settings`` to ``path`` atomically (temporary file, fsync, rename); returns it.

    A crash or full disk leaves the previous file intact.
    """
    path = path or default_settings_path()
    text = json.dumps(settings.to_dict(), indent=2, sort_keys=True) + "\n"
    try:
        write_text_atomic(path, text)
    except OSError as e:
        raise SettingsError(f"{path}: cannot write the settings ({e})") from e
    _LOGGER.info("settings saved to %s", path)
    return path
