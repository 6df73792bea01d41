"""Training side: acoustic model, data, training and evaluation (needs the `train` extra)."""
