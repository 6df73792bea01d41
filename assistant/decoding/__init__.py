"""Turning the acoustic model's per-frame log-probabilities into text."""

from assistant.decoding.greedy import best_path, collapse, greedy_decode

__all__ = ["best_path", "collapse", "greedy_decode"]
