"""Build the confidence calibration set: utterances that look like users, each with a grammar
and the meaning the recogniser should return (or none, when it should reject).

    python -m models.calibration.build --workers 2

Nine parts, each recognised under its own grammar (see :mod:`models.calibration.grammars`):

* ``kokoro``: commands of the built-in and six everyday grammars, and sentences outside them
  (commands of two other domains, commands with one word changed, everyday sentences), spoken
  by the held-out Kokoro voices (never trained on), alone and blended, at speeds 0.8-1.3, some
  said in pieces with pauses between; 40 % clean, the rest in rooms and noise (5-25 dB SNR).
  Some commands name a timer or write a message with an uncommon word ("called kiri", "remind
  me ... to call kofi"): heard right, they must be accepted too. A command with one word
  changed is a near miss when the word was part of a slot value ("add danger to the list" for
  "ginger": a value the grammar lacks, ``value-changed``); with a carrier word changed ("could
  task add nine cans of beans to my shopping list") it keeps its meaning to a listener, so
  whether it is accepted is left open: such rows (``carrier-changed``) stay in the manifest,
  with the command they were made from (``source``), but the fit does not weigh them.
* ``gsc10``: real Speech Commands clips (speakers never trained on) under ten one-word
  intents; the other 25 words must be rejected.
* ``wake5``: real telephone speech of wuw_corpus_ii's dev speakers under a grammar of its five
  wake words: the words alone are right, the conversational sentences around them are not.
* ``so762``: real accented read sentences (speechocean762 ``test``) under a grammar of 200 of
  them; the others, as close as read sentences get, must be rejected.
* ``real-out``: real sentences of wuw_corpus_ii's dev speakers and speechocean762 ``test``
  under the everyday grammar: none is a command.
* ``so762-slot`` and ``wuw-slot``: other real sentences of speechocean762 ``test`` and the
  sentences of wuw_corpus_ii's dev speakers made commands with a slot, in groups of ten, each
  group a grammar (:mod:`models.calibration.slotted`, the files in ``grammars/``): half are
  commands, half one word off a command (the slot's list lacks the word said).
* ``so762-slots`` and ``wuw-slots``: the same made commands with two or three slots (further
  speechocean762 ``test`` sentences, and wuw_corpus_ii's dev speakers' sentences again), half
  of them one slot value off; measured and reported, not fitted (:data:`UNFITTED_PARTS`).

The set is fixed by :data:`VERSION` and ``--seed``: a rebuild makes the same rows and, from the
same seeds, the same audio (``audio_sha1`` in the manifest lets a rebuild be checked). Real
audio stays in the shared speech folder; the manifest's ``path`` is then ``speech:CORPUS/PATH``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import multiprocessing
import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile as sf

from assistant.commands.grammar import CommandSet
from assistant.commands.intents import match_text
from assistant.features import SAMPLE_RATE
from models.calibration.grammars import (
    GRAMMARS_DIR,
    GSC_COMMAND_WORDS,
    OTHER_DOMAINS,
    SO762_GRAMMAR_SIZE,
    everyday_commands,
    so762_sentences,
)
from models.calibration.slotted import grammar_yaml, slot_sentences
from models.data.command_texts import command_set, sample_commands
from models.data.kokoro import (
    HELD_OUT_VOICES,
    KokoroSpeaker,
    VoiceBlend,
    draw_blend,
    speak_pieces,
    split_into_pieces,
)
from models.data.manifests import read_manifest_rows, write_manifest
from models.data.real_speech import load_corpus, speech_dir
from models.data.texts import TextMix, english_words, sentences
from models.errors import DataError, SynthesisError

_LOGGER = logging.getLogger(__name__)

VERSION = 5
"""Bump when the recipe changes: a calibration is only comparable on the same version."""
UNCOMMON_FREE_TEXTS = (
    "kiri",
    "nala",
    "juno",
    "kofi",
    "tariq",
    "anika",
    "bodhi",
    "priya",
    "mateo",
    "oskar",
    "kemal",
    "amara",
    "remi",
    "soba noodles",
    "gnocchi",
    "kimchi",
    "tiramisu",
    "pilates",
    "zumba class",
    "call kofi",
    "pick up anika",
    "feed bodhi",
    "walk juno",
    "meet tariq at the station",
    "priya's birthday",
    "bake for nala",
    "ring oskar",
    "pho for dinner",
    "remi's homework",
)
"""Free text with a word outside the common words (names, dishes), as users name timers and
write messages: a command heard right must not be rejected for an uncommon word."""
COLUMNS = [
    "id",
    "part",
    "grammar",
    "path",
    "transcript",
    "intent",
    "slots",
    "voice",
    "condition",
    "source",
    "duration",
    "audio_sha1",
]


@dataclass(frozen=True)
class SpokenJob:
    """One Kokoro utterance to make."""

    index: int
    text: str
    pieces: tuple[str, ...]
    """The text in the pieces said with a pause between."""
    blend: VoiceBlend
    speed: float
    noisy: bool
    seed: int

    @property
    def relative_path(self) -> str:
        return f"audio/{self.index:05d}.flac"


def _mutated(text: str, rng: random.Random, vocabulary: list[str]) -> tuple[str, int]:
    """``text`` with one word (not the first) replaced by a common English word, and the
    character offset of that word in ``text``."""
    words = text.split()
    position = rng.randrange(1, len(words)) if len(words) > 1 else 0
    offset = sum(len(word) + 1 for word in words[:position])
    words[position] = rng.choice(vocabulary)
    return " ".join(words), offset


def _changed_kind(source: str, offset: int, active: CommandSet) -> str:
    """``value-changed`` when the word at character ``offset`` of the command ``source`` is
    part of a slot value, else ``carrier-changed``."""
    spans = match_text(source, active).spans
    return "value-changed" if any(s.start <= offset < s.end for s in spans) else "carrier-changed"


def plan_kokoro(
    count_in: int, count_out: int, seed: int, count_names: int = 0
) -> list[tuple[SpokenJob, dict]]:
    """The Kokoro part's jobs with their manifest rows (audio not made yet): ``count_in``
    commands, ``count_out`` sentences outside the grammar, then ``count_names`` commands whose
    free text is one of :data:`UNCOMMON_FREE_TEXTS`."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    active = everyday_commands()
    positives = sample_commands(active, count_in, seed)
    longest = sorted(len(s.text) for s in positives)[len(positives) * 2 // 3] if positives else 0
    others: list[tuple[str, str, str]] = []
    for sample in sample_commands(command_set(OTHER_DOMAINS, builtin=False), count_out, seed + 1):
        others.append((sample.text, "other-domain", ""))
    vocabulary = english_words(3000)
    for sample in sample_commands(active, count_out, seed + 2):
        text, offset = _mutated(sample.text, rng, vocabulary)
        others.append((text, _changed_kind(sample.text, offset, active), sample.text))
    mix = TextMix(commands=0.0, broad=0.8, numbers=0.1, letters=0.0, single_words=0.1)
    others += [(t, "everyday", "") for t in sentences(count_out, seed + 3, mix)]
    rng.shuffle(others)
    others = [other for other in others if active_rejects(active, other[0])][:count_out]

    planned = []
    items = [(s.text, s.intent, s.slots, "command", "") for s in positives]
    items += [(t, "", {}, kind, source) for t, kind, source in others]
    named = [
        s
        for s in sample_commands(active, 10 * count_names, seed + 4, free_texts=UNCOMMON_FREE_TEXTS)
        if set(map(str, s.slots.values())) & set(UNCOMMON_FREE_TEXTS)
    ]
    items += [(s.text, s.intent, s.slots, "uncommon-name", "") for s in named[:count_names]]
    for index, (text, intent, slots, kind, source) in enumerate(items):
        long_form = len(text) >= longest and rng.random() < 0.6
        job = SpokenJob(
            index=index,
            text=text,
            pieces=split_into_pieces(text, rng, share=1.0 if long_form else 0.2),
            blend=draw_blend(np_rng, HELD_OUT_VOICES, max_voices=3, single_share=0.4),
            speed=round(rng.uniform(0.8, 0.95) if long_form else rng.uniform(0.85, 1.3), 2),
            noisy=rng.random() >= 0.4,
            seed=rng.randrange(2**31),
        )
        row = {
            "id": f"kokoro-{index:05d}",
            "part": "kokoro",
            "grammar": "everyday",
            "path": job.relative_path,
            "transcript": text,
            "intent": intent,
            "slots": json.dumps(slots, sort_keys=True),
            "voice": job.blend.speaker_id,
            "condition": ("noisy" if job.noisy else "clean") + f";{kind}",
            "source": source,
        }
        planned.append((job, row))
    return planned


def active_rejects(active: CommandSet, text: str) -> bool:
    """Whether ``text`` is outside the grammar ``active``."""
    return match_text(text, active).intent is None


_SPEAKER: KokoroSpeaker | None = None


def _init_worker() -> None:
    global _SPEAKER
    _SPEAKER = KokoroSpeaker()


def render(job: SpokenJob, speaker: KokoroSpeaker) -> np.ndarray:
    """The job's audio: its pieces said with pauses between, quiet around, then (if noisy) a
    room and noise. float32 at 16 kHz."""
    from models.augment import add_noise, pad_with_room_tone, reverberate

    rng = np.random.default_rng(job.seed)
    audio = speak_pieces(speaker, job.pieces, job.blend, job.speed, rng)
    audio = audio / (float(np.max(np.abs(audio))) + 1e-9) * rng.uniform(0.1, 0.8)
    noise_floor = rng.standard_normal(audio.size) * 10 ** (rng.uniform(-70, -50) / 20)
    audio = pad_with_room_tone(audio + noise_floor.astype(np.float32), 0.3, 0.3, rng)
    audio = pad_with_room_tone(audio, rng.uniform(0.1, 0.6), rng.uniform(0.1, 0.6), rng)
    if job.noisy:
        if rng.random() < 0.7:
            audio = reverberate(audio, rng.uniform(0.2, 0.7), rng)
        audio = add_noise(audio, rng.uniform(5.0, 25.0), rng)
    peak = float(np.max(np.abs(audio))) + 1e-9
    return (audio / max(1.0, peak / 0.99)).astype(np.float32)


def _make(args: tuple[SpokenJob, Path]) -> tuple[int, float, str] | None:
    job, out_dir = args
    target = out_dir / job.relative_path
    if not target.exists():
        if _SPEAKER is None:
            raise RuntimeError("_make runs in a pool whose initializer is _init_worker")
        try:
            audio = render(job, _SPEAKER)
        except SynthesisError as e:
            _LOGGER.warning("skipped %d: %s", job.index, e)
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part.flac")
        sf.write(str(partial), audio, SAMPLE_RATE, subtype="PCM_16")
        partial.replace(target)
    duration = sf.info(str(target)).duration
    return job.index, duration, hashlib.sha1(target.read_bytes()).hexdigest()[:16]


SO762_SLOTTED = 400
"""speechocean762 ``test`` sentences in the so762-slot part."""
SO762_MULTI_SLOTTED = 400
"""Further speechocean762 ``test`` sentences in the so762-slots part (those with two slot
words or more are kept)."""
MULTI_SLOTS = (2, 3)
"""The least and most slots of a sentence in the parts of commands with several slots."""
ONE_SLOT_PARTS = ("so762-slot", "wuw-slot")
"""Real sentences made commands with one slot."""
MULTI_SLOT_PARTS = ("so762-slots", "wuw-slots")
"""Real sentences made commands with two or three slots."""
SLOTTED_PARTS = ONE_SLOT_PARTS + MULTI_SLOT_PARTS
"""The parts whose non-commands are one word off a command of their grammar."""
UNFITTED_PARTS = MULTI_SLOT_PARTS
"""Parts measured and reported but left out of the fit and of its thresholds: the real
commands with two or three slots check that a confidence fitted on one-slot commands carries
to commands with more slots, as users' often have (fitted on them too, it kept fewer of both:
``docs/history.md``, stop 49)."""


def real_rows(seed: int) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The rows of the real parts (gsc10, wake5, so762, real-out, so762-slot, wuw-slot), and
    the slotted parts' command files by grammar name; empty where a corpus is absent."""
    rows: list[dict[str, str]] = []
    grammar_files: dict[str, str] = {}
    root = speech_dir()

    def add_slotted(part: str, utterances: list, salt: int, slots: tuple[int, int]) -> None:
        by_text = {u.transcript: u for u in utterances}
        vocabulary = english_words(5000)
        groups = slot_sentences(list(by_text), vocabulary, seed + salt, max(slots), min(slots))
        for g, group in enumerate(groups):
            name = f"{part}-{g:03d}"
            grammar_files[name] = grammar_yaml(group)
            for s in group:
                listed = s.in_grammar
                meaning = s.meaning if listed else {}
                add(part, name, by_text[s.transcript], s.intent if listed else "", meaning)

    def add(part: str, grammar: str, utterance: object, intent: str, slots: dict) -> None:
        path = Path(utterance.path).relative_to(root)  # type: ignore[attr-defined]
        rows.append(
            {
                "id": f"{part}-{len([r for r in rows if r['part'] == part]):05d}",
                "part": part,
                "grammar": grammar,
                "path": f"speech:{path}",
                "transcript": utterance.transcript,  # type: ignore[attr-defined]
                "intent": intent,
                "slots": json.dumps(slots, sort_keys=True),
                "voice": utterance.speaker,  # type: ignore[attr-defined]
                "condition": "real",
            }
        )

    try:
        for u in load_corpus("gsc_subsets", "test"):
            word = u.transcript
            add("gsc10", "gsc10", u, word.capitalize() if word in GSC_COMMAND_WORDS else "", {})
    except DataError as e:
        _LOGGER.warning("gsc10 skipped: %s", e)
    try:
        wuw = load_corpus("wuw_corpus_ii", "test")
        wakes = {"operator", "think engine", "onward", "wildfire", "voyager"}
        for u in wuw:
            alone = u.transcript in wakes
            add(
                "wake5",
                "wake5",
                u,
                "Wake" if alone else "",
                {"word": u.transcript} if alone else {},
            )
        sentences_ = [u for u in wuw if u.transcript not in wakes]
        rng = random.Random(seed)
        rng.shuffle(sentences_)
        for u in sentences_[:150]:
            add("real-out", "everyday", u, "", {})
        by_path = sorted(sentences_, key=lambda u: u.path)
        add_slotted(ONE_SLOT_PARTS[1], by_path, 11, (1, 1))
        # the same dev speakers' sentences again, with two or three slots: no other held-out
        # conversational speech is at hand
        add_slotted(MULTI_SLOT_PARTS[1], by_path, 13, MULTI_SLOTS)
    except DataError as e:
        _LOGGER.warning("wake5 skipped: %s", e)
    try:
        so762 = load_corpus("speechocean762", "test")
        in_grammar = set(so762_sentences(so762, seed))
        rng = random.Random(seed + 1)
        chosen = [u for u in so762 if u.transcript in in_grammar]
        rest = [u for u in so762 if u.transcript not in in_grammar]
        rng.shuffle(rest)
        for u in chosen:
            add("so762", "so762", u, "Sentence", {"sentence": u.transcript})
        for u in rest[:SO762_GRAMMAR_SIZE]:
            add("so762", "so762", u, "", {})
        for u in rest[SO762_GRAMMAR_SIZE : SO762_GRAMMAR_SIZE + 150]:
            add("real-out", "everyday", u, "", {})
        slotted_from = SO762_GRAMMAR_SIZE + 150
        one_slot = rest[slotted_from : slotted_from + SO762_SLOTTED]
        add_slotted(ONE_SLOT_PARTS[0], one_slot, 12, (1, 1))
        multi_from = slotted_from + SO762_SLOTTED
        multi = rest[multi_from : multi_from + SO762_MULTI_SLOTTED]
        add_slotted(MULTI_SLOT_PARTS[0], multi, 14, MULTI_SLOTS)
    except DataError as e:
        _LOGGER.warning("so762 skipped: %s", e)
    for row in rows:
        info = sf.info(str(root / row["path"].removeprefix("speech:")))
        row["duration"] = f"{info.duration:.3f}"
    return rows, grammar_files


def build(
    out_dir: Path, count_in: int, count_out: int, seed: int, workers: int, count_names: int = 0
) -> Path:
    """Make the set in ``out_dir`` (resumable: made audio is kept); returns its manifest."""
    from tqdm import tqdm

    out_dir.mkdir(parents=True, exist_ok=True)
    planned = plan_kokoro(count_in, count_out, seed, count_names)
    rows_by_index = {job.index: row for job, row in planned}
    with multiprocessing.Pool(workers, initializer=_init_worker) as pool:
        results = pool.imap_unordered(_make, [(job, out_dir) for job, _ in planned], chunksize=4)
        for result in tqdm(results, total=len(planned), desc="kokoro", unit="utt"):
            if result is None:
                continue
            index, duration, digest = result
            rows_by_index[index].update(duration=f"{duration:.3f}", audio_sha1=digest)
    rows = [r for _, r in sorted(rows_by_index.items()) if r.get("duration")]
    real, grammar_files = real_rows(seed)
    rows += real
    (out_dir / GRAMMARS_DIR).mkdir(exist_ok=True)
    for name, text in grammar_files.items():
        (out_dir / GRAMMARS_DIR / f"{name}.yaml").write_text(text, encoding="utf-8")
    manifest = out_dir / "manifest.tsv"
    write_manifest(manifest, rows, COLUMNS)
    (out_dir / "VERSION").write_text(f"{VERSION} seed={seed}\n")
    _LOGGER.info("wrote %d rows to %s", len(rows), manifest)
    return manifest


def is_near_miss(row: Mapping[str, str]) -> bool:
    """Whether a manifest row is no command but a command with a slot value the grammar
    lacks."""
    if row["intent"]:
        return False
    return row["part"] in SLOTTED_PARTS or row["condition"].endswith(";value-changed")


class Meaning(Protocol):
    """What was understood: an intent (None when nothing) and its slot values."""

    @property
    def intent(self) -> str | None: ...

    @property
    def slots(self) -> Mapping[str, object]: ...


def is_right(found: Meaning, row: Mapping[str, str]) -> bool:
    """Whether ``found`` has a manifest row's intent and slot values (never for a row that is
    no command)."""
    return bool(row["intent"]) and (
        found.intent == row["intent"] and dict(found.slots) == json.loads(row["slots"])
    )


def is_weighed(row: Mapping[str, str]) -> bool:
    """Whether the fit weighs a manifest row: all but the commands with a carrier word
    changed, whose right answer is a matter of taste (see the module docstring)."""
    return not row["condition"].endswith(";carrier-changed")


def read_set(folder: Path) -> list[dict[str, str]]:
    """The manifest rows of a built set; DataError when there is none or its version differs."""
    stamp = folder / "VERSION"
    if not stamp.is_file():
        raise DataError(f"no calibration set at {folder}: run python -m models.calibration.build")
    version = int(stamp.read_text().split()[0])
    if version != VERSION:
        raise DataError(f"{folder} holds calibration set v{version}, this code builds v{VERSION}")
    return read_manifest_rows(folder / "manifest.tsv")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(f"data/calibration/v{VERSION}"))
    parser.add_argument("--commands", type=int, default=520, help="Kokoro commands")
    parser.add_argument("--others", type=int, default=380, help="Kokoro non-commands")
    parser.add_argument(
        "--names", type=int, default=120, help="Kokoro commands with an uncommon free text"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of texts, voices and rooms")
    parser.add_argument("--workers", type=int, default=2, help="synthesis processes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    build(args.out, args.commands, args.others, args.seed, args.workers, args.names)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
