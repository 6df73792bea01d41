"""``assistant say`` and ``assistant recognize --run``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.cli import main
from assistant.commands.grammar import BUILTIN_DIR
from assistant.vocabulary import TOKENS


def test_say_prints_the_reply(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["say", "--commands", str(BUILTIN_DIR), "what", "is", "seven", "times", "eight"]
    assert main(argv) == 0
    assert capsys.readouterr().out == "7 times 8 is 56.\n"


def test_say_json_and_notes_in_the_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["say", "--commands", str(BUILTIN_DIR), "--data-dir", str(tmp_path), "--json"]
    assert main([*base, "note buy milk"]) == 0
    assert main([*base, "read my notes"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert records == [
        {
            "intent": "AddNote",
            "slots": {"note": "buy milk"},
            "confidence": 1.0,
            "text": "note buy milk",
            "reply": "Noted: buy milk.",
        },
        {
            "intent": "ReadNotes",
            "slots": {},
            "confidence": 1.0,
            "text": "read my notes",
            "reply": "You have 1 note: buy milk.",
        },
    ]


def test_say_out_of_grammar(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["say", "--commands", str(BUILTIN_DIR), "--json", "make me a sandwich"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["intent"], record["reply"]) == (None, "Sorry, I didn't catch that.")


def test_recognize_run_adds_the_reply(
    tmp_path: Path, make_model, capsys: pytest.CaptureFixture[str]
) -> None:
    bias = np.zeros(len(TOKENS))
    bias[TOKENS.index("a")] = 10.0
    model = make_model("says_a.onnx", weights=np.zeros((80, len(TOKENS))), bias=bias)
    grammar = tmp_path / "letters.yaml"
    grammar.write_text("intents:\n  Letter: [a]\n", encoding="utf-8")
    wav = tmp_path / "one.wav"
    audio = 0.001 * np.random.default_rng(0).standard_normal(8000)
    audio[2000:6000] += 0.3 * np.sin(np.arange(4000) * 2 * np.pi * 220 / 16000)  # speech-like
    sf.write(str(wav), audio, 16000)
    common = ["recognize", "--model", str(model), "--commands", str(grammar), str(wav)]
    assert main(common) == 0
    assert main([*common, "--run", "--data-dir", str(tmp_path)]) == 0
    plain, run = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert set(plain) == {"path", "intent", "slots", "confidence", "text"}
    assert run == {**plain, "reply": "I don't know how to do that yet."}
