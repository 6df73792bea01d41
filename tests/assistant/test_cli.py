"""The ``assistant`` command line on tiny models and in-memory WAV files."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.cli import build_parser, main
from assistant.vocabulary import TOKENS


@pytest.fixture
def says_a(make_model) -> Path:
    """A model whose every frame says 'a', so every non-empty file reads "a"."""
    bias = np.zeros(len(TOKENS))
    bias[TOKENS.index("a")] = 10.0
    return make_model("says_a.onnx", weights=np.zeros((80, len(TOKENS))), bias=bias)


def write_wav(path: Path, seconds: float, rate: int = 16000) -> Path:
    """A speech-like WAV of ``seconds`` at ``rate`` Hz: a faint noise floor, then a burst of
    louder noise from a quarter in (steady noise alone counts as no speech)."""
    n = int(seconds * rate)
    noise = 0.002 * np.random.default_rng(0).standard_normal(n)
    noise[n // 4 :] *= 25.0
    sf.write(str(path), noise, rate, subtype="PCM_16")
    return path


def write_noise(path: Path, seconds: float, rate: int = 16000) -> Path:
    """Steady white noise, no speech in it."""
    noise = 0.1 * np.random.default_rng(1).standard_normal(int(seconds * rate))
    sf.write(str(path), noise, rate, subtype="PCM_16")
    return path


def write_tone(path: Path, seconds: float, rate: int = 16000) -> Path:
    """A steady 1 kHz beep."""
    t = np.arange(int(seconds * rate)) / rate
    sf.write(str(path), 0.5 * np.sin(2 * np.pi * 1000 * t), rate, subtype="PCM_16")
    return path


def test_json_lines_for_two_files(
    tmp_path: Path, says_a: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write_wav(tmp_path / "one.wav", 0.5)
    second = write_wav(tmp_path / "two.wav", 1.25, rate=44100)
    status = main(["transcribe", "--model", str(says_a), "--json", str(first), str(second)])
    out = capsys.readouterr().out
    records = [json.loads(line) for line in out.splitlines()]
    assert status == 0
    keys = {"path", "text", "duration_s", "decode_ms", "no_speech"}
    assert [set(r) for r in records] == [keys] * 2
    assert [r["no_speech"] for r in records] == [False, False]
    assert [r["path"] for r in records] == [str(first), str(second)]
    assert [r["text"] for r in records] == ["a", "a"]
    assert [r["duration_s"] for r in records] == [0.5, 1.25]
    assert all(isinstance(r["decode_ms"], float) and r["decode_ms"] >= 0 for r in records)


def test_single_file_prints_the_text_alone(
    tmp_path: Path, says_a: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_wav(tmp_path / "one.wav", 0.3)
    assert main(["transcribe", "--model", str(says_a), "--threads", "2", str(path)]) == 0
    assert capsys.readouterr().out == "a\n"


def test_several_files_print_path_tab_text(
    tmp_path: Path, says_a: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [write_wav(tmp_path / f"{i}.wav", 0.2) for i in range(2)]
    assert main(["transcribe", "--model", str(says_a), *map(str, paths)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{p}\ta" for p in paths]


def test_continues_after_a_corrupt_file_and_exits_1(
    tmp_path: Path, says_a: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt garbage")
    good = write_wav(tmp_path / "good.wav", 0.4)
    missing = tmp_path / "missing.wav"
    status = main(
        ["transcribe", "--model", str(says_a), "--json", str(corrupt), str(good), str(missing)]
    )
    captured = capsys.readouterr()
    assert status == 1
    assert [json.loads(line)["path"] for line in captured.out.splitlines()] == [str(good)]
    errors = captured.err.splitlines()
    assert len(errors) == 2
    assert errors[0].startswith(f"assistant: skipping {corrupt}: {corrupt}: not a readable audio")
    assert errors[1] == f"assistant: skipping {missing}: {missing}: no such audio file"


def test_missing_model_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "absent.onnx"
    audio = write_wav(tmp_path / "one.wav", 0.2)
    assert main(["transcribe", "--model", str(model), str(audio)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"assistant: cannot load the model: {model}: no such model file\n"


def test_mismatched_model_exits_2(
    make_model, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = make_model(overrides={"sample_rate": "8000"})
    audio = write_wav(tmp_path / "one.wav", 0.2)
    assert main(["transcribe", "--model", str(model), str(audio)]) == 2
    assert "sample_rate is 8000 Hz" in capsys.readouterr().err


def test_no_subcommand_starts_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("PySide6.QtWidgets", reason="PySide6 (or its system libraries) missing")
    from assistant.gui import app

    started: list[object] = []
    monkeypatch.setattr(app, "run_app", lambda argv: started.append(argv) or 0)
    assert main([]) == 0
    assert len(started) == 1


def test_app_without_a_display_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("PySide6.QtWidgets", reason="PySide6 (or its system libraries) missing")
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    assert main([]) == 2
    assert "no display" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", "--threads", "0", "x.wav"]) == 2
    assert "must be a positive integer, got 0" in capsys.readouterr().err
    assert main(["transcribe", "--provider", "tpu", "x.wav"]) == 2


def test_every_flag_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    parsers = [parser, *subparsers.choices.values()]
    flags = {opt: a.help for p in parsers for a in p._actions for opt in a.option_strings}
    assert {"--model", "--provider", "--threads", "--json", "--verbose"} <= set(flags)
    assert all(text and len(text.split()) >= 3 for text in flags.values()), flags
    assert main(["transcribe", "--help"]) == 0
    assert "PATH<TAB>TEXT" in capsys.readouterr().out


def test_python_dash_m_assistant(tmp_path: Path, says_a: Path) -> None:
    audio = write_wav(tmp_path / "one.wav", 0.2)
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "transcribe", "--model", str(says_a), str(audio)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "a\n", "")


def transcribe_with_words(
    model: Path, words: Path, text: str | None, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``transcribe --words`` on half a second of noise;
    ``text`` is written to ``words`` first (None: leave the file as it is)."""
    audio = write_wav(words.parent / "one.wav", 0.5)
    if text is not None:
        words.write_text(text)
    status = main(["transcribe", "--model", str(model), "--words", str(words), str(audio)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_words_restrict_the_text(
    tmp_path: Path, says_a: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    words = tmp_path / "words.txt"
    listed = "# what the model may say\nA\n\nbed  # a comment\n"
    assert transcribe_with_words(says_a, words, listed, capsys) == (0, "a\n", "")
    # a list without "a" forces listed words onto the same audio (every frame then costs the
    # same, whatever the text, so the search's bonus per character decides how many)
    status, out, err = transcribe_with_words(says_a, words, "bed\n", capsys)
    assert (status, set(out.split()), err) == (0, {"bed"}, "")


def test_an_unusable_word_list_exits_2_naming_the_line(
    tmp_path: Path, says_a: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    words = tmp_path / "words.txt"
    status, _, err = transcribe_with_words(says_a, words, "yes\n10 minutes\n", capsys)
    assert status == 2
    assert f"{words}:2: '10 minutes' has characters the model cannot spell" in err
    status, _, err = transcribe_with_words(says_a, words, "# nothing\n\n", capsys)
    assert (status, "no words" in err) == (2, True)
    status, _, err = transcribe_with_words(says_a, tmp_path / "missing.txt", None, capsys)
    assert (status, "cannot read word list" in err) == (2, True)


def test_common_words_keep_a_word_heard_plainly_and_exclude_a_word_list(
    tmp_path: Path, says_a: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audio = write_wav(tmp_path / "one.wav", 0.5)
    status = main(["transcribe", "--model", str(says_a), "--common-words", str(audio)])
    assert (status, capsys.readouterr().out) == (0, "a\n")
    words = tmp_path / "words.txt"
    words.write_text("a\n")
    args = ["transcribe", "--model", str(says_a), "--common-words", "--words", str(words)]
    assert main([*args, str(audio)]) == 2
    assert "--words and --common-words exclude each other" in capsys.readouterr().err


def test_no_speech_is_not_transcribed_and_json_says_so(
    tmp_path: Path, says_a: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noise = write_noise(tmp_path / "noise.wav", 3.0)
    beep = write_tone(tmp_path / "beep.wav", 0.1)
    speech = write_wav(tmp_path / "speech.wav", 0.5)
    for path in (noise, beep):  # one file: nothing at all on stdout
        assert main(["transcribe", "--model", str(says_a), str(path)]) == 0
        assert capsys.readouterr().out == ""
    assert main(["transcribe", "--model", str(says_a), str(noise), str(speech)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{noise}\t", f"{speech}\ta"]
    argv = ["transcribe", "--model", str(says_a), "--json", str(noise), str(beep), str(speech)]
    assert main(argv) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["text"], r["no_speech"], r["decode_ms"]) for r in records][:2] == [
        ("", True, 0.0),
        ("", True, 0.0),
    ]
    assert [(r["text"], r["no_speech"]) for r in records][2] == ("a", False)
    assert [r["duration_s"] for r in records] == [3.0, 0.1, 0.5]


def test_a_folder_is_reported_as_a_folder(
    tmp_path: Path, says_a: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["transcribe", "--model", str(says_a), str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"assistant: skipping {tmp_path}: {tmp_path}: is a folder, not an audio file\n"
    )


def test_transcribe_help_names_every_format_that_works(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", "--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("WAV", "FLAC", "Ogg", "Opus", "MP3")), out


def test_mp3_and_opus_files_are_read(
    tmp_path: Path, says_a: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audio, rate = sf.read(str(write_wav(tmp_path / "speech.wav", 0.6, rate=48000)))
    formats = {"speech.mp3": ("MP3", None), "speech.opus": ("OGG", "OPUS")}
    paths = []
    for name, (container, subtype) in formats.items():
        if container not in sf.available_formats():
            pytest.skip(f"this libsndfile cannot write {container}")
        sf.write(str(tmp_path / name), audio, rate, format=container, subtype=subtype)
        paths.append(tmp_path / name)
    assert main(["transcribe", "--model", str(says_a), "--json", *map(str, paths)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["text"], r["no_speech"]) for r in records] == [("a", False)] * 2
