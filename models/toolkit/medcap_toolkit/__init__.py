"""MedCap model toolkit: contrastive training, ONNX export and evaluation."""

# The PyPI `onnx` (needed by onnxruntime's quantiser) fails to import once Debian's torch 1.13 is
# loaded (ImportError from onnx.onnx_pb), while the other order works: import it first, here.
try:
    import onnx  # noqa: F401
except ImportError:  # onnx is only needed for quantised export
    pass

__version__ = "0.1.0"
