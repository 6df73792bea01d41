"""Real sentences made commands with a slot: the groups, their grammars and their meanings."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from assistant.commands.confidence import FEATURE_NAMES
from assistant.commands.grammar import CommandSet
from assistant.commands.intents import match_text
from models.calibration.grammars import GRAMMARS_DIR, grammars_of
from models.calibration.slotted import (
    GROUP_SIZE,
    LIST_SIZE,
    MIN_EDITS,
    NUMBER_WORDS,
    grammar_yaml,
    other_words,
    slot_sentences,
    slot_words,
)

VOCABULARY = [
    *("apple", "table", "window", "garden", "yellow", "purple", "orange", "silver", "kitchen"),
    *("pencil", "rabbit", "monkey", "planet", "basket", "bottle", "castle", "doctor", "engine"),
    *("finger", "forest", "hammer", "island", "jacket", "ladder", "market", "napkin", "pepper"),
    *("rocket", "saddle", "tunnel", "velvet", "wallet", "zipper", "candle"),
]
SENTENCES = [
    "mark is going to see elephant",
    "two six four eight",
    "kate loves china",
    "the dog sleeps under the table",
    "we bought fresh bread today",
    "my sister plays the violin",
    "she found a small turtle",
    "three nine one seven",
    "he painted the fence green",
    "they visited grandma yesterday",
    "lucy reads many books",
    "the train leaves at noon",
]


def test_the_slot_is_a_content_word_or_a_number_said_once() -> None:
    rng = random.Random(0)
    assert slot_words("two six four eight", rng) in {("six",), ("four",), ("eight",)}
    assert slot_words("the dog the dog", rng) is None  # every word repeated or too short
    for _ in range(20):
        words = slot_words("mark is going to see elephant", rng)
        assert words in {("going",), ("elephant",)}


def test_several_slots_are_different_words_in_the_sentence_s_order() -> None:
    rng = random.Random(0)
    for _ in range(20):
        words = slot_words("two six four eight", rng, most=3, least=2)
        assert words is not None and len(words) == 3
        order = ["six", "four", "eight"]
        assert list(words) == sorted(words, key=order.index)
    # as many as the sentence has, down to ``least``
    assert slot_words("mark is going to see elephant", rng, 3, 2) == ("going", "elephant")
    assert slot_words("kate loves china", rng, 3, 2) == ("loves", "china")
    assert slot_words("the dog sleeps", rng, 3, 2) is None


def test_other_words_are_far_from_the_word_said() -> None:
    rng = random.Random(1)
    others = other_words("garden", VOCABULARY, 5, rng)
    assert len(others) == 5 and "garden" not in others
    from assistant.commands.confusion import edit_distance

    assert all(edit_distance(o, "garden", MIN_EDITS) >= MIN_EDITS for o in others)
    assert all(abs(len(o) - len("garden")) <= 2 for o in others)
    numbers = other_words("four", VOCABULARY, 9, rng)
    assert len(numbers) == 9 and set(numbers) <= set(NUMBER_WORDS) - {"four"}


def test_groups_hold_commands_and_near_misses_that_parse_as_meant() -> None:
    groups = slot_sentences(SENTENCES, VOCABULARY, seed=3)
    assert len(groups[0]) == GROUP_SIZE
    assert sum(len(g) for g in groups) == len(SENTENCES)
    assert groups == slot_sentences(SENTENCES, VOCABULARY, seed=3)  # fixed by the seed
    for group in groups:
        commands = CommandSet.from_yaml(grammar_yaml(group))
        for s in group:
            (values,) = s.values
            assert len(values) == LIST_SIZE
            match = match_text(s.transcript, commands)
            if s.in_grammar:
                assert (match.intent, match.slots) == (s.intent, {s.slots[0]: s.words[0]})
            else:
                assert s.words[0] not in values and match.intent is None
    listed = [s.in_grammar for g in groups for s in g]
    assert listed[:4] == [True, False, True, False]


def test_commands_with_several_slots_lack_one_value_when_they_are_near_misses() -> None:
    # longer words too, to fill the lists of "grandma" and "yesterday"
    longer = ["adventure", "blueberry", "butterfly", "chocolate", "crocodile", "dinosaur"]
    longer += ["elevator", "fireworks", "hamburger", "hurricane", "newspaper", "pineapple"]
    vocabulary = [*VOCABULARY, *longer]
    groups = slot_sentences(SENTENCES, vocabulary, seed=4, most=3, least=2)
    sentences = [s for g in groups for s in g]
    # "kate loves china" has two slot words, "the train leaves at noon" two, the rest more
    assert len(sentences) == len(SENTENCES)
    assert {len(s.slots) for s in sentences} == {2, 3}
    for group in groups:
        commands = CommandSet.from_yaml(grammar_yaml(group))
        for s in group:
            assert all(len(v) == LIST_SIZE for v in s.values)
            lacking = [w for w, v in zip(s.words, s.values, strict=True) if w not in v]
            match = match_text(s.transcript, commands)
            if s.in_grammar:
                assert lacking == [] and (match.intent, match.slots) == (s.intent, s.meaning)
            else:
                assert len(lacking) == 1 and match.intent is None
    assert [s.in_grammar for s in sentences][:4] == [True, False, True, False]
    assert groups == slot_sentences(SENTENCES, vocabulary, seed=4, most=3, least=2)


def test_a_group_never_holds_one_frame_twice() -> None:
    twins = ["lynda has a big hand", "lynda has a big foot", "kate loves china"]
    groups = slot_sentences(twins, [*VOCABULARY, "hand", "foot"], seed=0)
    for group in groups:
        frames = [s.template.replace(f"{{{s.slots[0]}}}", "{}") for s in group]
        assert len(frames) == len(set(frames))


def test_set_grammars_are_read_from_the_sets_folder(tmp_path: Path) -> None:
    group = slot_sentences(SENTENCES[:4], VOCABULARY, seed=5)[0]
    (tmp_path / GRAMMARS_DIR).mkdir()
    (tmp_path / GRAMMARS_DIR / "so762-slot-000.yaml").write_text(grammar_yaml(group))
    rows = [{"grammar": "so762-slot-000", "transcript": s.transcript} for s in group]
    grammars = grammars_of(rows, tmp_path)
    first = group[0]
    assert match_text(first.transcript, grammars["so762-slot-000"]).intent == first.intent


def test_measurements_are_cached_per_row(
    tmp_path: Path, model_path: Path, speechlike: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    import soundfile as sf

    from models.calibration import fit
    from models.calibration.build import COLUMNS, VERSION
    from models.data.manifests import write_manifest

    group = slot_sentences(SENTENCES[:2], VOCABULARY, seed=5)[0]
    (tmp_path / GRAMMARS_DIR).mkdir()
    (tmp_path / GRAMMARS_DIR / "g.yaml").write_text(grammar_yaml(group))
    loud = np.concatenate([speechlike] * 3)
    rows = []
    for k, s in enumerate(group):
        sf.write(str(tmp_path / f"{k}.flac"), loud, 16000)
        rows.append(
            {
                "id": f"r{k}",
                "part": "test",
                "grammar": "g",
                "path": f"{k}.flac",
                "transcript": s.transcript,
                "intent": s.intent if s.in_grammar else "",
                "slots": json.dumps(s.meaning if s.in_grammar else {}),
                "voice": "v",
                "condition": "real",
                "duration": "1.5",
                "audio_sha1": "",
            }
        )
    (tmp_path / "VERSION").write_text(f"{VERSION} seed=1\n")
    write_manifest(tmp_path / "manifest.tsv", rows[:1], COLUMNS)
    analysed: list[int] = []
    real_analyse = fit.analyse

    def counting(*args: object, **kwargs: object) -> object:
        analysed.append(1)
        return real_analyse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fit, "analyse", counting)
    first = fit.measure_set(model_path, tmp_path)
    assert len(analysed) == 1 and first.features.shape == (1, len(FEATURE_NAMES))
    write_manifest(tmp_path / "manifest.tsv", rows, COLUMNS)
    second = fit.measure_set(model_path, tmp_path)
    assert len(analysed) == 2  # only the new row was measured
    np.testing.assert_array_equal(second.features[:1], first.features)
    assert list(second.command) == [s.in_grammar for s in group]
    cache = next(tmp_path.glob("measured-*.npz"))
    assert str(np.load(cache)["right_rule"]) == fit.RIGHT_RULE
    np.savez(cache, **{**dict(np.load(cache)), "right_rule": np.array("as-heard")})
    fit.measure_set(model_path, tmp_path)
    assert len(analysed) == 2 + len(rows)  # a cache judged another way is measured again
