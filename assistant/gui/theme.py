"""Light and dark looks that follow the system, the app icon, and the window's style sheet.

The app draws with Qt's Fusion style and one of two palettes, so it looks the same on every
desktop. The palette follows the system's colour scheme (Qt's style hints) and changes with
it while the app runs; where the system says nothing, the lightness of the platform's own
palette decides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

_LOGGER = logging.getLogger(__name__)

ICON_PATH = Path(__file__).parent / "icon.svg"
"""The app icon (scalable), shipped with the package."""


@dataclass(frozen=True)
class Theme:
    """The colours of one look, as ``#rrggbb``."""

    name: str
    """"light" or "dark"."""
    window: str
    """Window background."""
    surface: str
    """Panels: the conversation, the timers."""
    text: str
    """Body text."""
    muted: str
    """Small print, times, hints."""
    border: str
    """Panel outlines."""
    accent: str
    """Buttons, the assistant's name, selection."""
    you_bubble: str
    """Background of what the user said."""
    assistant_bubble: str
    """Background of the assistant's replies."""
    notice_bubble: str
    """Background of what the assistant says unprompted (a timer went off)."""
    you_name: str
    """The "You" label."""
    notice_name: str
    """The label of a notice."""
    listening: str
    """The talk button and status while listening."""
    thinking: str
    """Status while recognising."""
    speaking: str
    """Status while speaking."""
    problem_bg: str
    """Background of the problem banner."""
    problem_border: str
    """Outline of the problem banner."""
    problem_text: str
    """Text of the problem banner."""


LIGHT = Theme(
    name="light",
    window="#f4f5f7",
    surface="#ffffff",
    text="#1d1f23",
    muted="#6b7280",
    border="#d9dce1",
    accent="#2563eb",
    you_bubble="#e8f0fe",
    assistant_bubble="#f1f3f5",
    notice_bubble="#fff4d6",
    you_name="#1d4ed8",
    notice_name="#92400e",
    listening="#dc2626",
    thinking="#7c3aed",
    speaking="#059669",
    problem_bg="#fef2f2",
    problem_border="#fca5a5",
    problem_text="#7f1d1d",
)
DARK = Theme(
    name="dark",
    window="#1b1d21",
    surface="#24272c",
    text="#e6e8eb",
    muted="#9aa1ab",
    border="#373b42",
    accent="#5b8def",
    you_bubble="#20324f",
    assistant_bubble="#2e3238",
    notice_bubble="#3d3320",
    you_name="#93b4ff",
    notice_name="#f5c66b",
    listening="#ef4444",
    thinking="#a78bfa",
    speaking="#34d399",
    problem_bg="#3b1f22",
    problem_border="#7f2d33",
    problem_text="#fecaca",
)


def palette(theme: Theme) -> QPalette:
    """A Fusion palette of ``theme``'s colours."""
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.surface,
        QPalette.ColorRole.AlternateBase: theme.assistant_bubble,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.Button: theme.surface,
        QPalette.ColorRole.ButtonText: theme.text,
        QPalette.ColorRole.Highlight: theme.accent,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: theme.surface,
        QPalette.ColorRole.ToolTipText: theme.text,
        QPalette.ColorRole.PlaceholderText: theme.muted,
        QPalette.ColorRole.Link: theme.accent,
        QPalette.ColorRole.Mid: theme.border,
    }
    for role, color in roles.items():
        p.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(theme.muted))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(theme.muted))
    return p


def style_sheet(theme: Theme) -> str:
    """The window's own widgets: talk button, status pill, panels, banner, meter."""
    t = theme
    return f"""
QWidget#central {{ background: {t.window}; }}
QLabel#title {{ font-size: 15pt; font-weight: 600; color: {t.text}; }}
QLabel#hint {{ color: {t.muted}; }}
QLabel#partial {{ color: {t.muted}; font-style: italic; }}
QLabel#panelTitle {{ color: {t.muted}; font-weight: 600; }}
QLabel#statusPill {{
  border-radius: 11px; padding: 3px 12px; font-weight: 600;
  color: {t.text}; background: {t.border};
}}
QLabel#statusPill[state="listening"] {{ color: white; background: {t.listening}; }}
QLabel#statusPill[state="recognizing"] {{ color: white; background: {t.thinking}; }}
QLabel#statusPill[state="speaking"] {{ color: white; background: {t.speaking}; }}
QLabel#statusPill[state="no audio input"], QLabel#statusPill[state="no model"] {{
  color: {t.problem_text}; background: {t.problem_bg}; border: 1px solid {t.problem_border};
}}
QTextBrowser#conversation, QFrame#timersPanel {{
  background: {t.surface}; border: 1px solid {t.border}; border-radius: 10px;
}}
QPushButton#talkButton {{
  background: {t.accent}; color: white; border: none; border-radius: 14px;
  padding: 14px; font-size: 15pt; font-weight: 600;
}}
QPushButton#talkButton:hover {{ background: {QColor(t.accent).lighter(110).name()}; }}
QPushButton#talkButton[held="true"] {{ background: {t.listening}; }}
QPushButton#talkButton:disabled {{ background: {t.border}; color: {t.muted}; }}
QFrame#problemBanner {{
  background: {t.problem_bg}; border: 1px solid {t.problem_border}; border-radius: 8px;
}}
QFrame#problemBanner QLabel {{ color: {t.problem_text}; }}
QProgressBar#levelMeter {{
  border: 1px solid {t.border}; border-radius: 5px; background: {t.surface};
  color: {t.muted}; text-align: center; font-size: 8pt;
}}
QProgressBar#levelMeter::chunk {{ background: {t.speaking}; border-radius: 4px; }}
QToolButton#cancelTimer {{ border: none; color: {t.muted}; padding: 2px 6px; }}
QToolButton#cancelTimer:hover {{ color: {t.listening}; }}
"""


def app_icon() -> QIcon:
    """The app's icon (a microphone in a speech bubble)."""
    return QIcon(str(ICON_PATH))


def system_theme(app: QGuiApplication, platform_palette: QPalette) -> Theme:
    """The look the system asks for: its colour scheme, else its palette's lightness."""
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return DARK
    if scheme == Qt.ColorScheme.Light:
        return LIGHT
    return DARK if platform_palette.color(QPalette.ColorRole.Window).lightness() < 128 else LIGHT


class ThemeFollower(QObject):
    """Applies a look to the application and, unless one is forced, follows the system's."""

    def __init__(self, app: QApplication, forced: Theme | None = None) -> None:
        """Style ``app`` now; with ``forced`` None, again whenever the system's scheme changes."""
        super().__init__(app)
        self._app = app
        self._platform_palette = QPalette(app.palette())
        self._forced = forced
        self.theme = LIGHT
        """The look applied last."""
        app.setStyle("Fusion")
        app.styleHints().colorSchemeChanged.connect(self._follow)
        self.apply(forced or system_theme(app, self._platform_palette))

    def _follow(self, _scheme: Qt.ColorScheme) -> None:
        if self._forced is None:
            self.apply(system_theme(self._app, self._platform_palette))

    def apply(self, theme: Theme) -> None:
        """Give the application ``theme``'s palette and style sheet."""
        self.theme = theme
        self._app.setPalette(palette(theme))
        self._app.setStyleSheet(style_sheet(theme))
        _LOGGER.debug("%s theme", theme.name)
        for widget in self._app.topLevelWidgets():
            restyle = getattr(widget, "theme_changed", None)
            if restyle is not None:
                restyle(theme)
