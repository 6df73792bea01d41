"""Real people's commands: ours beside PocketSphinx under the same grammar, and beside
Moonshine tiny-en and Whisper tiny.en whose text the grammar parses.

    .venv/bin/python benchmarks/real_commands.py [--peers ours,pocketsphinx,moonshine,whisper]

The commands are the calibration set's real slot parts (``data/calibration/v5``,
``python -m models.calibration.build``): sentences that speechocean762 ``test`` speakers and
wuw_corpus_ii's dev speakers said, made commands of ten to a grammar, each with one word as a
slot filled from a list of ten (``--slots several``: two or three words, each its own slot and
list). For half of them the lists hold the words said (a command: right when the intent and
every slot value are), for the other half one list lacks its word (a near miss: nothing should
be accepted). None of these speakers was trained on.

Ours: the bundled model through :func:`assistant.pipeline.understand`, right and accepted at
the default sensitivity (or ``--sensitivity``'s), and the best sentence with rejection switched
off. PocketSphinx: its US English model searching a JSGF grammar written from the same command
file (every template, list and number; words its dictionary lacks are left out, and counted),
as a user of PocketSphinx would run these commands; it has no rejection, so whatever it hears
is accepted.
Moonshine and Whisper transcribe freely; their text is accepted when the grammar parses it.
With ``--snr DB`` every clip is heard in a noisy room instead: half of them beside babble of
three held-out Kokoro voices talking at once (a television, other people; ``data/kokoro``'s
test split, voices never trained on), the others beside coloured noise or mains hum, at DB dB
below the speech, the same noise for every recogniser (``--noise babble`` or ``coloured``:
all of one kind).
Needs ``pip install -e '.[peers]'``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import PEERS, normalised  # benchmarks/ is on sys.path as a script
from vs_pocketsphinx import sphinx_text

from assistant.audio.files import load_audio
from assistant.commands.confidence import DEFAULT_SENSITIVITY, SENSITIVITIES, load_calibration
from assistant.commands.expression import Alternative, Expression, Sequence, Slot, Word
from assistant.commands.grammar import CommandSet, Grammar
from assistant.commands.intents import RecognitionResult, match_text
from assistant.pipeline import UnderstandOptions, understand
from assistant.recognizer import Recognizer, default_model_path
from models.augment import add_noise, babble_from
from models.calibration.build import (
    MULTI_SLOT_PARTS,
    ONE_SLOT_PARTS,
    VERSION,
    is_right,
    is_weighed,
    read_set,
)
from models.calibration.fit import audio_path
from models.calibration.grammars import grammars_of
from models.data.dataset import load_tts_corpus
from models.errors import DataError

REAL_PARTS = {"one": ONE_SLOT_PARTS, "several": MULTI_SLOT_PARTS}
"""--slots: the calibration set's parts of real speakers' commands with one slot, or with two
or three."""


def jsgf_of(grammar: Grammar, name: str, known: Callable[[str], bool]) -> tuple[str, set[str]]:
    """A JSGF grammar that says every sentence of ``grammar`` whose words are all ``known``,
    and the words left out."""
    missing: set[str] = set()

    def rule(expression: Expression) -> str | None:
        """JSGF of one expression; None when no sentence of it can be said."""
        if isinstance(expression, Word):
            if known(expression.text):
                return expression.text
            missing.add(expression.text)
            return None
        if isinstance(expression, Sequence):
            parts = [rule(item) for item in expression.items]
            if any(part is None for part in parts):
                return None
            return "( " + " ".join(str(p) for p in parts) + " )" if parts else ""
        if isinstance(expression, Alternative):
            options = [rule(option) for option in expression.options]
            sayable = [o for o in options if o]
            if not sayable:
                return "" if "" in options else None
            body = "( " + " | ".join(sayable) + " )"
            return f"[ {body} ]" if "" in options else body
        if isinstance(expression, Slot):
            values = grammar.slot_body(expression)
            return None if values is None else rule(values)  # free text cannot be written
        raise TypeError(f"unknown expression {expression!r}")

    sentences = [r for r in (rule(t.expression) for t in grammar.templates) if r]
    if not sentences:
        raise DataError(f"grammar {name}: no sentence PocketSphinx can say")
    body = " | ".join(sentences)
    return f"#JSGF V1.0;\ngrammar {name};\npublic <command> = {body};\n", missing


NOISE_KINDS = ("mixed", "babble", "coloured")
"""--noise: every other clip babble and the rest coloured noise or hum, or all of one kind."""


def with_noise(
    clips: dict[str, np.ndarray],
    snr_db: float,
    talkers: list[np.ndarray],
    seed: int = 0,
    kind: str = "mixed",
) -> dict[str, np.ndarray]:
    """``clips`` with noise added at ``snr_db`` dB SNR: babble of three of ``talkers`` or
    coloured noise or hum, by ``kind`` (:data:`NOISE_KINDS`; ``mixed``: babble for every
    other clip in sorted order of the ids); seeded."""
    if kind not in NOISE_KINDS:
        raise DataError(f"noise kind {kind!r}: expected one of {', '.join(NOISE_KINDS)}")
    if kind != "coloured" and len(talkers) < 3:
        raise DataError(f"babble needs three talkers or more, not {len(talkers)}")
    noisy = {}
    for i, key in enumerate(sorted(clips)):
        rng = np.random.default_rng([seed, i])
        babble = None
        if kind == "babble" or (kind == "mixed" and i % 2 == 0):
            chosen = rng.choice(len(talkers), 3, replace=False)
            babble = babble_from([talkers[k] for k in chosen], clips[key].size, rng)
        noisy[key] = add_noise(clips[key], snr_db, rng, babble=babble)
    return noisy


def held_out_talkers(kokoro: Path, count: int = 60) -> list[np.ndarray]:
    """``count`` utterances of the held-out voices of a Kokoro corpus (its test split)."""
    held_out = load_tts_corpus(kokoro, "test")
    if not held_out:
        raise DataError(f"{kokoro}: no test split (python -m models.data.kokoro_corpus)")
    return [load_audio(u.path) for u in held_out[:count]]


def main() -> int:
    """Run the comparison and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=default_model_path(), help="our model")
    parser.add_argument(
        "--peers", default="ours,pocketsphinx,moonshine,whisper", help="which recognisers"
    )
    parser.add_argument("--limit", type=int, default=0, help="utterances at most (0: all)")
    parser.add_argument(
        "--sensitivity", choices=SENSITIVITIES, default=DEFAULT_SENSITIVITY, help="ours"
    )
    parser.add_argument(
        "--snr", type=float, default=None, help="add noise this many dB below the speech"
    )
    parser.add_argument(
        "--noise", choices=NOISE_KINDS, default="mixed", help="with --snr: which noise"
    )
    parser.add_argument(
        "--kokoro", type=Path, default=Path("data/kokoro"), help="held-out voices for babble"
    )
    parser.add_argument(
        "--slots", choices=tuple(REAL_PARTS), default="one", help="commands with one slot or more"
    )
    args = parser.parse_args()
    parts = REAL_PARTS[args.slots]
    folder = Path(f"data/calibration/v{VERSION}")
    try:
        rows = [r for r in read_set(folder) if r["part"] in parts and is_weighed(r)]
    except DataError as e:
        raise SystemExit(f"real_commands: {e} (python -m models.calibration.build)") from e
    if args.limit:
        rows = rows[:: max(1, len(rows) // args.limit)][: args.limit]
    grammars = grammars_of(rows, folder)
    audio = {row["id"]: load_audio(audio_path(row, folder)) for row in rows}
    if args.snr is not None:
        try:
            talkers = [] if args.noise == "coloured" else held_out_talkers(args.kokoro)
            audio = with_noise(audio, args.snr, talkers, kind=args.noise)
        except DataError as e:
            raise SystemExit(f"real_commands: {e}") from e
        print(f"in noise ({args.noise}) at {args.snr:g} dB SNR")
    seconds = sum(a.size for a in audio.values()) / 16000
    commands = sum(bool(r["intent"]) for r in rows)
    kind = "one-slot" if args.slots == "one" else "two- and three-slot"
    print(
        f"{commands} real {kind} commands and {len(rows) - commands} near misses "
        f"({', '.join(parts)}; {len(grammars)} grammars; {seconds / len(rows):.1f} s mean)"
    )
    print(
        "right+accepted / best right: % of the commands; near: % of the near misses accepted; "
        "RTF on one thread"
    )
    header = ["recogniser"] + [f"{p} right+accepted / best / near" for p in (*parts, "all")]
    print(" | ".join([*header, "RTF"]))
    for name in args.peers.split(","):
        try:
            decide = _recogniser(name, args.model, grammars, args.sensitivity)
        except ImportError as e:
            print(f"{name}: not installed ({e}): pip install -e '.[peers]'")
            continue
        outcome: list[tuple[str, bool, bool, bool]] = []  # part, command, best right, accepted
        spent = 0.0
        for row in rows:
            start = time.perf_counter()
            result, accepted = decide(audio[row["id"]], row["grammar"])
            spent += time.perf_counter() - start
            heard = is_right(result, row) if row["intent"] else result.intent is not None
            outcome.append((row["part"], bool(row["intent"]), heard, heard and accepted))
        cells = [name]
        for part in (*parts, None):
            mine = [o for o in outcome if part is None or o[0] == part]
            said = [o for o in mine if o[1]]
            near = [o for o in mine if not o[1]]
            cells.append(
                f"{100 * sum(o[3] for o in said) / max(len(said), 1):.1f} / "
                f"{100 * sum(o[2] for o in said) / max(len(said), 1):.1f} / "
                f"{100 * sum(o[3] for o in near) / max(len(near), 1):.1f}"
            )
        print(" | ".join([*cells, f"{spent / seconds:.3f}"]), flush=True)
    return 0


Decide = Callable[[np.ndarray, str], tuple[RecognitionResult, bool]]
"""(audio, grammar name) -> (the best sentence's result, whether it is accepted)."""


def _recogniser(
    name: str, model: Path, grammars: dict[str, CommandSet], sensitivity: str
) -> Decide:
    if name == "ours":
        recognizer = Recognizer(model, intra_op_num_threads=1)
        calibration = load_calibration(model)
        threshold = calibration.threshold(sensitivity)
        print(f"ours: {model.name}, sensitivity {sensitivity} (threshold {threshold:.3f})")
        everything = UnderstandOptions(threshold=0.0)

        def ours(clip: np.ndarray, grammar: str) -> tuple[RecognitionResult, bool]:
            found = understand(
                clip, recognizer, grammars[grammar], everything, calibration=calibration
            ).result
            return found, found.intent is not None and found.confidence >= threshold

        return ours
    if name == "pocketsphinx":
        from pocketsphinx import Decoder

        decoder = Decoder(samprate=16000, loglevel="FATAL")
        left_out: set[str] = set()
        for grammar_name, commands in grammars.items():
            text, missing = jsgf_of(
                commands.grammar,
                grammar_name.replace("-", "_"),
                lambda w: decoder.lookup_word(w) is not None,
            )
            left_out |= missing
            decoder.add_jsgf_string(grammar_name, text)
        print(
            f"pocketsphinx: {len(left_out)} words not in its dictionary, left out: "
            f"{' '.join(sorted(left_out))}"
        )

        def sphinx(clip: np.ndarray, grammar: str) -> tuple[RecognitionResult, bool]:
            decoder.activate_search(grammar)
            return match_text(sphinx_text(decoder, clip), grammars[grammar]), True

        return sphinx
    transcribe, _ = PEERS[name]()

    def free(clip: np.ndarray, grammar: str) -> tuple[RecognitionResult, bool]:
        found = match_text(normalised(transcribe(clip)), grammars[grammar])
        return found, found.intent is not None

    return free


if __name__ == "__main__":
    raise SystemExit(main())
