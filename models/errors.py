"""Errors raised by the training side; all derive from :class:`TrainingError`."""


class TrainingError(Exception):
    """Base class of every error the training side raises on purpose."""


class DataError(TrainingError):
    """A corpus, manifest or audio file used for training is missing or malformed."""


class SynthesisError(DataError):
    """A TTS engine is missing or failed to produce audio."""
