"""Command recognition on held-out TTS voices: correct acceptance against false acceptance.

    .venv/bin/python benchmarks/commands_accuracy.py [--model assistant/models/bilstm_ctc.onnx]

Built-in command sentences (sampled from the grammar, with their intent and slot values as the
reference) and out-of-grammar sentences are spoken by pico, an engine never used in training;
noise clips (coloured noise, babble, near silence) are added. Each is recognised clean and
with reverberation plus noise at 10 dB SNR. Prints acceptance rates at the default threshold,
the trade-off over thresholds, and writes a plot (``--plot``).

Last, real speech (skipped when ``../shared/data/speech`` is absent): the 35 Speech Commands
words of ``gsc_subsets`` test (speakers never trained on) as a one-slot grammar, recognised
through the same ``understand()``; and real sentences that are not commands (AN4 and
speechocean762 test, 150 of each) through the built-in commands, for false acceptance on real
voices.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from assistant.audio.files import load_audio
from assistant.commands.confusion import FREE_TEXT_PLACEHOLDER, sample_sentences
from assistant.commands.grammar import BUILTIN_DIR, CommandSet
from assistant.commands.intents import RecognitionResult, bundled_calibration, match_text
from assistant.pipeline import UnderstandOptions, understand
from assistant.recognizer import Recognizer, default_model_path
from models.augment import add_noise, reverberate
from models.data.real_speech import load_corpus, speech_dir
from models.data.synthesize import finish_audio, render_speech
from models.data.texts import TextMix, sentences
from models.data.voices import voices_of
from models.errors import DataError
from models.evaluate import lexicon_of, score

CACHE = Path("data/bench_commands")
DEFAULT_THRESHOLD = bundled_calibration().threshold("normal")
"""The app's default: the normal sensitivity of the bundled calibration."""


def speak(text: str, index: int, seed: int) -> np.ndarray:
    """``text`` spoken by a held-out pico voice (cached as 16-bit FLAC, keyed by what was
    spoken, and always read back from the cache: a first run hears the same samples as a
    rerun)."""
    voice = voices_of("pico")[index % 2]
    key = hashlib.sha1(f"{text}|{voice.name}|{seed}".encode()).hexdigest()[:16]
    path = CACHE / f"{key}.flac"
    if not path.exists():
        audio, rate = render_speech(voice, text, seed)
        audio = finish_audio(audio, rate, np.random.default_rng(seed))
        CACHE.mkdir(parents=True, exist_ok=True)
        sf.write(str(path), audio, 16000, subtype="PCM_16")
    return sf.read(str(path), dtype="float32")[0]


def noise_clips(
    count: int, babble_sources: list[np.ndarray], rng: np.random.Generator
) -> list[np.ndarray]:
    """Coloured noise, babble of overlapping speech, and near silence, 1-3 s each."""
    clips = []
    for i in range(count):
        n = int(rng.uniform(1.0, 3.0) * 16000)
        kind = i % 3
        if kind == 0:
            clip = add_noise(np.zeros(n, np.float32) + 1e-3, -20.0, rng)
        elif kind == 1:
            clip = np.zeros(n, np.float32)
            for source in rng.choice(len(babble_sources), 4, replace=False):
                s = babble_sources[source]
                start = int(rng.integers(0, max(1, n - 1)))
                part = s[: n - start]
                clip[start : start + part.size] += part
        else:
            clip = rng.standard_normal(n).astype(np.float32) * 10 ** (rng.uniform(-70, -50) / 20)
        clips.append(
            (clip / (np.max(np.abs(clip)) + 1e-9) * rng.uniform(0.05, 0.5)).astype(np.float32)
        )
    return clips


NO_THRESHOLD = UnderstandOptions(threshold=0.0)


def recognize_audio(
    recognizer: Recognizer, commands: CommandSet, audio: np.ndarray
) -> RecognitionResult:
    """What the app and the CLI make of ``audio`` (:func:`assistant.pipeline.understand`), with
    no threshold: every confidence is kept, to be judged at each threshold."""
    return understand(audio, recognizer, commands, NO_THRESHOLD).result


Row = tuple[str, str, bool, float]
"""(kind, condition, intent and slots right, confidence) of one recognised clip."""


def real_word_rows(recognizer: Recognizer) -> list[Row]:
    """The gsc_subsets test words through a grammar of its 35 words (kind ``gsc``)."""
    lexicon = lexicon_of("gsc_subsets_test")
    if lexicon is None:
        return []
    values = "".join(f"\n      - {word}" for word in lexicon[0])
    commands = CommandSet.from_yaml(
        f'intents:\n  Word:\n    - "{{word}}"\nlists:\n  word:\n    values:{values}\n'
    )
    rows = []
    for utterance in load_corpus("gsc_subsets", "test"):
        result = recognize_audio(recognizer, commands, load_audio(utterance.path))
        hit = result.slots.get("word") == utterance.transcript
        rows.append(("gsc", "real", hit, result.confidence))
    return rows


def real_other_rows(
    recognizer: Recognizer, commands: CommandSet, per_corpus: int = 150
) -> tuple[list[Row], list[str]]:
    """Real sentences outside the grammar through ``commands`` (kind ``real-out``), and what
    each accepted one was taken for (at the default threshold)."""
    found = []
    for corpus in ("an4", "speechocean762"):
        try:
            utterances = load_corpus(corpus, "test")
        except DataError:
            continue
        spread = utterances[:: max(1, len(utterances) // per_corpus)][:per_corpus]
        found += [u for u in spread if match_text(u.transcript, commands).intent is None]
    rows, accepted = [], []
    for utterance in found:
        result = recognize_audio(recognizer, commands, load_audio(utterance.path))
        score = result.confidence if result.intent else 0.0
        rows.append(("real-out", "real", False, score))
        if score >= DEFAULT_THRESHOLD:
            accepted.append(f"{utterance.transcript!r} as {result.text!r}")
    return rows, accepted


EVERYDAY_PHRASES = (
    "pasta",
    "buy milk",
    "call my mother",
    "the laundry",
    "pick up the kids",
    "tea",
    "water the plants",
    "check the oven",
    "eggs",
    "feed the cat",
    "homework",
    "go to bed",
)
"""Free text people give timers and notes, spoken in place of the placeholder."""


def other_free_text(
    recognizer: Recognizer, commands: CommandSet, sentences: list[str], seed: int
) -> tuple[int, float, float, float]:
    """Clean commands whose free-text placeholder is replaced by :data:`EVERYDAY_PHRASES` in
    turn: how many, the share with intent and other slots right, the free text's WER (an
    empty text where the intent is wrong) and the share spelled exactly."""
    references, texts, rest_right = [], [], []
    for i, sentence in enumerate(sentences):
        phrase = EVERYDAY_PHRASES[i % len(EVERYDAY_PHRASES)]
        text = sentence.replace(FREE_TEXT_PLACEHOLDER, phrase)
        expected = match_text(text, commands)
        names = [k for k, v in expected.slots.items() if v == phrase]
        if expected.intent is None or len(names) != 1:
            continue
        result = recognize_audio(recognizer, commands, speak(text, i, seed + 10_000 + i))
        got = dict(result.slots) if result.intent == expected.intent else {}
        references.append(phrase)
        texts.append(str(got.get(names[0], "")))
        rest_right.append(
            result.intent == expected.intent
            and all(got.get(k) == v for k, v in expected.slots.items() if k != names[0])
        )
    n = max(1, len(references))
    wer = score("free text", references, texts).wer if references else 0.0
    exact = sum(r == t for r, t in zip(references, texts, strict=True))
    return len(references), sum(rest_right) / n, wer, exact / n


def main() -> int:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=default_model_path(), help="ONNX model")
    parser.add_argument("--in-grammar", type=int, default=300, help="command utterances")
    parser.add_argument("--out-of-grammar", type=int, default=200, help="other sentences")
    parser.add_argument("--noise", type=int, default=60, help="noise clips")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument("--plot", type=Path, default=None, help="write the trade-off plot here")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    commands = CommandSet([BUILTIN_DIR])
    recognizer = Recognizer(args.model)

    pairs = sample_sentences(commands.grammar, per_template=25, seed=args.seed)
    random.Random(args.seed).shuffle(pairs)
    in_grammar = []
    for _, text in pairs[: args.in_grammar]:
        expected = match_text(text, commands)
        in_grammar.append((text, expected.intent, dict(expected.slots)))
    others: list[str] = []
    mix = TextMix(commands=0.0, broad=0.7, numbers=0.1, letters=0.0, single_words=0.2)
    for text in sentences(args.out_of_grammar * 3, args.seed, mix):
        if match_text(text, commands).intent is None and len(others) < args.out_of_grammar:
            others.append(text)

    index = 0
    rows: list[Row] = []
    by_intent: dict[str, list[tuple[bool, float]]] = {}
    # clean commands with a free-text slot: (rest right, free text spelled exactly, accepted)
    free_text: list[tuple[bool, bool, bool]] = []
    free_text_sentences: list[str] = []
    fixed: list[tuple[bool, bool]] = []  # the other clean commands: (right, accepted)
    decode_ms = []
    babble = []
    for kind, items in (("in", in_grammar), ("out", [(t, None, {}) for t in others])):
        for text, intent, slots in items:
            audio = speak(text, index, args.seed + index)
            index += 1
            if kind == "out":
                babble.append(audio)
            noisy = add_noise(reverberate(audio, rng.uniform(0.3, 0.6), rng), 10.0, rng)
            for condition, signal in (("clean", audio), ("noisy", noisy)):
                start = time.perf_counter()
                result = recognize_audio(recognizer, commands, signal)
                decode_ms.append((time.perf_counter() - start) * 1000)
                correct = result.intent == intent and dict(result.slots) == slots
                rows.append((kind, condition, correct, result.confidence))
                if kind == "in" and condition == "clean":
                    by_intent.setdefault(str(intent), []).append((correct, result.confidence))
                    taken = result.confidence >= DEFAULT_THRESHOLD
                    texts = {k for k, v in slots.items() if v == FREE_TEXT_PLACEHOLDER}
                    if texts:
                        got = dict(result.slots)
                        rest = result.intent == intent and all(
                            got.get(k) == v for k, v in slots.items() if k not in texts
                        )
                        spelled = all(got.get(k) == slots[k] for k in texts)
                        free_text.append((rest, spelled, taken))
                        free_text_sentences.append(text)
                    else:
                        fixed.append((correct, taken))
    noise_accepted = []
    for i, clip in enumerate(noise_clips(args.noise, babble, rng)):
        result = recognize_audio(recognizer, commands, clip)
        rows.append(("noise", "clean", False, result.confidence if result.intent else 0.0))
        if result.intent is not None and result.confidence >= DEFAULT_THRESHOLD:
            noise_accepted.append(f"noise clip {i} as {result.text!r} ({result.confidence:.2f})")
    rows += real_word_rows(recognizer)
    real_out, real_accepted = real_other_rows(recognizer, commands)
    rows += real_out
    n_gsc = sum(r[0] == "gsc" for r in rows)

    def rate(kind: str, condition: str, threshold: float, need_correct: bool) -> float:
        chosen = [r for r in rows if r[0] == kind and r[1] == condition]
        hits = [r for r in chosen if r[3] >= threshold and (r[2] or not need_correct)]
        return len(hits) / max(1, len(chosen))

    t = DEFAULT_THRESHOLD
    print(
        f"model {args.model.name}; {len(in_grammar)} commands, {len(others)} other sentences "
        f"(pico voices, held out), {args.noise} noise clips; threshold {t}"
    )
    print(f"{'':<34} {'clean':>7} {'noisy':>7}")
    print(
        f"{'commands: intent and slots right %':<34} {100 * rate('in', 'clean', t, True):>7.1f} "
        f"{100 * rate('in', 'noisy', t, True):>7.1f}"
    )
    print(
        f"{'commands: accepted at all %':<34} {100 * rate('in', 'clean', t, False):>7.1f} "
        f"{100 * rate('in', 'noisy', t, False):>7.1f}"
    )
    print(
        f"{'commands: right without rejection %':<34} {100 * rate('in', 'clean', 0.0, True):>7.1f} "
        f"{100 * rate('in', 'noisy', 0.0, True):>7.1f}"
    )
    print(
        f"{'other sentences: false accept %':<34} {100 * rate('out', 'clean', t, False):>7.1f} "
        f"{100 * rate('out', 'noisy', t, False):>7.1f}"
    )
    print(
        f"{'noise clips: false accept %':<34} {100 * rate('noise', 'clean', t, False):>7.1f}"
        + "".join(f"\n  {line}" for line in noise_accepted)
    )
    p50, p95 = np.percentile(decode_ms, [50, 95])
    print(f"recognise (features + model + constrained search): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    if n_gsc:
        print(
            f"real speech, gsc_subsets test ({n_gsc} clips, 35-word grammar): "
            f"{100 * rate('gsc', 'real', 0.0, True):.1f} % right, "
            f"{100 * rate('gsc', 'real', t, True):.1f} % right and accepted"
        )
    if real_out:
        print(
            f"real out-of-grammar speech, AN4 + speechocean762 test ({len(real_out)} sentences): "
            f"{100 * rate('real-out', 'real', t, False):.1f} % falsely accepted"
            + "".join(f"\n  {line}" for line in real_accepted[:5])
        )
    if not (n_gsc and real_out):
        print(f"real speech: some or all skipped, not found under {speech_dir()}")
    print(
        "\nthreshold  correct-accept clean/noisy %  false-accept sentences clean/noisy %  noise %"
        "  real: gsc right / other speech false-accept %"
    )
    thresholds = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    for th in thresholds:
        accepts = " / ".join(f"{100 * rate('in', c, th, True):.1f}" for c in ("clean", "noisy"))
        false = " / ".join(f"{100 * rate('out', c, th, False):.1f}" for c in ("clean", "noisy"))
        noise = 100 * rate("noise", "clean", th, False)
        gsc, real_false = rate("gsc", "real", th, True), rate("real-out", "real", th, False)
        real = f"{100 * gsc:.1f} / {100 * real_false:.1f}"
        print(f"{th:>9.2f}  {accepts:>29}  {false:>36}  {noise:>7.1f}  {real:>44}")
    print(f"\nclean commands by intent: {'n':>4} {'right %':>8} {'right, accepted %':>18}")
    for name, results in sorted(by_intent.items()):
        right = sum(hit for hit, _ in results)
        accepted = sum(hit and score >= t for hit, score in results)
        print(
            f"  {name:<24} {len(results):>4} {100 * right / len(results):>8.1f} "
            f"{100 * accepted / len(results):>18.1f}"
        )
    n_free = max(1, len(free_text))
    print(
        f"\nclean commands without free text ({len(fixed)}): "
        f"{100 * sum(r for r, _ in fixed) / max(1, len(fixed)):.1f} % right, "
        f"{100 * sum(r and a for r, a in fixed) / max(1, len(fixed)):.1f} % right and accepted"
    )
    print(
        f"clean commands with free text ({len(free_text)}, the text is {FREE_TEXT_PLACEHOLDER!r}): "
        f"intent and other slots right {100 * sum(r for r, _, _ in free_text) / n_free:.1f} %, "
        f"and accepted {100 * sum(r and a for r, _, a in free_text) / n_free:.1f} %; "
        f"free text spelled exactly {100 * sum(t for _, t, _ in free_text) / n_free:.1f} %"
    )
    n_other, rest_right, wer, exact = other_free_text(
        recognizer, commands, free_text_sentences, args.seed
    )
    print(
        f"the same commands with everyday free text instead ({n_other}, "
        f"{len(EVERYDAY_PHRASES)} phrases such as {EVERYDAY_PHRASES[1]!r}): intent and other "
        f"slots right {100 * rest_right:.1f} %; free text WER {100 * wer:.1f} %, spelled exactly "
        f"{100 * exact:.1f} %"
    )
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        grid = np.linspace(0, 1, 101)
        fig, ax = plt.subplots(figsize=(5.5, 4.5))
        for condition in ("clean", "noisy"):
            fa = [
                100
                * (
                    rate("out", condition, g, False) * len(others)
                    + rate("noise", "clean", g, False) * args.noise
                )
                / (len(others) + args.noise)
                for g in grid
            ]
            ca = [100 * rate("in", condition, g, True) for g in grid]
            ax.plot(fa, ca, label=condition)
        ax.set(
            xlabel="false acceptance % (other sentences + noise)",
            ylabel="commands right and accepted %",
            title="Built-in commands, held-out voices",
        )
        ax.grid(True)
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=90)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
