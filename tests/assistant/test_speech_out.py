"""Text-to-speech through installed programs: argv lists, a real WAV from espeak-ng."""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import soundfile as sf

from assistant import speech_out
from assistant.errors import SpeechOutputError
from assistant.speech_out import ENGINES, Speaker, plan

SHELLS = {"sh", "bash", "dash", "zsh", "/bin/sh", "/bin/bash", "cmd", "cmd.exe", "powershell"}
NASTY = "-v; rm -rf ~ && echo $(whoami) `id` | cat"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("player", [None, "aplay"])
def test_plans_are_argv_lists_without_a_shell(engine: str, player: str | None) -> None:
    steps = plan(engine, NASTY, Path("/tmp/x.wav"), player=player)
    for step in steps:
        assert isinstance(step.argv, tuple) and all(isinstance(a, str) for a in step.argv)
        assert step.argv[0] not in SHELLS and "-c" not in step.argv
    # The text travels whole, as one argument or on stdin, never split or interpreted.
    carried = [a for s in steps for a in s.argv if a == NASTY] + [
        s.stdin for s in steps if s.stdin == NASTY
    ]
    assert carried == [NASTY]


def test_plans_per_engine() -> None:
    wav = Path("out.wav")
    assert [s.argv for s in plan("espeak-ng", "hi", wav)] == [
        ("espeak-ng", "-w", "out.wav", "--stdin")
    ]
    assert [s.argv for s in plan("flite", "hi", wav, player="aplay")] == [("flite", "-t", "hi")]
    assert [s.argv for s in plan("pico2wave", "hi", wav, player="paplay")] == [
        ("pico2wave", "-w", "out.wav", "--", "hi"),
        ("paplay", "out.wav"),
    ]
    with pytest.raises(ValueError, match="unknown engine 'say'"):
        plan("say", "hi", wav)


def test_engine_preference_and_absence(caplog: pytest.LogCaptureFixture) -> None:
    installed = {"flite", "pico2wave", "aplay"}
    finder = {name: f"/usr/bin/{name}" for name in installed}.get
    assert Speaker(which=finder).engine == "pico2wave"
    assert Speaker("flite", which=finder).engine == "flite"
    assert Speaker("none", which=finder).engine is None
    silent = Speaker(which=lambda name: None)
    assert (silent.engine, silent.available()) == (None, False)
    silent.speak("hello")
    silent.speak("again")
    assert [r.message for r in caplog.records].count(
        "no text-to-speech engine installed (tried espeak-ng, pico2wave, flite)"
    ) == 1
    assert silent.wait(0.0)
    with pytest.raises(SpeechOutputError, match="no text-to-speech engine"):
        silent.synthesize("hello", Path("x.wav"))
    with pytest.raises(ValueError, match="unknown TTS engine 'say'"):
        Speaker("say")


@pytest.mark.tts
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_ng_writes_a_wav(tmp_path: Path) -> None:
    wav = tmp_path / "reply.wav"
    Speaker("espeak-ng").synthesize("It's 3:05 PM.", wav)
    audio, rate = sf.read(str(wav))
    assert rate == 22050
    assert 0.5 < len(audio) / rate < 5.0
    assert abs(audio).max() > 0.05


def test_stop_ends_speech_and_drops_the_queue(tmp_path: Path) -> None:
    # A fake engine stands in for the sound card: it logs its text, then "speaks" for 30 s.
    # Popen is wrapped only to know when the fake has started, so stop() really interrupts it.
    log = tmp_path / "said.txt"
    log.write_text("", encoding="utf-8")
    script = tmp_path / "espeak-ng"
    script.write_text(f'#!/bin/sh\ncat >> "{log}"\nexec sleep 30\n', encoding="utf-8")
    script.chmod(0o755)
    speaker = Speaker("espeak-ng", which=lambda name: str(script))
    real_popen = subprocess.Popen
    started = threading.Event()

    def popen(argv, **kwargs):  # type: ignore[no-untyped-def]
        process = real_popen(argv, **kwargs)
        assert argv == [str(script), "--stdin"]
        started.set()
        return process

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(speech_out.subprocess, "Popen", popen)
            assert not speaker.speaking()
            speaker.speak("one")
            speaker.speak("two")
            assert started.wait(5.0)
            assert speaker.speaking()  # what the app mutes the microphone by
            speaker.stop()
            assert speaker.wait(5.0)  # long before the 30 s "speech" would end
            assert not speaker.speaking()
    finally:
        speaker.close()
    # Stopped before or after it read its text, the fake never got "two": the queue was dropped.
    assert log.read_text(encoding="utf-8") in ("", "one")
