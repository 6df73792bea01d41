"""Countdown timers: one :class:`threading.Timer` each, no polling; durations in words.

A timer that ends calls the manager's ``on_done`` callback on the timer's own thread; the
callback must not block for long (the skills turn it into a reply for their listeners).
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

_LOGGER = logging.getLogger(__name__)

_UNITS = (("hour", 3600), ("minute", 60), ("second", 1))


def describe_duration(seconds: float) -> str:
    """Natural wording: 5400 -> ``"1 hour 30 minutes"``, 45 -> ``"45 seconds"``.

    Rounded to whole seconds; zero or less reads ``"0 seconds"``.
    """
    rest = max(0, round(seconds))
    parts = []
    for word, size in _UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count} {word}{'' if count == 1 else 's'}")
    return " ".join(parts) or "0 seconds"


@dataclass(frozen=True)
class Timer:
    """One running countdown."""

    id: int
    """Unique within its manager, in start order."""
    name: str | None
    """What the user called it ("pasta"); None when unnamed."""
    duration_s: float
    """Seconds it was set for."""
    ends_at: float
    """When it ends, on the manager's monotonic clock (seconds)."""

    def remaining_s(self, now: float) -> float:
        """Seconds left at monotonic time ``now`` (never below zero)."""
        return max(0.0, self.ends_at - now)

    @property
    def label(self) -> str:
        """How replies name it: ``"pasta timer"`` or ``"10 minute timer"``."""
        if self.name:
            return f"{self.name} timer"
        # Units as adjectives are singular: "a 1 hour 30 minute timer".
        words = describe_duration(self.duration_s).split()
        return " ".join(w.rstrip("s") if i % 2 else w for i, w in enumerate(words)) + " timer"


class TimerManager:
    """Starts, lists and cancels timers; reports each finished one to ``on_done``."""

    def __init__(
        self,
        on_done: Callable[[Timer], None] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``on_done`` runs on the timer's thread; ``clock`` gives monotonic seconds."""
        self._on_done = on_done
        self._clock = clock
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._running: dict[int, tuple[Timer, threading.Timer]] = {}

    def start(self, duration_s: float, name: str | None = None) -> Timer:
        """Start a timer; one of the same name is replaced. Raises ValueError unless > 0 s."""
        if not (math.isfinite(duration_s) and duration_s > 0):
            raise ValueError(f"a timer needs a duration above 0 seconds, got {duration_s}")
        if name:
            self.cancel(name)
        timer = Timer(next(self._ids), name, float(duration_s), self._clock() + duration_s)
        thread = threading.Timer(duration_s, self._finish, args=(timer,))
        thread.daemon = True
        thread.name = f"timer-{timer.id}"
        with self._lock:
            self._running[timer.id] = (timer, thread)
        thread.start()
        _LOGGER.info("started %s for %.1f s", timer.label, duration_s)
        return timer

    def cancel(self, name: str | None = None) -> list[Timer]:
        """Cancel every timer, or those called ``name``; returns the cancelled ones."""
        with self._lock:
            ids = [i for i, (t, _) in self._running.items() if name is None or t.name == name]
            cancelled = [self._running.pop(i) for i in ids]
        for _, thread in cancelled:
            thread.cancel()
        return [timer for timer, _ in cancelled]

    def cancel_id(self, timer_id: int) -> Timer | None:
        """Cancel the timer with ``timer_id``; returns it, or None when it is not running."""
        with self._lock:
            found = self._running.pop(timer_id, None)
        if found is None:
            return None
        timer, thread = found
        thread.cancel()
        _LOGGER.info("cancelled %s", timer.label)
        return timer

    def active(self) -> list[Timer]:
        """Running timers, soonest to end first."""
        with self._lock:
            timers = [timer for timer, _ in self._running.values()]
        return sorted(timers, key=lambda t: (t.ends_at, t.id))

    def now(self) -> float:
        """The manager's monotonic clock, for :meth:`Timer.remaining_s`."""
        return self._clock()

    def close(self) -> None:
        """Cancel all timers; none fires afterwards."""
        self.cancel()

    def _finish(self, timer: Timer) -> None:
        with self._lock:
            # Cancelled (or replaced) after its wait ended but before this ran: stay silent.
            if self._running.pop(timer.id, None) is None:
                return
        _LOGGER.info("%s is done", timer.label)
        if self._on_done is None:
            return
        try:
            self._on_done(timer)
        except Exception:  # a thread boundary: report, do not kill the timer thread silently
            _LOGGER.exception("timer callback failed for %s", timer.label)
