"""Volume changes through pactl or amixer, with the argv asserted."""

from __future__ import annotations

import subprocess

import pytest

from assistant.commands.intents import RecognitionResult
from assistant.skills.volume import CANNOT, VolumeAction, VolumeControl, volume_argv


@pytest.mark.parametrize(
    ("intent", "reply", "argv"),
    [
        ("VolumeUp", "Volume up.", ["pactl", "set-sink-volume", "@DEFAULT_SINK@", "+10%"]),
        ("VolumeDown", "Volume down.", ["pactl", "set-sink-volume", "@DEFAULT_SINK@", "-10%"]),
        ("Mute", "Mute toggled.", ["pactl", "set-sink-mute", "@DEFAULT_SINK@", "toggle"]),
    ],
)
def test_pactl_is_preferred(make_skills, recorder, intent: str, reply: str, argv) -> None:
    skills = make_skills()
    assert skills.handle(RecognitionResult(intent, {}, 1.0, "")).text == reply
    assert recorder.runs == [argv]


def test_amixer_when_pactl_is_missing(make_skills, recorder) -> None:
    recorder.installed = {"amixer"}
    skills = make_skills()
    for intent in ("VolumeUp", "VolumeDown", "Mute"):
        skills.handle(RecognitionResult(intent, {}, 1.0, ""))
    assert recorder.runs == [
        ["amixer", "-q", "sset", "Master", "10%+"],
        ["amixer", "-q", "sset", "Master", "10%-"],
        ["amixer", "-q", "sset", "Master", "toggle"],
    ]


def test_neither_tool_installed(make_skills, recorder) -> None:
    recorder.installed = set()
    reply = make_skills().handle(RecognitionResult("VolumeUp", {}, 1.0, ""))
    assert (reply.text, recorder.runs) == ("I can't change the volume on this system.", [])


def test_failing_pactl_falls_back_to_amixer() -> None:
    runs: list[list[str]] = []

    def runner(argv) -> None:
        runs.append(list(argv))
        if argv[0] == "pactl":
            raise subprocess.CalledProcessError(1, argv, stderr="Connection refused")

    control = VolumeControl(runner=runner, which=lambda name: name, step_percent=5)
    assert control.change(VolumeAction.UP) == "Volume up."
    assert [argv[0] for argv in runs] == ["pactl", "amixer"]
    assert runs[1] == ["amixer", "-q", "sset", "Master", "5%+"]


def test_all_tools_failing_is_reported() -> None:
    def runner(argv) -> None:
        raise FileNotFoundError(argv[0])

    assert VolumeControl(runner=runner, which=lambda n: n).change(VolumeAction.MUTE) == CANNOT


def test_unknown_tool_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown volume tool 'osascript'"):
        volume_argv("osascript", VolumeAction.UP)
