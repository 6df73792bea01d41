"""``assistant recognize`` and ``assistant commands check`` on tiny models and grammars."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.cli import main
from assistant.vocabulary import TOKENS


@pytest.fixture
def says_a(make_model) -> Path:
    """A model whose every frame says 'a'."""
    bias = np.zeros(len(TOKENS))
    bias[TOKENS.index("a")] = 10.0
    return make_model("says_a.onnx", weights=np.zeros((80, len(TOKENS))), bias=bias)


@pytest.fixture
def wavs(tmp_path: Path) -> list[Path]:
    """Two short WAV files: a faint noise floor with a loud burst in the middle (speech-like:
    steady noise alone is rejected before the model runs)."""
    paths = []
    for name, seconds in (("one.wav", 0.5), ("two.wav", 0.8)):
        n = int(seconds * 16000)
        audio = 0.001 * np.random.default_rng(0).standard_normal(n)
        audio[n // 4 : 3 * n // 4] += 0.3 * np.sin(np.arange(n // 2) * 2 * np.pi * 220 / 16000)
        sf.write(str(tmp_path / name), audio, 16000, subtype="PCM_16")
        paths.append(tmp_path / name)
    return paths


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path``."""
    path.write_text(text, encoding="utf-8")
    return path


def test_recognize_prints_one_json_line_per_file(
    tmp_path: Path, says_a: Path, wavs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    grammar = write(tmp_path / "letters.yaml", "intents:\n  Letter: [a]\n  Word: [abba]\n")
    argv = ["recognize", "--model", str(says_a), "--commands", str(grammar), *map(str, wavs)]
    assert main(argv) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [set(r) for r in records] == [{"path", "intent", "slots", "confidence", "text"}] * 2
    assert [r["path"] for r in records] == list(map(str, wavs))
    assert [(r["intent"], r["slots"], r["text"]) for r in records] == [("Letter", {}, "a")] * 2
    assert all(0.5 <= r["confidence"] <= 1.0 for r in records)


def test_recognize_rejects_out_of_grammar_with_null_intent(
    says_a: Path, wavs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recognize", "--model", str(says_a), str(wavs[0])]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["intent"], record["slots"], record["text"]) == (None, {}, "a")
    assert 0.0 <= record["confidence"] < 0.5


def test_recognize_with_a_broken_grammar_exits_2(
    tmp_path: Path, says_a: Path, wavs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    grammar = write(tmp_path / "bad.yaml", "intents:\n  A:\n    - 'go {nowhere}'\n")
    argv = ["recognize", "--model", str(says_a), "--commands", str(grammar), str(wavs[0])]
    assert main(argv) == 2
    assert f"{grammar}:3: unknown list 'nowhere'" in capsys.readouterr().err


def test_recognize_skips_unreadable_files(
    tmp_path: Path, says_a: Path, wavs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.wav"
    assert main(["recognize", "--model", str(says_a), str(missing), str(wavs[0])]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line)["path"] for line in captured.out.splitlines()] == [str(wavs[0])]
    assert f"skipping {missing}" in captured.err


def test_commands_check_reports_errors_as_file_line_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path / "bad.yaml", "intents:\n  Brew:\n    - 'make (coffee | tea'\n")
    assert main(["commands", "check", str(bad)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"{bad}:3: unbalanced bracket: ')' missing (in 'make (coffee | tea')"
    )


def test_commands_check_lists_confusable_sentences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(
        tmp_path / "good.yaml",
        "intents:\n  Light: ['lights on', 'open the {app}']\n  Night: ['nights on']\n",
    )
    assert main(["commands", "check", str(good)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{good}: OK: 2 intents, 3 templates")
    assert out[1:] == ["confusable (1 edits): Light: 'lights on' ~ Night: 'nights on'"]


def test_recognize_accepts_json_as_the_other_commands_do(
    tmp_path: Path, says_a: Path, wavs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    grammar = write(tmp_path / "letters.yaml", "intents:\n  Letter: [a]\n")
    argv = ["recognize", "--json", "--model", str(says_a), "--commands", str(grammar)]
    assert main([*argv, str(wavs[0])]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["intent"], record["text"]) == ("Letter", "a")


def test_a_broken_file_is_left_out_with_file_and_line_and_the_rest_still_works(
    tmp_path: Path, says_a: Path, wavs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "commands"
    folder.mkdir()
    good = write(folder / "a_letters.yaml", "intents:\n  Letter: [a]\n")
    broken = write(folder / "b_broken.yaml", "intents:\n  Lights:\n    - 'turn on (the'\n")
    unknown = write(folder / "c_list.yaml", "intents:\n  Go:\n    - 'go {nowhere}'\n")
    argv = ["recognize", "--model", str(says_a), "--commands", str(folder), str(wavs[0])]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert (json.loads(captured.out)["intent"], good.exists()) == ("Letter", True)
    warnings = captured.err.splitlines()
    assert len(warnings) == 2
    assert warnings[0].startswith(f"assistant: warning: {broken}:3: unbalanced bracket")
    assert warnings[1].startswith(f"assistant: warning: {unknown}:3: unknown list 'nowhere'")
    assert all(w.endswith("(going on without that file)") for w in warnings)


def test_a_broken_file_in_the_users_folder_leaves_say_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    folder = tmp_path / "config" / "assistant" / "commands"
    folder.mkdir(parents=True)
    broken = write(folder / "mine.yaml", "intents:\n  Lights:\n    - 'turn on (the'\n")
    argv = ["say", "--data-dir", str(tmp_path / "data"), "what", "is", "two", "plus", "two"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.out == "2 plus 2 is 4.\n"
    assert captured.err.startswith(f"assistant: warning: {broken}:3: unbalanced bracket")
