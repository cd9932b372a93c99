"""`export --quantize`: which quantiser makes the text graph of each mode. It sits above `weights` and
`text_q8` (which imports `weights`), so no two quantisers import each other."""

from __future__ import annotations

import shutil
from pathlib import Path

from .weights import quantize_nbits, quantize_weights_int8


def quantize_text(fp32_path: Path, out_path: Path, mode: str, medpix_dir=None) -> None:
    if mode == "int8-per-token":  # calibrated on MedPix train captions; frozen pre-trained tower only
        from .text_q8 import build

        build(fp32_path, out_path, medpix_dir=medpix_dir)
    elif mode == "nbits8":
        quantize_nbits(fp32_path, out_path)
    elif mode == "int8-weights":
        quantize_weights_int8(fp32_path, out_path)
    elif mode == "int8-dynamic":
        # smaller/faster, but a text's embedding then depends on its batch: not used by default
        from onnxruntime.quantization import QuantType, quantize_dynamic  # needs ml_dtypes (not pinned)

        quantize_dynamic(str(fp32_path), str(out_path), weight_type=QuantType.QInt8)
    elif mode == "fp16":
        raise NotImplementedError("fp16 export is not wired up; use int8-weights or none")
    else:
        shutil.copyfile(fp32_path, out_path)
