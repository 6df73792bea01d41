"""Opening programs and web pages, only those the user's allow-list names.

The argv comes from the configuration, never from recognised words: the spoken name only picks
an entry. Programs start detached through an injected launcher (no shell); web pages open with
:func:`webbrowser.open`.
"""

from __future__ import annotations

import logging
import sys
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from assistant.skills.process import Runner, spawn_detached

_LOGGER = logging.getLogger(__name__)

UrlOpener = Callable[[str], bool]
"""Opens a URL in the browser; False when it could not."""


def default_apps(platform: str = sys.platform) -> dict[str, tuple[str, ...]]:
    """Harmless desktop programs for the built-in ``app`` list, per ``sys.platform`` value."""
    home = str(Path.home())
    if platform == "darwin":
        return {
            "firefox": ("open", "-a", "Firefox"),
            "terminal": ("open", "-a", "Terminal"),
            "files": ("open", home),
            "editor": ("open", "-a", "TextEdit"),
            "calculator": ("open", "-a", "Calculator"),
            "settings": ("open", "-a", "System Settings"),
        }
    if platform.startswith("win"):
        return {
            "firefox": ("explorer.exe", "https://www.mozilla.org/firefox/"),
            "files": ("explorer.exe", home),
            "editor": ("notepad.exe",),
            "calculator": ("calc.exe",),
            "settings": ("explorer.exe", "ms-settings:"),
        }
    return {
        "firefox": ("firefox",),
        "terminal": ("x-terminal-emulator",),
        "files": ("xdg-open", home),
        "editor": ("xdg-open", home),
        "calculator": ("gnome-calculator",),
        "settings": ("gnome-control-center",),
    }


DEFAULT_URLS = {
    "wikipedia": "https://www.wikipedia.org/",
    "maps": "https://www.openstreetmap.org/",
}
"""Web pages a user grammar may name in its ``app`` list (the built-in list names none)."""


class AppLauncher:
    """Opens allow-listed programs and web pages by their spoken name."""

    def __init__(
        self,
        apps: Mapping[str, Sequence[str]],
        urls: Mapping[str, str],
        *,
        launcher: Runner = spawn_detached,
        open_url: UrlOpener = webbrowser.open,
    ) -> None:
        """``apps``: name -> argv; ``urls``: name -> URL; names match case-insensitively."""
        self._apps = {name.lower(): tuple(argv) for name, argv in apps.items()}
        self._urls = {name.lower(): url for name, url in urls.items()}
        self._launcher = launcher
        self._open_url = open_url

    @property
    def names(self) -> list[str]:
        """Every name that can be opened, sorted."""
        return sorted(set(self._apps) | set(self._urls))

    def open(self, name: str) -> str:
        """Open ``name`` if it is allow-listed; returns the reply."""
        key = " ".join(name.lower().split())
        if key in self._apps:
            argv = self._apps[key]
            try:
                self._launcher(argv)
            except OSError as e:
                _LOGGER.warning("cannot start %s (%s): %s", name, argv, e)
                return f"I couldn't start {name}."
            return f"Opening {name}."
        if key in self._urls:
            url = self._urls[key]
            try:
                opened = self._open_url(url)
            except webbrowser.Error as e:
                _LOGGER.warning("cannot open %s (%s): %s", name, url, e)
                opened = False
            return f"Opening {name}." if opened else f"I couldn't open {name}."
        _LOGGER.info("%r is not allow-listed (have: %s)", name, ", ".join(self.names))
        return f"{name[:1].upper()}{name[1:]} isn't in your list of apps."
