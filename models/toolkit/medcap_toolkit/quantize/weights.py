"""Weight quantisation of the text graphs and the text-form dispatcher of `export`.

- `quantize_weights_int8`: weight-only int8 (DequantizeLinear), the embedding tables of every form;
- `nbits8` (served by v2 until stop 22): every MatMul with a constant [K, N] weight becomes ONNX Runtime's
  `com.microsoft.MatMulNBits` with 8-bit weights in blocks of 32 along K (one float scale per block,
  symmetric: zero point 128) and `accuracy_level=4`, i.e. the kernel quantises each activation row per
  block to int8 as well and multiplies with VNNI int8 dot products. Activation scales are per row and block,
  so a text's embedding does not depend on its batch-mates or their padding (unlike `quantize_dynamic`'s
  per-tensor activation scale). The embedding table (Gather) and the projection (Gemm) keep the weight-only
  int8 + DequantizeLinear form, which ONNX Runtime folds to float32 once at load;
- `quantize_dynamic_int8`: a comparison point only.

The served text form, int8-per-token, is `text_q8.py`; the image encoder's static int8 is `image.py`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

NBITS = 8
BLOCK_SIZE = 32
ACCURACY_LEVEL = 4  # int8 activations × int8 weights (VNNI); 0/1 would dequantise to fp32


def quantize_nbits(fp32_path: Path, out_path: Path, block_size: int = BLOCK_SIZE,
                   accuracy_level: int = ACCURACY_LEVEL) -> dict:
    """fp32 text graph → MatMulNBits (8-bit) for the MatMuls, weight-only int8 for the rest."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(fp32_path))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    uses: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1
    nodes, dropped, stats = [], set(), {"matmuls": 0, "params": 0}
    for node in graph.node:
        w_init = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        w = numpy_helper.to_array(w_init) if w_init is not None else None
        if w is None or w.dtype != np.float32 or w.ndim != 2 or w.shape[0] % block_size or uses[w_init.name] != 1:
            nodes.append(node)
            continue
        q, scales = nbits8_blocks(w, block_size)
        base = w_init.name
        graph.initializer.extend([numpy_helper.from_array(q, base + "_q8"), numpy_helper.from_array(scales, base + "_scales")])
        nodes.append(helper.make_node(
            "MatMulNBits", [node.input[0], base + "_q8", base + "_scales"], list(node.output), name=node.name + "_nbits8",
            domain="com.microsoft", K=int(w.shape[0]), N=int(w.shape[1]), bits=NBITS, block_size=block_size,
            accuracy_level=accuracy_level))
        dropped.add(base)
        stats["matmuls"] += 1
        stats["params"] += int(w.size)
    keep = [i for i in graph.initializer if i.name not in dropped]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.checker.check_model(model)
    tmp = Path(str(out_path) + ".nbits.tmp")
    onnx.save(model, str(tmp))
    try:
        stats["weightOnlyInt8"] = quantize_weights_int8(tmp, out_path)  # embedding table + projection
    finally:
        tmp.unlink(missing_ok=True)
    return stats


def quantize_dynamic_int8(fp32_path: Path, out_path: Path) -> None:
    """onnxruntime's quantize_dynamic on every MatMul (per-column int8 weights, u8 activations with one
    scale per tensor), then weight-only int8 for the embedding table as in the other forms. A comparison
    point only (results/text_mixed.md, text_q8.md): fast, but cosine 0.98 and batch-dependent."""
    from onnxruntime.quantization import QuantType, quantize_dynamic  # needs ml_dtypes

    tmp = Path(str(out_path) + ".dyn.tmp.onnx")
    quantize_dynamic(str(fp32_path), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])
    try:
        quantize_weights_int8(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)


def nbits8_blocks(w: np.ndarray, block_size: int = BLOCK_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """[K, N] float32 → (uint8 [N, K/block, block], float32 [N, K/block]): symmetric per block,
    q = round(w / scale) + 128 with scale = max|w| / 127 (MatMulNBits' default zero point is 128)."""
    k, n = w.shape
    blocks = w.T.reshape(n, k // block_size, block_size)
    amax = np.abs(blocks).max(axis=2)
    scales = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.round(blocks / scales[:, :, None]), -127, 127) + 128
    return q.astype(np.uint8), scales


def dequantize_nbits8(q: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Inverse of nbits8_blocks: [K, N] float32 (for checks)."""
    n, nb, bs = q.shape
    return ((q.astype(np.float32) - 128) * scales[:, :, None]).reshape(n, nb * bs).T



def quantize_weights_int8(fp32_path: Path, out_path: Path, min_elements: int = 4096, keep: set[str] = frozenset()) -> dict:
    """Weight-only int8: each large 2-D initializer feeding MatMul/Gemm/Gather becomes an int8
    tensor + per-channel float scale + a standard DequantizeLinear node; activations stay float32.

    Unlike onnxruntime's quantize_dynamic (which quantises activations with a scale taken from the
    whole batch), the result for one text does not depend on what else is in the batch or how much
    padding it has, so the service's micro-batcher and the parity fixtures agree.
    """
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(fp32_path))
    graph = model.graph
    consumers: dict[str, list] = {}
    for node in graph.node:
        for i, name in enumerate(node.input):
            consumers.setdefault(name, []).append((node, i))
    new_inits, dq_nodes, stats = [], [], {"tensors": 0, "params": 0}
    for init in list(graph.initializer):
        w = numpy_helper.to_array(init)
        uses = consumers.get(init.name, [])
        if w.dtype != np.float32 or w.ndim != 2 or w.size < min_elements or not uses or init.name in keep:
            new_inits.append(init)
            continue
        kinds = {(n.op_type, i) for n, i in uses}
        if kinds <= {("Gather", 0)}:
            axis = 0  # embedding table: one scale per row (token)
        elif kinds <= {("MatMul", 1)}:
            axis = 1  # [in, out]: one scale per output column
        elif kinds <= {("Attention", 1)}:
            axis = 1  # fused attention's packed [hidden, 3 * hidden] QKV weight: per output column
        elif kinds <= {("Gemm", 1)} and all(
                any(a.name == "transB" and a.i == 1 for a in n.attribute) for n, _ in uses):
            axis = 0  # [out, in] with transB
        else:
            new_inits.append(init)
            continue
        amax = np.abs(w).max(axis=1 - axis)
        scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
        shape = (-1, 1) if axis == 0 else (1, -1)
        q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
        base = init.name
        new_inits += [numpy_helper.from_array(q, base + "_int8"), numpy_helper.from_array(scale, base + "_scale"),
                      numpy_helper.from_array(np.zeros_like(scale, dtype=np.int8), base + "_zero")]
        dq_nodes.append(helper.make_node("DequantizeLinear", [base + "_int8", base + "_scale", base + "_zero"], [base],
                                         name=base + "_dequantize", axis=axis))
        stats["tensors"] += 1
        stats["params"] += int(w.size)
    del graph.initializer[:]
    graph.initializer.extend(new_inits)
    nodes = dq_nodes + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(out_path))
    return stats
