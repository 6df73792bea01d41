"""Time the grammar-constrained CTC beam search: milliseconds per decode.

    .venv/bin/python benchmarks/constrained_decoding.py [--runs 50] [--beam 32]

Decodes synthetic log-probabilities of in-grammar sentences (about 3 s, 75 frames) under the
built-in grammar and under a generated grammar of about a million sentences, with a sharp
(trained-model-like) and a noisy distribution. Prints compile time, automaton size, and the
median and p95 decode time per sentence on one core.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from assistant.commands.grammar import BUILTIN_DIR, CommandSet
from assistant.decoding.constrained import BeamConfig, constrained_decode
from assistant.vocabulary import BLANK_ID, TOKENS

BIG_GRAMMAR = """
intents:
  Transfer:
    - "(send | transfer | pay) {amount:number 0..999999} (dollars | euros) to {person}"
    - "(send | transfer | pay) {person} {amount:number 0..999999} (dollars | euros)"
  Wait:
    - "wait [for] {duration} [please]"
lists:
  person:
    values: [alice, bob, carol, dave, erin, frank, grace, heidi, ivan, judy]
"""
BUILTIN_SENTENCES = (
    "set a timer for ten minutes",
    "what is twenty five plus one hundred and five",
    "open the web browser",
    "remind me in an hour and a half",
    "add a note call all the people",
    "turn the volume up",
)
BIG_SENTENCES = (
    "send three hundred and forty two thousand five hundred and one dollars to carol",
    "pay bob seven thousand euros",
    "wait for two hours thirty minutes",
)


def synthetic(text: str, frames: int, peak: float, rng: np.random.Generator) -> np.ndarray:
    """(frames, V) log-probs spelling ``text`` with blank padding; ``peak`` on the path."""
    path = []
    previous = None
    for char in text:
        token = TOKENS.index(char)
        if token == previous or rng.random() < 0.5:
            path.append(BLANK_ID)
        path.append(token)
        previous = token
    pad = max(frames - len(path), 0)
    path = [BLANK_ID] * (pad // 2) + path + [BLANK_ID] * (pad - pad // 2)
    probs = np.exp(0.5 * rng.standard_normal((len(path), len(TOKENS))))
    probs *= (1.0 - peak) / probs.sum(axis=1, keepdims=True)
    probs[np.arange(len(path)), path] += peak
    return np.log(probs).astype(np.float32)


def time_decodes(
    commands: CommandSet, sentences: tuple[str, ...], peak: float, args: argparse.Namespace
) -> None:
    """Print p50/p95 decode ms over the sentences at one peak probability."""
    rng = np.random.default_rng(0)
    config = BeamConfig(beam_width=args.beam)
    times, correct, frames = [], 0, []
    for sentence in sentences:
        log_probs = synthetic(sentence, 75 if len(sentence) < 50 else 110, peak, rng)
        frames.append(log_probs.shape[0])
        hypotheses = constrained_decode(log_probs, commands.graph, config)
        correct += bool(hypotheses) and hypotheses[0].text == sentence
        for _ in range(args.runs):
            start = time.perf_counter()
            constrained_decode(log_probs, commands.graph, config)
            times.append((time.perf_counter() - start) * 1000.0)
    p50, p95 = np.percentile(times, [50, 95])
    print(
        f"  peak {peak:<6} frames {min(frames)}-{max(frames)}  p50 {p50:6.2f} ms  "
        f"p95 {p95:6.2f} ms  exact {correct}/{len(sentences)}"
    )


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per sentence")
    parser.add_argument("--beam", type=int, default=BeamConfig().beam_width, help="beam width")
    args = parser.parse_args()
    for name, make, sentences in (
        ("built-in", lambda: CommandSet([BUILTIN_DIR]), BUILTIN_SENTENCES),
        ("big (~10^6+ sentences)", lambda: CommandSet.from_yaml(BIG_GRAMMAR), BIG_SENTENCES),
    ):
        start = time.perf_counter()
        commands = make()
        compile_s = time.perf_counter() - start
        graph = commands.graph
        print(
            f"{name}: compiled in {compile_s:.2f} s, {graph.num_states} states, "
            f"{graph.num_arcs} arcs"
        )
        for peak in (0.999, 0.9):
            time_decodes(commands, sentences, peak, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
