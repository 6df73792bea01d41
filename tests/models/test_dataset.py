"""Batching: collate, the mixed real/synthetic sampler, SortaGrad, and the dataset items."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from assistant.features import log_mel
from assistant.vocabulary import encode
from models.data.dataset import (
    MixedBatchSampler,
    SpeechDataset,
    collate,
    load_tts_corpora,
    load_tts_corpus,
    with_durations,
)
from models.data.manifests import Utterance, write_manifest
from models.data.synthesize import COLUMNS


def test_collate_pads_and_concatenates() -> None:
    a = np.arange(12, dtype=np.float32).reshape(3, 4) + 1.0
    b = np.full((5, 4), 7.0, dtype=np.float32)
    c = np.full((1, 4), -2.0, dtype=np.float32)
    batch = collate([(a, [3, 4]), (b, [5, 6, 7]), (c, [8])])
    assert set(batch) == {"features", "lengths", "targets", "target_lengths"}
    assert batch["features"].shape == (3, 5, 4)
    assert batch["features"].dtype == torch.float32
    torch.testing.assert_close(batch["features"][0, :3], torch.from_numpy(a))
    torch.testing.assert_close(batch["features"][1], torch.from_numpy(b))
    torch.testing.assert_close(batch["features"][2, :1], torch.from_numpy(c))
    assert float(batch["features"][0, 3:].abs().sum()) == 0.0  # zero padding
    assert float(batch["features"][2, 1:].abs().sum()) == 0.0
    assert batch["lengths"].tolist() == [3, 5, 1]
    assert batch["targets"].tolist() == [3, 4, 5, 6, 7, 8]
    assert batch["target_lengths"].tolist() == [2, 3, 1]
    assert batch["lengths"].dtype == batch["targets"].dtype == torch.int64


def durations_of(n_synthetic: int, n_real: int, seed: int = 0) -> list[float]:
    """Utterance lengths in seconds: synthetic first, then real."""
    rng = np.random.default_rng(seed)
    return [float(d) for d in rng.uniform(0.5, 6.0, n_synthetic + n_real)]


def take(sampler: MixedBatchSampler, count: int) -> list[list[int]]:
    iterator = iter(sampler)
    return [next(iterator) for _ in range(count)]


def test_batches_respect_max_batch_seconds() -> None:
    durations = durations_of(300, 100)
    sampler = MixedBatchSampler(durations, 300, 0.5, max_batch_seconds=20.0, seed=1)
    batches = take(sampler, 200)
    for batch in batches:
        assert batch
        assert max(durations[i] for i in batch) * len(batch) <= 20.0
    # batches are filled, not cut early: adding the next-longest item would overflow
    assert np.mean([len(b) for b in batches]) > 3


@pytest.mark.parametrize("share", [0.0, 0.25, 0.7])
def test_real_share_over_many_batches(share: float) -> None:
    durations = durations_of(400, 200)
    sampler = MixedBatchSampler(durations, 400, share, max_batch_seconds=30.0, seed=2)
    indices = [i for batch in take(sampler, 300) for i in batch]
    real = sum(i >= 400 for i in indices) / len(indices)
    assert real == pytest.approx(share, abs=0.03)


@pytest.mark.parametrize(("temperature", "small_share"), [(1.0, 0.1), (0.5, 0.25), (0.0, 0.5)])
def test_corpus_temperature_sets_each_corpus_share(temperature: float, small_share: float) -> None:
    # real speech: 180 utterances of corpus "big", 20 of "small" (sqrt weights: 3 to 1)
    durations = durations_of(100, 200)
    groups = ["synthetic"] * 100 + ["big"] * 180 + ["small"] * 20
    sampler = MixedBatchSampler(
        durations, 100, 0.5, 30.0, seed=3, groups=groups, group_temperature=temperature
    )
    if temperature != 1.0:
        assert sampler.real_group_shares() == pytest.approx(
            {"big": 1 - small_share, "small": small_share}
        )
    indices = [i for batch in take(sampler, 400) for i in batch if i >= 100]
    assert sum(i >= 280 for i in indices) / len(indices) == pytest.approx(small_share, abs=0.03)
    assert sum(i < 100 for batch in take(sampler, 100) for i in batch) > 0


def test_corpus_boost_multiplies_a_corpus_weight() -> None:
    # 180 "big" and 20 "small" real utterances drawn alike per utterance, "small" boosted 9x
    durations = durations_of(100, 200)
    groups = ["synthetic"] * 100 + ["big"] * 180 + ["small"] * 20
    sampler = MixedBatchSampler(
        durations, 100, 0.5, 30.0, seed=3, groups=groups, group_boost={"small": 9.0}
    )
    assert sampler.real_group_shares() == pytest.approx({"big": 0.5, "small": 0.5})
    indices = [i for batch in take(sampler, 400) for i in batch if i >= 100]
    assert sum(i >= 280 for i in indices) / len(indices) == pytest.approx(0.5, abs=0.03)
    with pytest.raises(ValueError, match="positive"):
        MixedBatchSampler(durations, 100, 0.5, 30.0, seed=3, groups=groups, group_boost={"big": 0})
    with pytest.raises(ValueError, match=r"boosted corpora \['other'\]"):
        MixedBatchSampler(
            durations, 100, 0.5, 30.0, seed=3, groups=groups, group_boost={"other": 2}
        )


def test_corpus_temperature_checks_its_input() -> None:
    with pytest.raises(ValueError, match="groups"):
        MixedBatchSampler([1.0] * 4, 2, 0.5, 10.0, seed=0, groups=["a"])
    with pytest.raises(ValueError, match="temperature"):
        MixedBatchSampler([1.0] * 4, 2, 0.5, 10.0, seed=0, group_temperature=-1.0)


def test_real_share_falls_back_when_one_kind_is_missing() -> None:
    only_synthetic = MixedBatchSampler([1.0] * 10, 10, 0.5, 10.0, seed=0)
    assert only_synthetic.real_share == 0.0
    only_real = MixedBatchSampler([1.0] * 10, 0, 0.5, 10.0, seed=0)
    assert only_real.real_share == 1.0
    assert all(i < 10 for batch in take(only_real, 20) for i in batch)


def test_too_short_and_too_long_utterances_are_left_out() -> None:
    durations = [0.05, 1.0, 13.0, 2.0, 0.1, 3.0]
    sampler = MixedBatchSampler(durations, 3, 0.5, 10.0, seed=0)
    assert sampler.synthetic == [1]
    assert sampler.real == [3, 5]
    used = {i for batch in take(sampler, 50) for i in batch}
    assert used == {1, 3, 5}


def test_two_ranks_split_the_same_round() -> None:
    durations = durations_of(200, 100)
    args = (durations, 200, 0.5, 15.0)
    whole = MixedBatchSampler(*args, seed=4)._round()
    rank0 = MixedBatchSampler(*args, seed=4, rank=0, world_size=2)._round()
    rank1 = MixedBatchSampler(*args, seed=4, rank=1, world_size=2)._round()
    usable = len(whole) - len(whole) % 2
    assert rank0 == whole[0:usable:2]
    assert rank1 == whole[1:usable:2]
    assert len(rank0) == len(rank1) > 10  # equal counts: no rank waits on the other
    assert not {tuple(b) for b in rank0} & {tuple(b) for b in rank1}


def test_sortagrad_goes_shortest_first_then_shuffles() -> None:
    durations = durations_of(300, 0)
    sampler = MixedBatchSampler(durations, 300, 0.0, 12.0, seed=5, pool_batches=20)
    sampler.sorted_batches_left = 30
    first = [max(durations[i] for i in b) for b in sampler._round()]
    assert len(first) >= 20
    assert first == sorted(first)
    assert sampler.sorted_batches_left == 30 - len(first)
    second = [max(durations[i] for i in b) for b in sampler._round()]  # still owed batches
    assert second == sorted(second)
    assert sampler.sorted_batches_left <= 0
    shuffled = [max(durations[i] for i in b) for b in sampler._round()]
    assert shuffled != sorted(shuffled)


def test_same_seed_same_batches() -> None:
    durations = durations_of(100, 50)
    a = take(MixedBatchSampler(durations, 100, 0.5, 10.0, seed=9), 40)
    b = take(MixedBatchSampler(durations, 100, 0.5, 10.0, seed=9), 40)
    c = take(MixedBatchSampler(durations, 100, 0.5, 10.0, seed=10), 40)
    assert a == b
    assert a != c


def write_tone(path: Path, seconds: float, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    audio = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), audio, 16000, subtype="FLOAT")
    return audio


def test_dataset_item_is_log_mel_and_token_ids(tmp_path: Path) -> None:
    audio = write_tone(tmp_path / "a.wav", 0.5)
    utterance = Utterance(tmp_path / "a.wav", "go home", "s1", "test", 0.5)
    features, tokens = SpeechDataset([utterance])[0]
    np.testing.assert_allclose(features, log_mel(audio), atol=1e-5)
    assert tokens == encode("go home")


def test_dataset_missing_file_gives_silence(tmp_path: Path, caplog) -> None:
    utterance = Utterance(tmp_path / "missing.flac", "yes", "s1", "test", 1.0)
    with caplog.at_level(logging.WARNING, logger="models.data.dataset"):
        features, tokens = SpeechDataset([utterance])[0]
    assert features.shape == (51, 80)  # 0.5 s of silence
    assert tokens == encode("yes")
    assert "using silence instead" in caplog.text


def test_dataset_augmentation_changes_the_features(tmp_path: Path) -> None:
    from models.augment import AugmentConfig

    write_tone(tmp_path / "a.wav", 0.5)
    utterance = Utterance(tmp_path / "a.wav", "go", "s1", "test", 0.5)
    plain, _ = SpeechDataset([utterance])[0]
    config = AugmentConfig(pad_prob=0.0, speed_prob=0.0, noise_prob=1.0, snr_range=(0.0, 0.0))
    noisy, _ = SpeechDataset([utterance], augment=config)[0]
    assert noisy.shape == plain.shape
    assert float(np.abs(noisy - plain).mean()) > 0.1


def test_load_tts_corpus_and_durations(tmp_path: Path) -> None:
    rows = [
        {
            "path": "audio/a.wav",
            "transcript": "one",
            "speaker": "v1",
            "engine": "e",
            "split": "train",
            "duration": "0.250",
        },
        {
            "path": "audio/b.flac",
            "transcript": "two",
            "speaker": "v2",
            "engine": "e",
            "split": "test",
            "duration": "0.500",
        },
    ]
    write_manifest(tmp_path / "manifest.tsv", rows, COLUMNS)
    train = load_tts_corpus(tmp_path, "train")
    assert [(u.path, u.transcript, u.speaker, u.corpus, u.duration) for u in train] == [
        (tmp_path / "audio/a.wav", "one", "v1", "tts_train", 0.25)
    ]
    assert train[0].extras == {"engine": "e", "split": "train"}
    assert [u.transcript for u in load_tts_corpus(tmp_path, "test")] == ["two"]
    second = tmp_path / "second"
    second.mkdir()
    write_manifest(second / "manifest.tsv", [{**rows[0], "transcript": "five"}], COLUMNS)
    both = load_tts_corpora([tmp_path, second], "train")
    assert [(u.path, u.transcript) for u in both] == [
        (tmp_path / "audio/a.wav", "one"),
        (second / "audio/a.wav", "five"),
    ]

    write_tone(tmp_path / "c.wav", 0.75)
    unknown = [
        Utterance(tmp_path / "c.wav", "three", "v3", "real"),
        Utterance(tmp_path / "broken.wav", "four", "v3", "real"),
    ]
    (tmp_path / "broken.wav").write_bytes(b"not audio")
    cache = tmp_path / "cache" / "durations.tsv"
    filled = with_durations(unknown, cache)
    assert [(u.transcript, u.duration) for u in filled] == [("three", 0.75)]
    assert cache.is_file()
    (tmp_path / "c.wav").unlink()  # the second call reads the cache, not the file
    assert [u.duration for u in with_durations(unknown[:1], cache)] == [0.75]


def test_dataset_audio_cache_serves_a_second_read(tmp_path: Path, caplog) -> None:
    noise = 0.01 * np.random.default_rng(0).standard_normal(8000)
    audio = write_tone(tmp_path / "a.wav", 0.5) + noise.astype(np.float32)
    sf.write(str(tmp_path / "a.wav"), audio, 16000, subtype="FLOAT")  # a noise floor, as mics have
    utterance = Utterance(tmp_path / "a.wav", "go", "s1", "test", 0.5)
    dataset = SpeechDataset([utterance], cache_audio=True)
    first, _ = dataset[0]
    (tmp_path / "a.wav").unlink()  # only the cache can give the audio now
    with caplog.at_level(logging.WARNING, logger="models.data.dataset"):
        second, tokens = dataset[0]
    assert "using silence" not in caplog.text
    assert tokens == encode("go")
    np.testing.assert_allclose(second, first, atol=0.05)  # int16 storage, same features


def test_babble_comes_from_cached_talkers_only(tmp_path: Path) -> None:
    utterances = []
    for i in range(10):
        write_tone(tmp_path / f"{i}.wav", 0.5, freq=200.0 + 100 * i)
        utterances.append(Utterance(tmp_path / f"{i}.wav", "go", f"s{i}", "test", 0.5))
    dataset = SpeechDataset(utterances, cache_audio=True)
    rng = np.random.default_rng(0)
    assert dataset._babble(4000, rng) is None  # nothing decoded yet: no free babble
    for i in range(len(utterances)):
        dataset[i]
    babble = dataset._babble(4000, rng)
    assert babble is not None and babble.shape == (4000,)
    spectrum = np.abs(np.fft.rfft(babble))
    peaks = {
        round(f / 100) * 100
        for f in np.fft.rfftfreq(4000, 1 / 16000)[spectrum > spectrum.max() / 4]
    }
    assert 3 <= len(peaks) <= 6  # three to six talkers, each its own tone
