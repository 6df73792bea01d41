"""Live audio sources: the microphone (sounddevice) and a WAV file played like one.

Both deliver through the same path: PortAudio's callback (or the file's feeder thread) does
``queue.put_nowait(indata.copy())`` into a bounded queue and nothing else; :meth:`read`, on the
consumer's thread, takes a block off the queue, mixes it to mono and resamples it to 16 kHz.
A stream that ends unasked (device unplugged) or stops delivering is reported by :meth:`read`
as an :class:`~assistant.errors.AudioError`; :meth:`start` again recovers.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import math
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal, Protocol

import numpy as np

from assistant.audio.resample import StreamResampler
from assistant.errors import AudioError, NoInputDeviceError
from assistant.features import SAMPLE_RATE

_LOGGER = logging.getLogger(__name__)

BLOCK_MS = 30
"""Length of one captured block in milliseconds."""
QUEUE_SECONDS = 5.0
"""Audio the queue holds before blocks are dropped (the consumer is that far behind)."""
STALL_TIMEOUT_S = 2.0
"""A running stream that delivers nothing for this long counts as lost."""
PREROLL_MS = 300
"""Audio kept from before push-to-talk starts, so the first syllable is not cut."""
SILENCE_DBFS = -100.0
"""Level reported for digital silence (the floor of :func:`rms_dbfs`)."""

_END = None  # queued by a stream's finished callback


def rms_dbfs(block: np.ndarray) -> float:
    """RMS level of float audio in dB relative to full scale (1.0), floored at -100 dBFS."""
    samples = np.asarray(block, dtype=np.float32)
    if samples.size == 0:
        return SILENCE_DBFS
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(SILENCE_DBFS, 20.0 * math.log10(rms)) if rms > 0 else SILENCE_DBFS


class PreRoll:
    """Ring buffer of the most recent audio, handed to an utterance when it begins."""

    def __init__(self, milliseconds: int = PREROLL_MS, sample_rate: int = SAMPLE_RATE) -> None:
        """Keep the last ``milliseconds`` of ``sample_rate`` Hz audio."""
        self.capacity = sample_rate * milliseconds // 1000
        self._blocks: collections.deque[np.ndarray] = collections.deque()
        self._size = 0

    def append(self, block: np.ndarray) -> None:
        """Add a block, dropping the oldest audio beyond the capacity."""
        self._blocks.append(block)
        self._size += block.size
        while self._blocks and self._size - self._blocks[0].size >= self.capacity:
            self._size -= self._blocks.popleft().size

    def take(self) -> np.ndarray:
        """The buffered audio (at most the capacity), float32; the buffer is then empty."""
        audio = np.concatenate(list(self._blocks)) if self._blocks else np.zeros(0, np.float32)
        self.reset()
        return audio[-self.capacity :] if self.capacity else audio[:0]

    def reset(self) -> None:
        """Empty the buffer."""
        self._blocks.clear()
        self._size = 0


class AudioSource(Protocol):
    """Something that captures audio: started, read block by block, stopped."""

    name: str
    """What the user knows the source by (device name, file name)."""
    sample_rate: int
    """Rate in Hz of the blocks :meth:`read` returns."""

    @property
    def running(self) -> bool:
        """Whether the source is started and has not failed or been stopped."""
        ...

    @property
    def dropped_blocks(self) -> int:
        """Blocks lost because the queue was full (the reader fell behind)."""
        ...

    def start(self) -> None:
        """Open and start capturing; raises AudioError when that is impossible."""
        ...

    def stop(self) -> None:
        """Stop capturing and release the device; safe to call twice."""
        ...

    def read(self, timeout: float | None) -> np.ndarray | None:
        """Next mono float32 block, None after ``timeout`` s; raises AudioError on a lost stream."""
        ...


class _QueuedSource:
    """The shared half of a source: bounded queue, drop counting, mono mixing, resampling."""

    def __init__(
        self,
        name: str,
        *,
        block_ms: int,
        queue_seconds: float,
        stall_timeout_s: float,
    ) -> None:
        self.name = name
        self.sample_rate = SAMPLE_RATE
        self.block_ms = block_ms
        self.stall_timeout_s = stall_timeout_s
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(
            maxsize=max(1, math.ceil(queue_seconds * 1000 / block_ms))
        )
        self._dropped = 0
        self._xruns = 0
        self._running = False
        self._stopping = False
        self._finished = threading.Event()
        self._resampler: StreamResampler | None = None
        self._last_block = 0.0

    @property
    def running(self) -> bool:
        """Whether the source is started and has not failed or been stopped."""
        return self._running

    @property
    def dropped_blocks(self) -> int:
        """Blocks lost because the queue was full (the reader fell behind)."""
        return self._dropped

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        # Runs on the audio thread: no locks, logging or allocation beyond the copy.
        if status:
            self._xruns += 1
        try:
            self._queue.put_nowait(indata.copy())
        except queue.Full:
            self._dropped += 1

    def _on_finished(self) -> None:
        # PortAudio calls this once the stream has ended, asked for or not.
        self._finished.set()
        with contextlib.suppress(queue.Full):  # read() also sees the event
            self._queue.put_nowait(_END)

    def _reset(self, native_rate: int) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._finished.clear()
        self._stopping = False
        self._resampler = StreamResampler(native_rate, self.sample_rate)
        self._last_block = time.monotonic()
        self._running = True

    def _lost(self, message: str) -> AudioError:
        self._running = False
        self._close_stream()
        return AudioError(message)

    def _close_stream(self) -> None:
        """Release the underlying stream (overridden)."""

    def read(self, timeout: float | None) -> np.ndarray | None:
        """Next mono float32 block at 16 kHz, or None when none came within ``timeout`` s.

        Raises :class:`AudioError` when the stream ended without :meth:`stop` (device removed)
        or delivered nothing for ``stall_timeout_s``.
        """
        if not self._running or self._resampler is None:
            raise AudioError(f"{self.name}: the audio source is not started")
        try:
            item = self._queue.get(timeout=timeout) if timeout else self._queue.get_nowait()
        except queue.Empty:
            if self._finished.is_set() and not self._stopping:
                raise self._lost(self._ended_message()) from None
            if time.monotonic() - self._last_block > self.stall_timeout_s:
                raise self._lost(
                    f"{self.name}: no audio for {self.stall_timeout_s:.0f} s; the input device "
                    "stopped delivering (unplugged or in use by another program?)"
                ) from None
            return None
        if item is _END:
            if self._stopping:
                return None
            raise self._lost(self._ended_message())
        self._last_block = time.monotonic()
        mono = item.mean(axis=1) if item.ndim == 2 else item
        return self._resampler.process(mono)

    def _ended_message(self) -> str:
        return f"{self.name}: the input stream ended unexpectedly (device unplugged?)"


@dataclass(frozen=True)
class InputDevice:
    """One audio input as PortAudio lists it."""

    index: int
    """PortAudio device index (changes when devices come and go)."""
    name: str
    """Device name, stable enough to store in the settings."""
    host_api: str
    """Audio system, e.g. ALSA or PulseAudio."""
    default_sample_rate: int
    """The device's native rate in Hz, used to open it."""
    channels: int
    """Maximum input channels."""
    is_default: bool
    """Whether this is the system's default input."""


def _import_sounddevice() -> ModuleType:
    """sounddevice, or an AudioError saying what to install (it needs the PortAudio library)."""
    try:
        import sounddevice
    except OSError as e:  # raised when libportaudio is missing
        raise AudioError(
            f"cannot use the microphone: the PortAudio library is missing ({e}); install it, "
            "e.g. `apt-get install libportaudio2`"
        ) from e
    return sounddevice


def _sound_cards() -> tuple[str, ...] | None:
    """What the kernel lists as sound devices (Linux), to notice one being plugged in; None
    where that cannot be seen."""
    try:
        return tuple(sorted(os.listdir("/dev/snd")))
    except OSError:
        return None


RESCAN_UNSEEN_S = 10.0
"""Where the sound devices cannot be seen (no /dev/snd), the shortest time between two
re-readings of PortAudio's device list, in seconds."""

_last_rescan: dict[str, Any] = {"cards": None, "at": -math.inf}
"""The sound devices when PortAudio last read its list again, and when (time.monotonic())."""
_PORTAUDIO_LOCK = threading.Lock()
"""Held while PortAudio re-reads its devices, and while another thread lists them."""


def rescan_devices(sd: ModuleType) -> bool:
    """Make PortAudio list the devices afresh when the sound devices changed (it reads them
    once, at start-up); True when it did. Only while no stream of ours is open."""
    cards, now = _sound_cards(), time.monotonic()
    if cards is not None and cards == _last_rescan["cards"]:
        return False  # nothing plugged in or out: spare PortAudio's (noisy, slow) re-init
    if cards is None and now - _last_rescan["at"] < RESCAN_UNSEEN_S:
        return False
    _last_rescan.update(cards=cards, at=now)
    terminate, initialize = getattr(sd, "_terminate", None), getattr(sd, "_initialize", None)
    if terminate is None or initialize is None:
        return False
    try:
        with _PORTAUDIO_LOCK:
            terminate()
            initialize()
    except Exception as e:  # a failed re-init leaves sounddevice as it was; report, go on
        _LOGGER.info("re-reading the audio devices failed: %s", e)
        return False
    _LOGGER.info("re-read the audio devices")
    return True


def list_input_devices() -> list[InputDevice]:
    """Audio inputs with at least one channel, the default one flagged; raises AudioError."""
    sd = _import_sounddevice()
    try:
        with _PORTAUDIO_LOCK:  # not while the worker has PortAudio re-read them
            devices = sd.query_devices()
            host_apis = sd.query_hostapis()
            default_input = sd.default.device[0]
    except sd.PortAudioError as e:
        raise AudioError(f"cannot list audio devices: {e}") from e
    found = []
    for index, device in enumerate(devices):
        if device["max_input_channels"] < 1:
            continue
        found.append(
            InputDevice(
                index=index,
                name=str(device["name"]),
                host_api=str(host_apis[device["hostapi"]]["name"]),
                default_sample_rate=int(device["default_samplerate"]),
                channels=int(device["max_input_channels"]),
                is_default=index == default_input,
            )
        )
    return found


class MicrophoneSource(_QueuedSource):
    """An input device through sounddevice, opened mono at its native rate."""

    def __init__(
        self,
        device: int | str | None = None,
        *,
        block_ms: int = BLOCK_MS,
        queue_seconds: float = QUEUE_SECONDS,
        stall_timeout_s: float = STALL_TIMEOUT_S,
    ) -> None:
        """Capture from ``device`` (index, name or None for the system default)."""
        super().__init__(
            "default input" if device is None else f"input {device!r}",
            block_ms=block_ms,
            queue_seconds=queue_seconds,
            stall_timeout_s=stall_timeout_s,
        )
        self.device = device
        self._stream: Any = None

    def start(self) -> None:
        """Open the device at its native rate and start capturing; raises AudioError."""
        self.stop()
        sd = _import_sounddevice()
        try:
            info = self._query(sd)
        except (ValueError, sd.PortAudioError) as e:
            # PortAudio's own words ("Error querying device -1") go to the log, not the user.
            _LOGGER.info("no input device %r: %s", self.device, e)
            what = (
                "No microphone is connected"
                if self.device is None
                else f"The microphone “{self.device}” is not connected"
            )
            raise NoInputDeviceError(what) from e
        self.name = str(info["name"])
        native_rate = int(info["default_samplerate"])
        self._reset(native_rate)
        try:
            self._stream = sd.InputStream(
                device=self.device,
                samplerate=native_rate,
                channels=1,
                dtype="float32",
                blocksize=native_rate * self.block_ms // 1000,
                callback=self._callback,
                finished_callback=self._on_finished,
            )
            self._stream.start()
        except (ValueError, sd.PortAudioError) as e:
            self._running = False
            self._close_stream()
            _LOGGER.info("cannot open %s at %d Hz: %s", self.name, native_rate, e)
            raise AudioError(
                f"The microphone “{self.name}” cannot be opened. Check that no other program "
                "holds it, or choose another input in Settings"
            ) from e
        _LOGGER.info("capturing from %s at %d Hz", self.name, native_rate)

    def _query(self, sd: ModuleType) -> Any:
        """The device's PortAudio description; looks again after a rescan when it is missing
        (PortAudio only sees a microphone plugged in after it started when asked to)."""
        try:
            return sd.query_devices(self.device, kind="input")
        except (ValueError, sd.PortAudioError):
            if not rescan_devices(sd):
                raise
        return sd.query_devices(self.device, kind="input")

    def stop(self) -> None:
        """Stop capturing and close the device; safe to call twice."""
        self._stopping = True
        self._running = False
        self._close_stream()
        if self._dropped or self._xruns:
            _LOGGER.warning(
                "%s: %d blocks dropped (reader behind), %d PortAudio over/underruns",
                self.name,
                self._dropped,
                self._xruns,
            )

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.abort()
            stream.close()
        except Exception as e:  # a removed device may fail to close; it is gone either way
            _LOGGER.warning("%s: closing the input stream failed: %s", self.name, e)


class ThreadFedSource(_QueuedSource):
    """A source whose blocks come from a feeder thread of its own (files, scripted speech)
    instead of PortAudio; the thread calls the same callback a microphone stream would."""

    def __init__(
        self, name: str, *, block_ms: int, queue_seconds: float, stall_timeout_s: float
    ) -> None:
        """A source named ``name``; the queue settings are those of a microphone."""
        super().__init__(
            name, block_ms=block_ms, queue_seconds=queue_seconds, stall_timeout_s=stall_timeout_s
        )
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()

    def _start_feeding(self, target: Callable[..., None], *args: object) -> None:
        self._stop_event.clear()
        self._thread = threading.Thread(
            target=target, args=args, name=f"feed:{self.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop feeding; safe to call twice."""
        self._stopping = True
        self._running = False
        self._close_stream()

    def _close_stream(self) -> None:
        self._stop_event.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)


class WavFileSource(ThreadFedSource):
    """A sound file played through the microphone's queue path, in real time or faster.

    After the file: ``then="silence"`` keeps delivering silence like a quiet microphone;
    ``then="end"`` ends the stream as an unplugged device would (:meth:`read` raises).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        speed: float = 1.0,
        then: Literal["silence", "end"] = "silence",
        block_ms: int = BLOCK_MS,
        queue_seconds: float = QUEUE_SECONDS,
        stall_timeout_s: float = STALL_TIMEOUT_S,
    ) -> None:
        """Play ``path`` at ``speed`` times real time (> 0)."""
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        super().__init__(
            Path(path).name,
            block_ms=block_ms,
            queue_seconds=queue_seconds,
            stall_timeout_s=stall_timeout_s,
        )
        self.path = Path(path)
        self.speed = speed
        self.then = then

    def start(self) -> None:
        """Read the file and start feeding it; raises AudioError for an unreadable file."""
        self.stop()
        import soundfile as sf

        try:
            audio, rate = sf.read(str(self.path), dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError, ValueError) as e:
            raise AudioError(f"{self.path}: not a readable audio file ({e})") from e
        self._reset(int(rate))
        self._start_feeding(self._feed, audio, int(rate))

    def _feed(self, audio: np.ndarray, rate: int) -> None:
        frames = max(1, rate * self.block_ms // 1000)
        period = frames / rate / self.speed
        silence = np.zeros((frames, audio.shape[1]), dtype=np.float32)
        position = 0
        deadline = time.monotonic()
        while not self._stop_event.is_set():
            if position < len(audio):
                block = audio[position : position + frames]
                position += frames
            elif self.then == "silence":
                block = silence
            else:
                break
            # Pace against a deadline, not a fixed sleep, so the rate does not drift.
            deadline += period
            if self._stop_event.wait(max(0.0, deadline - time.monotonic())):
                break
            self._callback(block, len(block), None, None)
        self._on_finished()
