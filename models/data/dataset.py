"""Torch dataset and batching: features computed on the fly, real and synthetic speech mixed.

Batches are built from a pool of utterances sorted by length (little padding), hold a set share
of real speech, and are capped by total audio seconds rather than by count.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from assistant.audio.files import load_audio
from assistant.errors import AudioError
from assistant.features import FeatureConfig, log_mel, mel_filterbank
from assistant.vocabulary import encode
from models.augment import AugmentConfig, augment_waveform, babble_from, warped_filterbank
from models.data.manifests import Utterance, read_manifest_rows, write_manifest

_LOGGER = logging.getLogger(__name__)

Item = tuple[np.ndarray, list[int]] | tuple[np.ndarray, list[int], list[int]]
"""Features and character ids, and phoneme ids when the dataset has them."""


def load_tts_corpus(folder: Path, split: str) -> list[Utterance]:
    """Utterances of a synthesised corpus (see models.data.synthesize) of one split."""
    rows = read_manifest_rows(folder / "manifest.tsv")
    return [
        Utterance(
            folder / r["path"],
            r["transcript"],
            r["speaker"],
            f"tts_{r['split']}",
            float(r["duration"]),
            {"engine": r["engine"], "split": r["split"]},
        )
        for r in rows
        if r["split"] == split
    ]


def load_tts_corpora(folders: Sequence[Path], split: str) -> list[Utterance]:
    """Utterances of several synthesised corpora (made with different seeds), one after another."""
    return [u for folder in folders for u in load_tts_corpus(folder, split)]


def with_durations(utterances: list[Utterance], cache: Path) -> list[Utterance]:
    """``utterances`` with durations filled in, read once and cached in ``cache`` (TSV)."""
    known: dict[str, float] = {}
    if cache.is_file():
        known = {r["path"]: float(r["duration"]) for r in read_manifest_rows(cache)}
    filled = []
    for u in utterances:
        duration = u.duration or known.get(str(u.path))
        if not duration:
            try:
                duration = sf.info(str(u.path)).duration
            except RuntimeError as e:
                _LOGGER.warning("skipping unreadable %s: %s", u.path, e)
                continue
            known[str(u.path)] = duration
        filled.append(Utterance(u.path, u.transcript, u.speaker, u.corpus, duration, u.extras))
    cache.parent.mkdir(parents=True, exist_ok=True)
    write_manifest(
        cache,
        ({"path": p, "transcript": "", "duration": f"{d:.3f}"} for p, d in known.items()),
        ["path", "transcript", "duration"],
    )
    return filled


class SpeechDataset(torch.utils.data.Dataset[Item]):
    """Features and token ids of utterances, optionally augmented."""

    def __init__(
        self,
        utterances: Sequence[Utterance],
        feature_config: FeatureConfig = FeatureConfig(),
        augment: AugmentConfig | None = None,
        cache_audio: bool = False,
        phonemes: Mapping[str, list[int]] | None = None,
    ) -> None:
        """``phonemes``: transcript -> phoneme ids (``models.data.phonemes``), for items that
        carry them too."""
        self.utterances = list(utterances)
        self.phonemes = phonemes
        self.feature_config = feature_config
        self.augment = augment
        self._rng = np.random.default_rng()
        # Decoded audio kept as int16 (about 115 MB per hour): decoding Opus costs more
        # than the augmentation and features together. Each worker process has its own.
        self._cache: dict[int, np.ndarray] | None = {} if cache_audio else None

    def _audio(self, index: int) -> np.ndarray:
        if self._cache is not None and index in self._cache:
            return self._cache[index].astype(np.float32) / 32767.0
        utterance = self.utterances[index]
        try:
            audio = load_audio(utterance.path, self.feature_config.sample_rate)
        except AudioError as e:
            _LOGGER.warning("%s; using silence instead", e)
            audio = np.zeros(self.feature_config.sample_rate // 2, np.float32)
        if self._cache is not None:
            self._cache[index] = (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)
        return audio

    def __len__(self) -> int:
        return len(self.utterances)

    def _babble(self, n: int, rng: np.random.Generator) -> np.ndarray | None:
        """Three to six other utterances at once, drawn from the decoded-audio cache (free)."""
        if not self._cache or len(self._cache) < 8:
            return None
        keys = list(self._cache)
        picks = rng.choice(len(keys), size=int(rng.integers(3, 7)), replace=False)
        talkers = [self._cache[keys[int(i)]].astype(np.float32) / 32767.0 for i in picks]
        return babble_from(talkers, n, rng)

    def __getitem__(self, index: int) -> Item:
        audio = self._audio(index)
        filterbank = None
        if self.augment is not None:
            audio = augment_waveform(audio, self._rng, self.augment, babble=self._babble)
            if self._rng.random() < self.augment.warp_prob:
                alpha = self._rng.uniform(*self.augment.warp_range)
                filterbank = warped_filterbank(mel_filterbank(self.feature_config), alpha)
        features = log_mel(audio, self.feature_config, filterbank)
        transcript = self.utterances[index].transcript
        if self.phonemes is not None:
            return features, encode(transcript), self.phonemes[transcript]
        return features, encode(transcript)


def seed_worker(worker_id: int) -> None:
    """Give each data-loader worker its own augmentation random stream."""
    info = torch.utils.data.get_worker_info()
    if info is not None:
        info.dataset._rng = np.random.default_rng(torch.initial_seed() % 2**32)  # type: ignore[attr-defined]


def collate(items: list[Item]) -> dict[str, torch.Tensor]:
    """Pad a list of items into a batch: features, lengths, targets, target_lengths (and
    phoneme_targets, phoneme_target_lengths when the items carry phonemes)."""
    lengths = torch.tensor([item[0].shape[0] for item in items], dtype=torch.int64)
    features = torch.zeros(len(items), int(lengths.max()), items[0][0].shape[1])
    for i, item in enumerate(items):
        features[i, : item[0].shape[0]] = torch.from_numpy(item[0])
    batch = {"features": features, "lengths": lengths}
    columns = [("targets", "target_lengths")]
    if len(items[0]) == 3:
        columns.append(("phoneme_targets", "phoneme_target_lengths"))
    for column, (ids_name, lengths_name) in enumerate(columns, start=1):
        ids = [item[column] for item in items]  # type: ignore[misc]
        batch[ids_name] = torch.tensor([t for ts in ids for t in ts], dtype=torch.int64)
        batch[lengths_name] = torch.tensor([len(ts) for ts in ids], dtype=torch.int64)
    return batch


class MixedBatchSampler(torch.utils.data.Sampler[list[int]]):
    """Endless batches mixing two index ranges: synthetic [0, n_synth) and real after it.

    Each round draws ``pool_batches`` batches' worth of utterances with ``real_share`` of real
    speech, sorts them by duration, cuts batches of at most ``max_batch_seconds`` (padded
    length times count) and yields them in random order, except while ``sorted_batches_left``
    is positive: those rounds go shortest first (SortaGrad, Amodei et al. 2015).

    With ``groups`` (a corpus name per utterance), real speech is drawn corpus first, each
    corpus weighted by its utterance count to the power ``group_temperature``: 1 draws every
    real utterance alike (so a big corpus of few voices dominates), 0 every corpus alike.
    ``group_boost`` multiplies the weights of the corpora it names (those most like the users,
    say), so that they are drawn more often than their size alone gives.
    """

    def __init__(
        self,
        durations: Sequence[float],
        n_synthetic: int,
        real_share: float,
        max_batch_seconds: float,
        seed: int,
        pool_batches: int = 50,
        max_utterance_seconds: float = 12.0,
        rank: int = 0,
        world_size: int = 1,
        groups: Sequence[str] | None = None,
        group_temperature: float = 1.0,
        group_boost: Mapping[str, float] | None = None,
    ) -> None:
        if groups is not None and len(groups) != len(durations):
            raise ValueError(f"{len(groups)} groups for {len(durations)} utterances")
        if group_temperature < 0:
            raise ValueError(f"group_temperature must be >= 0, got {group_temperature}")
        boost = dict(group_boost or {})
        if any(factor <= 0 for factor in boost.values()):
            raise ValueError(f"corpus boosts must be positive, got {boost}")
        self.durations = list(durations)
        keep = [i for i, d in enumerate(self.durations) if 0.1 < d <= max_utterance_seconds]
        self.synthetic = [i for i in keep if i < n_synthetic]
        self.real = [i for i in keep if i >= n_synthetic]
        self.real_share = real_share if self.real else 0.0
        if not self.synthetic and self.real_share < 1.0:
            self.real_share = 1.0
        self.max_batch_seconds = max_batch_seconds
        self.pool_batches = pool_batches
        self.rng = random.Random(seed)
        self.rank, self.world_size = rank, world_size
        self.sorted_batches_left = 0
        """Batches still to yield shortest first (SortaGrad); set before iterating."""
        self.real_groups: dict[str, list[int]] = {}
        """Real utterances by corpus, when drawn corpus first (a temperature below 1 or a
        boost)."""
        if groups is not None and (group_temperature != 1.0 or boost):
            for i in self.real:
                self.real_groups.setdefault(groups[i], []).append(i)
        unknown = set(boost) - set(self.real_groups) if groups is not None else set(boost)
        if unknown:
            raise ValueError(f"boosted corpora {sorted(unknown)} have no real utterances")
        self.real_group_weights = [
            len(members) ** group_temperature * boost.get(name, 1.0)
            for name, members in self.real_groups.items()
        ]
        """Relative draw weight of each of :attr:`real_groups`."""

    def real_group_shares(self) -> dict[str, float]:
        """Expected share of each corpus among the real utterances drawn."""
        total = sum(self.real_group_weights)
        return {
            name: weight / total
            for name, weight in zip(self.real_groups, self.real_group_weights, strict=True)
        }

    def _draw_real(self, count: int) -> list[int]:
        if not self.real_groups:
            return [self.rng.choice(self.real) for _ in range(count)]
        names = self.rng.choices(list(self.real_groups), self.real_group_weights, k=count)
        return [self.rng.choice(self.real_groups[name]) for name in names]

    def _round(self) -> list[list[int]]:
        mean = float(np.mean([self.durations[i] for i in self.synthetic + self.real]))
        pool_size = int(self.pool_batches * self.max_batch_seconds / mean)
        n_real = round(pool_size * self.real_share)
        pool = self._draw_real(n_real)
        pool += [self.rng.choice(self.synthetic) for _ in range(pool_size - n_real)]
        pool.sort(key=lambda i: self.durations[i])
        batches: list[list[int]] = []
        batch: list[int] = []
        longest = 0.0
        for i in pool:
            longest = max(longest, self.durations[i])
            if batch and longest * (len(batch) + 1) > self.max_batch_seconds:
                batches.append(batch)
                batch, longest = [], self.durations[i]
            batch.append(i)
        if batch:
            batches.append(batch)
        if self.sorted_batches_left > 0:
            self.sorted_batches_left -= len(batches)
        else:
            self.rng.shuffle(batches)
        # every process of a distributed run draws the same rounds and takes its own share
        usable = len(batches) - len(batches) % self.world_size
        return batches[self.rank : usable : self.world_size]

    def __iter__(self) -> Iterator[list[int]]:
        while True:
            yield from self._round()
