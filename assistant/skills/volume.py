"""System volume through ``pactl`` (PulseAudio / PipeWire) or ALSA's ``amixer``."""

from __future__ import annotations

import enum
import logging
import shutil
import subprocess
from collections.abc import Callable

from assistant.skills.process import Runner, run_checked

_LOGGER = logging.getLogger(__name__)

STEP_PERCENT = 10
"""Percent of full volume one "louder" or "quieter" changes."""

CANNOT = "I can't change the volume on this system."


class VolumeAction(enum.Enum):
    """What to do to the volume."""

    UP = "up"
    DOWN = "down"
    MUTE = "mute"
    """Toggle mute (neither tool tells cheaply whether it was muted)."""


_REPLIES = {
    VolumeAction.UP: "Volume up.",
    VolumeAction.DOWN: "Volume down.",
    VolumeAction.MUTE: "Mute toggled.",
}


def volume_argv(tool: str, action: VolumeAction, step: int = STEP_PERCENT) -> list[str]:
    """The argv that does ``action`` with ``tool`` (``"pactl"`` or ``"amixer"``)."""
    if tool == "pactl":
        if action is VolumeAction.MUTE:
            return ["pactl", "set-sink-mute", "@DEFAULT_SINK@", "toggle"]
        sign = "+" if action is VolumeAction.UP else "-"
        return ["pactl", "set-sink-volume", "@DEFAULT_SINK@", f"{sign}{step}%"]
    if tool == "amixer":
        if action is VolumeAction.MUTE:
            return ["amixer", "-q", "sset", "Master", "toggle"]
        sign = "+" if action is VolumeAction.UP else "-"
        return ["amixer", "-q", "sset", "Master", f"{step}%{sign}"]
    raise ValueError(f"unknown volume tool {tool!r}: expected 'pactl' or 'amixer'")


class VolumeControl:
    """Changes the volume with the first tool installed that works."""

    TOOLS = ("pactl", "amixer")
    """Tried in this order: pactl reaches PipeWire and PulseAudio, amixer plain ALSA."""

    def __init__(
        self,
        *,
        runner: Runner = run_checked,
        which: Callable[[str], str | None] = shutil.which,
        step_percent: int = STEP_PERCENT,
    ) -> None:
        """``runner`` runs an argv; ``which`` finds a program (both injectable for tests)."""
        if not 1 <= step_percent <= 100:
            raise ValueError(f"step_percent must be 1..100, got {step_percent}")
        self._runner = runner
        self._which = which
        self._step = step_percent

    def change(self, action: VolumeAction) -> str:
        """Do ``action``; returns the reply (:data:`CANNOT` when no tool works)."""
        for tool in self.TOOLS:
            if self._which(tool) is None:
                continue
            argv = volume_argv(tool, action, self._step)
            try:
                self._runner(argv)
            except (OSError, subprocess.SubprocessError) as e:
                # pactl is often installed without a running sound server: try the next tool.
                _LOGGER.warning("%s failed: %s", argv, e)
                continue
            return _REPLIES[action]
        return CANNOT
