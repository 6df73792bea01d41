"""The push-to-talk engine without Qt: a WAV-backed source, a tiny model, fake skills."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.audio.sources import WavFileSource
from assistant.commands.grammar import CommandSet
from assistant.commands.intents import RecognitionResult
from assistant.engine import Engine, EngineConfig, Turn
from assistant.errors import AssistantError
from assistant.pipeline import UnderstandOptions
from assistant.recognizer import Recognizer
from assistant.skills.dispatch import NOT_CAUGHT
from assistant.vocabulary import BLANK_ID, TOKENS

COMMANDS = """
intents:
  GetTime:
    - "what time is it"
  Stop:
    - "stop"
"""


@dataclass(frozen=True)
class FakeReply:
    text: str
    speak: bool = False


class FakeSkills:
    def __init__(self, fail: bool = False) -> None:
        self.results: list[RecognitionResult] = []
        self.fail = fail

    def handle(self, result: RecognitionResult) -> FakeReply:
        self.results.append(result)
        if self.fail:
            raise AssistantError("the clock is broken")
        return FakeReply(f"handled {result.intent}")


class SaysText:
    """An acoustic model that hears ``text`` in any audio (peaky CTC log-probs)."""

    def __init__(self, info: object, text: str) -> None:
        self.info = info
        self.text = text
        self.calls = 0

    def log_probs(self, audio: np.ndarray) -> np.ndarray:
        self.calls += 1
        path = [BLANK_ID]
        for char in self.text:
            path += [TOKENS.index(char), BLANK_ID]
        scores = np.full((len(path), len(TOKENS)), np.log(0.01 / len(TOKENS)), np.float32)
        scores[np.arange(len(path)), path] = np.log(0.99)
        return scores


def write_speechlike(path: Path, seconds: float = 1.0, rate: int = 44100) -> Path:
    t = np.arange(int(rate * seconds)) / rate
    audio = 0.3 * np.sin(2 * np.pi * 300 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
    sf.write(str(path), audio.astype(np.float32), rate)
    return path


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    return write_speechlike(tmp_path / "speech.wav")


@pytest.fixture
def commands() -> CommandSet:
    return CommandSet.from_yaml(COMMANDS)


def pump_blocks(engine: Engine, count: int) -> list:
    updates = []
    while len(updates) < count:
        update = engine.pump(timeout=1.0)
        if update is not None:
            updates.append(update)
    return updates


def test_push_to_talk_turn_with_a_tiny_model(
    model_path: Path, wav: Path, commands: CommandSet
) -> None:
    skills = FakeSkills()
    engine = Engine(WavFileSource(wav, speed=20.0), Recognizer(model_path), commands, skills)
    engine.start()
    pump_blocks(engine, 12)  # fills the pre-roll
    engine.begin_utterance()
    assert engine.audio().size == 300 * 16  # 300 ms of pre-roll
    updates = pump_blocks(engine, 20)
    partials = [u.partial for u in updates if u.partial is not None]
    assert len(partials) >= 1 and all(isinstance(p, str) for p in partials)
    assert all(-100.0 <= u.level_dbfs <= 0.0 for u in updates)
    turn = engine.end_utterance()
    engine.stop()
    assert isinstance(turn, Turn)
    assert turn.timings.audio_ms >= 900
    assert turn.timings.acoustic_ms > 0
    assert turn.timings.total_ms >= turn.timings.to_intent_ms > 0
    assert turn.reply == f"handled {turn.result.intent}"
    assert skills.results == [turn.result]
    assert not engine.listening


def test_recognised_command_is_handed_to_the_skills(
    model_path: Path, wav: Path, commands: CommandSet
) -> None:
    model = SaysText(Recognizer(model_path).info, "what time is it")
    skills = FakeSkills()
    engine = Engine(WavFileSource(wav, speed=20.0), model, commands, skills)
    engine.start()
    engine.begin_utterance()
    pump_blocks(engine, 10)
    turn = engine.end_utterance()
    engine.stop()
    assert turn.heard == "what time is it"
    assert (turn.result.intent, turn.result.text) == ("GetTime", "what time is it")
    assert turn.result.confidence > 0.5
    assert (turn.reply, turn.speak) == ("handled GetTime", False)


def test_too_short_an_utterance_is_rejected_without_decoding(
    model_path: Path, wav: Path, commands: CommandSet
) -> None:
    model = SaysText(Recognizer(model_path).info, "stop")
    engine = Engine(WavFileSource(wav, speed=20.0), model, commands)
    engine.start()
    pump_blocks(engine, 12)
    engine.begin_utterance()  # and released at once: only the pre-roll
    turn = engine.end_utterance(drain=False)
    engine.stop()
    assert (turn.result.intent, turn.heard, turn.reply) == (None, "", NOT_CAUGHT)
    assert model.calls == 0


def test_a_failing_skill_says_why(model_path: Path, wav: Path, commands: CommandSet) -> None:
    model = SaysText(Recognizer(model_path).info, "stop")
    engine = Engine(WavFileSource(wav, speed=20.0), model, commands, FakeSkills(fail=True))
    engine.start()
    engine.begin_utterance()
    pump_blocks(engine, 10)
    turn = engine.end_utterance()
    engine.stop()
    assert turn.result.intent == "Stop"
    assert turn.reply == "Sorry, that did not work: the clock is broken"


def test_hands_free_starts_and_ends_by_voice_activity(
    model_path: Path, tmp_path: Path, commands: CommandSet
) -> None:
    rate = 16000
    silence = np.zeros(int(0.5 * rate), np.float32)
    t = np.arange(int(0.6 * rate)) / rate
    speech = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    noise_floor = 1e-4 * np.random.default_rng(0).standard_normal(int(2.1 * rate))
    audio = np.concatenate([silence, speech, silence, silence]) + noise_floor.astype(np.float32)
    sf.write(str(tmp_path / "hf.wav"), audio, rate)
    model = SaysText(Recognizer(model_path).info, "stop")
    config = EngineConfig(hands_free=True)
    engine = Engine(WavFileSource(tmp_path / "hf.wav", speed=20.0), model, commands, None, config)
    engine.start()
    updates = pump_blocks(engine, 70)  # 2.1 s
    engine.stop()
    assert sum(u.started for u in updates) == 1
    turns = [u.turn for u in updates if u.turn is not None]
    assert len(turns) == 1
    assert turns[0].result.intent == "Stop"
    assert 1000 <= turns[0].timings.audio_ms <= 1800  # pre-roll + speech + 700 ms of silence


def test_muted_while_speaking_its_own_voice_starts_nothing(
    model_path: Path, tmp_path: Path, commands: CommandSet
) -> None:
    """The assistant's spoken reply, heard by the microphone, is not taken for a command."""
    rate = 16000
    silence = np.zeros(int(0.5 * rate), np.float32)
    t = np.arange(int(0.6 * rate)) / rate
    speech = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    sf.write(str(tmp_path / "reply.wav"), np.concatenate([silence, speech, silence]), rate)
    model = SaysText(Recognizer(model_path).info, "stop")
    config = EngineConfig(hands_free=True)
    source = WavFileSource(tmp_path / "reply.wav", speed=20.0)
    engine = Engine(source, model, commands, None, config)
    engine.muted = True
    engine.start()
    updates = pump_blocks(engine, 50)  # 1.5 s: silence, the "reply", silence
    assert [u.started or u.turn is not None for u in updates] == [False] * 50
    assert max(u.level_dbfs for u in updates) > -20.0  # it was heard, and ignored
    # push-to-talk pressed while it spoke: the pre-roll holds none of its voice
    engine.begin_utterance()
    assert engine.audio().size == 0
    engine.cancel_utterance()
    engine.muted = False
    pump_blocks(engine, 5)
    engine.begin_utterance(preroll=False)  # just after it spoke: the echo is left out too
    assert engine.audio().size == 0
    engine.cancel_utterance()
    pump_blocks(engine, 10)
    engine.begin_utterance()
    assert engine.audio().size > 0  # unmuted: the pre-roll fills again
    engine.stop()
    assert model.calls == 0


def test_the_core_imports_neither_qt_nor_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys, assistant.engine, assistant.audio.sources, assistant.audio.endpoint; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'torch', 'onnx')); print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr


def test_the_sensitivity_sets_the_threshold(
    model_path: Path, wav: Path, commands: CommandSet
) -> None:
    from assistant.commands.confidence import load_calibration

    calibration = load_calibration()
    thresholds = []
    for sensitivity in ("strict", "normal", "loose"):
        config = EngineConfig(understanding=UnderstandOptions(sensitivity=sensitivity))
        engine = Engine(WavFileSource(wav), Recognizer(model_path), commands, None, config)
        thresholds.append(engine.threshold)
        assert engine.threshold == calibration.threshold(sensitivity)
    assert thresholds == sorted(thresholds, reverse=True)
    fixed = Engine(
        WavFileSource(wav),
        Recognizer(model_path),
        commands,
        None,
        EngineConfig(understanding=UnderstandOptions(threshold=0.3)),
    )
    assert fixed.threshold == 0.3
