"""Push-to-talk pauses: real speech with seconds of room tone around it, trimmed or not.

    .venv/bin/python benchmarks/pauses.py [--model assistant/models/bilstm_ctc.onnx]
        [--pause 1.5] [--per-set 120] [--json pauses.json]

A push-to-talk recording runs from key down to key up, so it holds quiet before and after the
command. Each real test utterance is recognised (greedy CER) four ways: as recorded, and with
``--pause`` seconds of its own room tone added at both ends (``models.augment``'s
``pad_with_room_tone``), each without and with the runtime's ``trim_pauses`` (the default of
``Recognizer.log_probs``). Needs ``../shared/data/speech``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from assistant.audio.files import load_audio
from assistant.decoding.greedy import greedy_decode
from assistant.recognizer import Recognizer, default_model_path
from models.augment import pad_with_room_tone
from models.data.real_speech import load_corpus
from models.evaluate import score

CORPORA = ("an4", "speechocean762", "gsc_subsets")
CONDITIONS = ("as recorded", "as recorded, trimmed", "paused", "paused, trimmed")


def main() -> int:
    """Print greedy CER per corpus and condition."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=default_model_path(), help="ONNX model")
    parser.add_argument("--pause", type=float, default=1.5, help="seconds added at each end")
    parser.add_argument("--per-set", type=int, default=120, help="utterances per corpus")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the room tone")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    recognizer = Recognizer(args.model)
    rng = np.random.default_rng(args.seed)
    figures: dict[str, dict[str, float]] = {}
    print(f"model {args.model.name}; {args.pause} s of room tone at each end; greedy CER %")
    print(f"{'set':<16}" + "".join(f"{c:>22}" for c in CONDITIONS))
    for corpus in CORPORA:
        utterances = load_corpus(corpus, "test")
        utterances = utterances[:: max(1, len(utterances) // args.per_set)][: args.per_set]
        heard: dict[str, list[str]] = {c: [] for c in CONDITIONS}
        for utterance in utterances:
            audio = load_audio(utterance.path)
            paused = pad_with_room_tone(audio, args.pause, args.pause, rng)
            for condition, signal, trim in (
                (CONDITIONS[0], audio, False),
                (CONDITIONS[1], audio, True),
                (CONDITIONS[2], paused, False),
                (CONDITIONS[3], paused, True),
            ):
                heard[condition].append(greedy_decode(recognizer.log_probs(signal, trim=trim)))
        references = [u.transcript for u in utterances]
        figures[corpus] = {
            c: round(100 * score(corpus, references, heard[c]).cer, 1) for c in CONDITIONS
        }
        print(f"{corpus:<16}" + "".join(f"{figures[corpus][c]:>22.1f}" for c in CONDITIONS))
    if args.json is not None:
        args.json.write_text(json.dumps({"model": args.model.name, "cer": figures}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
