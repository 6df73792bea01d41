"""Offline push-to-talk voice assistant: runtime (no torch)."""

__version__ = "0.1.0"
