"""Errors of the command grammar; all derive from :class:`CommandsError`."""

from __future__ import annotations

from pathlib import Path

from assistant.errors import AssistantError


class CommandsError(AssistantError):
    """Base class of every error raised by :mod:`assistant.commands`."""


class TemplateError(CommandsError):
    """A sentence template is malformed; carries no location (see :class:`GrammarError`)."""


class GrammarError(CommandsError):
    """A command file is wrong: names the file, the 1-based line and what is wrong."""

    def __init__(self, file: str | Path | None, line: int | None, message: str) -> None:
        """Record the location; ``str()`` reads ``file:line: message``."""
        self.file = str(file) if file is not None else None
        self.line = line
        self.message = message
        super().__init__(self.location + message)

    @property
    def location(self) -> str:
        """``file:line: `` (or less when either is unknown)."""
        parts = [p for p in (self.file, str(self.line) if self.line else None) if p]
        return ":".join(parts) + ": " if parts else ""


class GrammarTooLargeError(GrammarError):
    """The compiled automaton would exceed its size limit."""
