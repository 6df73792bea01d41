"""Running allow-listed programs: argv lists only, never a shell.

Skills take these as injectable callables so tests can record the argv instead of running it.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable, Sequence

_LOGGER = logging.getLogger(__name__)

Runner = Callable[[Sequence[str]], None]
"""Runs an argv list; raises OSError or subprocess.SubprocessError when it fails."""

RUN_TIMEOUT_S = 5.0
"""Seconds a short command (a volume change) may take before it counts as failed."""


def run_checked(argv: Sequence[str]) -> None:
    """Run ``argv`` to completion (no shell); raises on a non-zero exit or a timeout."""
    _LOGGER.debug("running %s", list(argv))
    subprocess.run(
        list(argv),
        check=True,
        timeout=RUN_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def spawn_detached(argv: Sequence[str]) -> None:
    """Start ``argv`` (no shell) in its own session without waiting; raises OSError."""
    _LOGGER.debug("starting %s", list(argv))
    subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
