"""Errors raised by the export tools; all derive from :class:`ExportError`."""


class ExportError(Exception):
    """Base class of every error the export tools raise on purpose."""


class VerificationError(ExportError):
    """onnxruntime and PyTorch disagree on an exported model."""
