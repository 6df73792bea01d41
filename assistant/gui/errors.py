"""Errors of the desktop app; all derive from :class:`GuiError`."""

from __future__ import annotations

from assistant.errors import AssistantError


class GuiError(AssistantError):
    """Base class of every error raised by :mod:`assistant.gui`."""


class SettingsError(GuiError):
    """The settings file cannot be read, parsed or written; names the file."""
