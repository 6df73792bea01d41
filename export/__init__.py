"""Export of trained models to ONNX, verification against PyTorch, int8 quantisation."""
