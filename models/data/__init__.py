"""Speech data: text sources, TTS synthesis, manifests and datasets."""
