"""benchmarks/real_commands.py: a command file written as JSGF for PocketSphinx."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from assistant.commands.grammar import parse_grammar
from models.errors import DataError

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

COMMANDS = """
intents:
  Lights:
    - "(turn | switch) on [the] {room} lights"
  Count:
    - "count to {n:number 1..3}"
    - "say zorblax"
lists:
  room:
    values:
      - "kitchen"
      - in: "living room"
        out: "living_room"
      - "qwertyroom"
"""


@pytest.fixture
def real_commands(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module("real_commands")


def test_every_sayable_sentence_becomes_jsgf(real_commands: ModuleType) -> None:
    grammar = parse_grammar([("t.yaml", COMMANDS)])
    unknown = {"zorblax", "qwertyroom"}
    text, missing = real_commands.jsgf_of(grammar, "t", lambda word: word not in unknown)
    assert text == (
        "#JSGF V1.0;\ngrammar t;\npublic <command> = "
        "( ( turn | switch ) on [ ( the ) ] ( ( kitchen ) | ( living room ) ) lights ) "
        "| ( count to ( one | two | three ) );\n"
    )
    assert missing == unknown


def test_a_grammar_with_nothing_sayable_or_only_free_text_is_refused(
    real_commands: ModuleType,
) -> None:
    grammar = parse_grammar([("t.yaml", 'intents:\n  Note:\n    - "note {text:text}"\n')])
    with pytest.raises(DataError, match="no sentence PocketSphinx can say"):
        real_commands.jsgf_of(grammar, "t", lambda word: True)


def test_pocketsphinx_reads_the_grammar(real_commands: ModuleType) -> None:
    pocketsphinx = pytest.importorskip("pocketsphinx")
    decoder = pocketsphinx.Decoder(samprate=16000, loglevel="FATAL")
    grammar = parse_grammar([("t.yaml", COMMANDS)])
    text, _ = real_commands.jsgf_of(grammar, "t", lambda w: decoder.lookup_word(w) is not None)
    decoder.add_jsgf_string("t", text)
    decoder.activate_search("t")
    assert decoder.current_search() == "t"


def test_noise_is_added_at_the_asked_snr_and_is_the_same_each_time(
    real_commands: ModuleType,
) -> None:
    rng = np.random.default_rng(3)
    clips = {f"c{i}": rng.standard_normal(16000).astype(np.float32) * 0.1 for i in range(4)}
    talkers = [rng.standard_normal(8000).astype(np.float32) for _ in range(3)]
    noisy = real_commands.with_noise(clips, 10.0, talkers)
    again = real_commands.with_noise(clips, 10.0, talkers)
    for key, clip in clips.items():
        added = noisy[key] - clip
        snr = 20 * np.log10(np.sqrt(np.mean(clip**2)) / np.sqrt(np.mean(added**2)))
        assert snr == pytest.approx(10.0, abs=0.05)
        np.testing.assert_array_equal(noisy[key], again[key])
    with pytest.raises(DataError, match="three talkers"):
        real_commands.with_noise(clips, 10.0, talkers[:2])


def test_each_kind_of_noise_is_what_it_says(real_commands: ModuleType) -> None:
    rng = np.random.default_rng(4)
    clips = {f"c{i}": rng.standard_normal(16000).astype(np.float32) for i in range(4)}
    hum_1khz = np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000).astype(np.float32)
    talkers = [hum_1khz] * 3

    def share_at_1khz(noise: np.ndarray) -> float:
        power = np.abs(np.fft.rfft(noise)) ** 2  # 1 Hz a bin
        return float(power[995:1006].sum() / power.sum())

    shares = {
        kind: [
            share_at_1khz(noisy - clips[key])
            for key, noisy in real_commands.with_noise(clips, 0.0, talkers, kind=kind).items()
        ]
        for kind in ("babble", "coloured", "mixed")
    }
    assert min(shares["babble"]) > 0.9
    assert max(shares["coloured"]) < 0.1
    assert [share > 0.9 for share in shares["mixed"]] == [True, False, True, False]
    assert real_commands.with_noise(clips, 0.0, [], kind="coloured").keys() == clips.keys()
    with pytest.raises(DataError, match="noise kind"):
        real_commands.with_noise(clips, 0.0, talkers, kind="kitchen")
