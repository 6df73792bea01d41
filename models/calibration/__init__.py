"""Confidence calibration: a fixed set of utterances like users', and the fit of the
recogniser's confidence on it."""
