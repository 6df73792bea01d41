"""Paired bootstrap comparison of two checkpoints' character errors."""

from __future__ import annotations

import numpy as np
import pytest

from models.compare import (
    MEAN,
    Difference,
    compare_sets,
    format_differences,
    shows_gain,
)
from models.errors import TrainingError
from models.evaluate import CharErrors, char_errors


def errors(values: list[int], length: int = 10) -> CharErrors:
    return CharErrors(np.asarray(values, np.int64), np.full(len(values), length, np.int64))


def test_char_errors_counts_edits_per_utterance() -> None:
    found = char_errors(["yes", "stop it", "go"], ["yes", "stap it", ""])
    assert found.errors.tolist() == [0, 1, 2]
    assert found.lengths.tolist() == [3, 7, 2]
    assert found.cer == pytest.approx(3 / 12)


def test_identical_transcriptions_are_a_tie_with_a_zero_interval() -> None:
    same = errors([0, 1, 3, 0, 2] * 20)
    (result, mean) = compare_sets({"an4_test": same}, {"an4_test": same}, resamples=200)
    assert (result.difference, result.low, result.high) == (0.0, 0.0, 0.0)
    assert result.verdict == "tie"
    assert mean.name == MEAN and mean.difference == 0.0


def test_a_consistent_gain_is_outside_the_noise() -> None:
    first = errors([2] * 100)
    second = errors([1] * 95 + [2] * 5)  # better on 95 of 100 utterances
    (result, _mean) = compare_sets({"fsdd_test": first}, {"fsdd_test": second}, resamples=500)
    assert result.first == pytest.approx(0.2)
    assert result.second == pytest.approx(0.105)
    assert result.high < 0 and result.verdict == "second better"
    reverse = compare_sets({"fsdd_test": second}, {"fsdd_test": first}, resamples=500)[0]
    assert reverse.low > 0 and reverse.verdict == "first better"


def test_a_gain_on_a_few_utterances_of_a_noisy_set_is_a_tie() -> None:
    rng = np.random.default_rng(1)
    noisy = rng.integers(0, 8, size=150).tolist()
    fewer = list(noisy)
    fewer[0] = max(0, fewer[0] - 3)  # three characters fewer in one utterance of 150
    result = compare_sets({"gsc_subsets_test": errors(noisy)}, {"gsc_subsets_test": errors(fewer)})[
        0
    ]
    assert result.difference < 0
    assert result.low <= result.difference <= result.high
    assert result.verdict == "tie"


def test_the_mean_weighs_each_real_set_alike_and_skips_synthetic_ones() -> None:
    first = {
        "an4_test": errors([1] * 50),
        "gsc_subsets_test": errors([3] * 10, length=5),
        "tts_held_out": errors([9] * 10),
    }
    second = {
        "an4_test": errors([1] * 50),
        "gsc_subsets_test": errors([2] * 10, length=5),
        "tts_held_out": errors([0] * 10),
    }
    results = compare_sets(first, second, resamples=100)
    assert [r.name for r in results] == ["an4_test", "gsc_subsets_test", "tts_held_out", MEAN]
    mean = results[-1]
    assert mean.first == pytest.approx((0.1 + 0.6) / 2)
    assert mean.second == pytest.approx((0.1 + 0.4) / 2)
    assert mean.low == pytest.approx(-0.1) and mean.high == pytest.approx(-0.1)


def test_mismatched_sets_or_utterances_are_refused() -> None:
    with pytest.raises(TrainingError, match="different sets"):
        compare_sets({"an4_test": errors([1])}, {"fsdd_test": errors([1])})
    with pytest.raises(TrainingError, match="not of the same utterances"):
        compare_sets({"an4_test": errors([1, 2])}, {"an4_test": errors([1])})


def test_format_prints_percent_and_verdict() -> None:
    table = format_differences([Difference("fsdd_test", 0.065, 0.0675, 0.001, 0.004)])
    header, row = table.splitlines()
    assert header.split()[:3] == ["set", "first", "%"]
    assert row.split() == [
        "fsdd_test",
        "6.50",
        "6.75",
        "+0.25",
        "[+0.10,",
        "+0.40]",
        "first",
        "better",
    ]


def test_a_gain_on_one_real_set_counts_when_no_set_is_worse() -> None:
    # stage 25's comparison with the release it replaced (CER as fractions)
    table = [
        Difference("tts_held_out", 0.3559, 0.3487, -0.0124, -0.0025),
        Difference("an4_test", 0.0409, 0.0421, -0.0034, +0.0059),
        Difference("speechocean762_test", 0.3964, 0.3927, -0.0056, -0.0017),
        Difference("fsdd_test", 0.0645, 0.0630, -0.0085, +0.0055),
        Difference("gsc_subsets_test", 0.2053, 0.1998, -0.0192, +0.0073),
        Difference(MEAN, 0.1414, 0.1395, -0.0050, +0.0012),
    ]
    assert table[-1].verdict == "tie"
    assert shows_gain(table)
    # the same with AN4 worse beyond its noise (stage 24's soup): no gain
    worse_an4 = [*table]
    worse_an4[1] = Difference("an4_test", 0.0409, 0.0441, +0.0004, +0.0061)
    assert not shows_gain(worse_an4)
    # or worse beyond the noise on the held-out TTS voices
    worse_tts = [*table]
    worse_tts[0] = Difference("tts_held_out", 0.3559, 0.3659, +0.0025, +0.0124)
    assert not shows_gain(worse_tts)
    # or a higher mean, though one real set is better (stage 23's average)
    higher_mean = [*table]
    higher_mean[-1] = Difference(MEAN, 0.1414, 0.1435, -0.0020, +0.0061)
    assert not shows_gain(higher_mean)
    # better on the held-out TTS voices alone is no gain either
    tts_only = [*table]
    tts_only[2] = Difference("speechocean762_test", 0.3964, 0.3960, -0.0020, +0.0012)
    assert not shows_gain(tts_only)


def test_a_gain_is_shown_only_by_the_real_sets() -> None:
    worse, better = errors([2] * 100), errors([1] * 100)
    assert shows_gain(compare_sets({"an4_test": worse}, {"an4_test": better}))
    assert not shows_gain(compare_sets({"an4_test": better}, {"an4_test": worse}))
    assert not shows_gain(compare_sets({"an4_test": worse}, {"an4_test": worse}))
    # better on synthetic speech alone is no gain: there is no mean of real sets to show it
    assert not shows_gain(compare_sets({"tts_held_out": worse}, {"tts_held_out": better}))
