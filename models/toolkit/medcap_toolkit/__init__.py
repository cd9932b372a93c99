"""MedCap model toolkit: contrastive training, ONNX export and evaluation."""
__version__ = "0.1.0"
