"""Errors raised by the runtime; all derive from :class:`AssistantError`."""


class AssistantError(Exception):
    """Base class of every error the runtime raises on purpose."""


class AudioError(AssistantError):
    """Audio could not be read or is unusable (corrupt, empty, wrong shape)."""


class NoInputDeviceError(AudioError):
    """The microphone asked for (or any microphone) is not connected; plugging one in helps."""


class ModelError(AssistantError):
    """The acoustic model file is missing, unreadable or does not match the runtime."""


class SpeechOutputError(AssistantError):
    """Text could not be spoken or synthesised: names the engine and the cause."""


class WordListError(AssistantError):
    """A word list (``transcribe --words``) is unreadable, empty or has unspellable entries."""
