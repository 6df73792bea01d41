#!/usr/bin/env python3
"""Save docs/screenshot.png: the real main window with a sample conversation, under Xvfb.

    .venv/bin/python scripts/screenshot.py [--out PATH]

Without a display it re-runs itself under ``xvfb-run`` (apt-get install xvfb).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class _Timer:
    name: str | None
    ends_at: float

    def remaining_s(self, now: float) -> float:
        return max(0.0, self.ends_at - now)


class _Timers:
    def active(self) -> list[_Timer]:
        return [_Timer("pasta", 9 * 60 + 42), _Timer(None, 24 * 60 + 5)]

    def now(self) -> float:
        return 0.0


def _turn(heard: str, intent: str | None, confidence: float, reply: str, ms: float) -> object:
    from assistant.commands.intents import RecognitionResult
    from assistant.engine import Timings, Turn

    result = RecognitionResult(intent, {}, confidence, heard)
    timings = Timings(1400.0, ms * 0.7, ms * 0.3, ms, 1.0, ms + 1.0)
    return Turn(heard, result, reply, True, timings)


def _shoot(out: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from assistant.gui.settings import Settings
    from assistant.gui.window import MainWindow

    app = QApplication(sys.argv[:1])
    window = MainWindow(Settings(), timers=_Timers())
    window.resize(860, 600)
    for turn in (
        _turn(
            "set a timer for ten minutes called pasta",
            "SetTimer",
            0.94,
            "Pasta timer set for 10 minutes.",
            112,
        ),
        _turn("what time is it", "GetTime", 0.97, "It's 12:05.", 64),
        _turn("play some jazz", None, 0.12, "Sorry, I didn't catch that.", 71),
        _turn("what is twelve times seven", "Calculate", 0.88, "12 times 7 is 84.", 95),
    ):
        window.show_turn(turn)  # type: ignore[arg-type]
    window.press()  # as while the button is held
    window.set_state("listening")
    window.show_level(-27.0)
    window.show_partial("remind me in twenty min")
    window.show()
    app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out)):
        print(f"screenshot: cannot write {out}", file=sys.stderr)
        return 1
    print(out)
    return 0


def main() -> int:
    """Parse the arguments; re-run under xvfb-run when there is no display."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "screenshot.png", help="PNG file to write"
    )
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            print("screenshot: no display and no xvfb-run (apt-get install xvfb)", file=sys.stderr)
            return 2
        command = [xvfb, "-a", "-s", "-screen 0 1280x800x24", sys.executable, *sys.argv]
        return subprocess.run(command, check=False).returncode
    return _shoot(args.out)


if __name__ == "__main__":
    sys.exit(main())
