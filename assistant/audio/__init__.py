"""Audio input: files, resampling and (later) live sources."""
