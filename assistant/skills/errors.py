"""Errors of the skills; all derive from :class:`SkillsError`."""

from __future__ import annotations

from assistant.errors import AssistantError


class SkillsError(AssistantError):
    """Base class of every error raised by :mod:`assistant.skills`."""


class SkillsConfigError(SkillsError):
    """A skills setting is invalid: names the setting, the bad value and what was expected."""


class NotesError(SkillsError):
    """The notes file cannot be read or written: names the file and the cause."""
