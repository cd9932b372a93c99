"""Mixed-precision text graphs side by side (issue #14 item 1, second attempt; results/text_mixed.md).

Usage (models/toolkit): .venv/bin/python scripts/text_mixed.py --fp32 text_encoder.fp32.onnx \
    --out runs/text-mixed --variants int8-dynamic:d=qkvoif smooth:s=qkvoif@0.7 mix:d=qko,n8b32=vif
The fp32 graph comes from `python -m medcap_toolkit text-fp32`. A variant is `<name>:<spec>`; the spec
assigns each per-layer MatMul kind a form as `form=kinds,form=kinds[@alpha]`. Kinds: q, k, v (attention
query/key/value), o (attention output), i (FFN input), f (FFN output); kinds not named stay `x`. Forms:
  n4b32, n4b16, n8b32  MatMulNBits 4/8-bit, block 32/16, accuracy_level 4 (int8 activations per row/block)
  d                    quantize_dynamic int8 (u8 activations, one scale per tensor)
  s                    SmoothQuant then `d`: activation range migrated per input channel into the weights
                       (calibrated on train captions; `@alpha` at the end of the spec, default 0.5)
  r                    int8 activations with one scale per token x per-column int8 weights (MatMulInteger)
  h                    float16 MatMul between Casts
  w                    weight-only per-column int8, folded to float32 at load
  x                    float32 kept
The embedding table is weight-only int8 in every variant. Timing and cosine as scripts/text_variants.py
(the service's session options, 1 thread, variants interleaved in one process).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from medcap_toolkit import data  # noqa: E402
from medcap_toolkit.quantize.text_q8 import kind_of as key_kind, weight_key  # noqa: E402
from medcap_toolkit.quantize.weights import quantize_weights_int8  # noqa: E402
from medcap_toolkit.text_bench import compare  # noqa: E402
from medcap_toolkit.tokenizer import WordPieceTokenizer  # noqa: E402

def kind_of(name: str) -> str | None:
    """q k v o i f for a per-layer MatMul node of the text graph (text_q8's naming), else None."""
    key = weight_key(name)
    return key_kind(key) if key else None


def nbits_blocks(w: np.ndarray, bits: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    """[K, N] → (uint8 [N, K/block, block*bits/8], float32 [N*K/block]); symmetric, default zero point."""
    k, n = w.shape
    qmax = (1 << (bits - 1)) - 1
    blocks = w.T.reshape(n, k // block, block)
    amax = np.abs(blocks).max(axis=2)
    scales = np.where(amax > 0, amax / qmax, 1.0).astype(np.float32)
    q = (np.clip(np.round(blocks / scales[:, :, None]), -qmax, qmax) + (1 << (bits - 1))).astype(np.uint8)
    if bits == 4:  # two per byte, the even element in the low nibble
        q = (q[:, :, 0::2] | (q[:, :, 1::2] << 4)).astype(np.uint8)
    return q, scales.reshape(-1)


def calibrate(fp32: Path, feeds: list[dict]) -> dict[str, np.ndarray]:
    """max |x| per input channel of every per-layer MatMul's activation input, over the calibration texts."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(fp32))
    names = sorted({n.input[0] for n in model.graph.node if n.op_type == "MatMul" and kind_of(n.name)})
    have = {o.name for o in model.graph.output}
    model.graph.output.extend([onnx.helper.make_empty_tensor_value_info(x) for x in names if x not in have])
    s = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    amax = {x: None for x in names}
    for f in feeds:
        for x, a in zip(names, s.run(names, f), strict=True):
            m = np.abs(a.reshape(-1, a.shape[-1])).max(0)
            amax[x] = m if amax[x] is None else np.maximum(amax[x], m)
    return amax


def smooth(model, form: dict, amax: dict, alpha: float) -> None:
    """SmoothQuant: for every activation feeding MatMuls marked `s`, x' = x / s (a Mul node) and the weights'
    input rows × s, s_j = max|x_j|^alpha / max|w_j|^(1-alpha), so int8 activation scales fit better."""
    from onnx import helper, numpy_helper

    g = model.graph
    inits = {i.name: i for i in g.initializer}
    groups: dict[str, list] = {}
    for node in g.node:
        if node.op_type == "MatMul" and form.get(kind_of(node.name) or "") == "s":
            groups.setdefault(node.input[0], []).append(node)
    muls = []
    for x, consumers in groups.items():
        ws = [numpy_helper.to_array(inits[n.input[1]]) for n in consumers]
        wmax = np.max([np.abs(w).max(1) for w in ws], axis=0)
        sc = (np.maximum(amax[x], 1e-5) ** alpha / np.maximum(wmax, 1e-5) ** (1 - alpha)).astype(np.float32)
        for n, w in zip(consumers, ws, strict=True):
            inits[n.input[1]].CopyFrom(numpy_helper.from_array((w * sc[:, None]).astype(np.float32), n.input[1]))
            n.input[0] = x + "_smooth"
        g.initializer.append(numpy_helper.from_array((1 / sc).astype(np.float32), x + "_smooth_inv"))
        muls.append(helper.make_node("Mul", [x, x + "_smooth_inv"], [x + "_smooth"], name=x + "_smooth"))
    # topological order: each Mul right after its input's producer (or first, for graph inputs)
    out = []
    for node in g.node:
        out.append(node)
        out += [m for m in muls if m.input[0] in node.output]
    out = [m for m in muls if m not in out] + out
    g.ClearField("node")
    g.node.extend(out)


def per_token_int8(g, node, w: np.ndarray, qcache: dict) -> list:
    """MatMul(x, W) → int8 x with one scale per token (row) × int8 W with one scale per output column
    (MatMulInteger, int32 accumulate) → float; a text's result does not depend on its batch-mates."""
    from onnx import TensorProto, helper, numpy_helper

    x, b, new = node.input[0], node.input[1], []
    if x not in qcache:  # Q, K and V share their input: quantise it once
        p = x + "_tok"
        if not any(i.name == "tok_127" for i in g.initializer):
            g.initializer.extend([numpy_helper.from_array(np.array(127.0, np.float32), "tok_127"),
                                  numpy_helper.from_array(np.array(1e-8, np.float32), "tok_eps")])
        new += [helper.make_node("Abs", [x], [p + "_abs"], name=p + "_abs"),
                helper.make_node("ReduceMax", [p + "_abs"], [p + "_max"], name=p + "_max", axes=[-1], keepdims=1),
                helper.make_node("Max", [p + "_max", "tok_eps"], [p + "_maxe"], name=p + "_maxe"),
                helper.make_node("Div", ["tok_127", p + "_maxe"], [p + "_inv"], name=p + "_inv"),
                helper.make_node("Mul", [x, p + "_inv"], [p + "_scaled"], name=p + "_scaled"),
                helper.make_node("Round", [p + "_scaled"], [p + "_round"], name=p + "_round"),
                helper.make_node("Cast", [p + "_round"], [p + "_q"], name=p + "_q", to=TensorProto.INT8),
                helper.make_node("Div", [p + "_maxe", "tok_127"], [p + "_scale"], name=p + "_scale")]
        qcache[x] = (p + "_q", p + "_scale")
    xq, xs = qcache[x]
    amax = np.abs(w).max(0)
    ws = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    wq = np.clip(np.round(w / ws), -127, 127).astype(np.int8)
    g.initializer.extend([numpy_helper.from_array(wq, b + "_wq"), numpy_helper.from_array(ws, b + "_ws")])
    o = node.output[0]
    return new + [helper.make_node("MatMulInteger", [xq, b + "_wq"], [o + "_i32"], name=node.name + "_int"),
                  helper.make_node("Cast", [o + "_i32"], [o + "_f"], name=node.name + "_f", to=TensorProto.FLOAT),
                  helper.make_node("Mul", [o + "_f", b + "_ws"], [o + "_fw"], name=node.name + "_fw"),
                  helper.make_node("Mul", [o + "_fw", xs], [o], name=node.name + "_fx")]


def build(fp32: Path, spec: str, out: Path, amax: dict | None = None, alpha: float = 0.5) -> None:
    import onnx
    from onnx import helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    form = {}
    for part in filter(None, spec.split(",")):
        f, kinds = part.split("=")
        form.update({k: f for k in kinds})
    model = onnx.load(str(fp32))
    if "s" in form.values():
        smooth(model, form, amax, alpha)
        form = {k: ("d" if f == "s" else f) for k, f in form.items()}
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    nodes, dropped, dyn, keep_fp32, qcache = [], set(), [], [], {}
    for node in g.node:
        f = form.get(kind_of(node.name) or "", "x") if node.op_type == "MatMul" else None
        if f and f.startswith("n"):
            bits, block = int(f[1]), int(f[3:])
            w = numpy_helper.to_array(inits[node.input[1]])
            q, s = nbits_blocks(w, bits, block)
            b = node.input[1]
            g.initializer.extend([numpy_helper.from_array(q, b + "_q"), numpy_helper.from_array(s, b + "_s")])
            nodes.append(helper.make_node("MatMulNBits", [node.input[0], b + "_q", b + "_s"], list(node.output),
                                          name=node.name + "_nbits", domain="com.microsoft", K=w.shape[0],
                                          N=w.shape[1], bits=bits, block_size=block, accuracy_level=4))
            dropped.add(b)
            continue
        if f == "r":
            nodes += per_token_int8(g, node, numpy_helper.to_array(inits[node.input[1]]), qcache)
            dropped.add(node.input[1])
            continue
        if f == "h":  # float16 MatMul between two Casts
            from onnx import TensorProto
            w16 = numpy_helper.to_array(inits[node.input[1]]).astype(np.float16)
            b, x, o = node.input[1], node.input[0], node.output[0]
            g.initializer.append(numpy_helper.from_array(w16, b + "_h"))
            nodes += [helper.make_node("Cast", [x], [o + "_xh"], name=node.name + "_xh", to=TensorProto.FLOAT16),
                      helper.make_node("MatMul", [o + "_xh", b + "_h"], [o + "_h"], name=node.name + "_h"),
                      helper.make_node("Cast", [o + "_h"], [o], name=node.name + "_hf", to=TensorProto.FLOAT)]
            dropped.add(b)
            continue
        if f == "d":
            dyn.append(node.name)
        if f == "x":
            keep_fp32.append(node.input[1])
        nodes.append(node)
    # guard float32-kept weights from the weight-only int8 pass with a dummy consumer, removed afterwards
    guards = [helper.make_node("Identity", [w], [w + "_guard"], name=w + "_guard") for w in keep_fp32]
    g.ClearField("node")
    g.node.extend(nodes + guards)
    keep = [i for i in g.initializer if i.name not in dropped]
    g.ClearField("initializer")
    g.initializer.extend(keep)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    tmp = Path(str(out) + ".tmp.onnx")
    onnx.save(model, str(tmp))
    if dyn:
        quantize_dynamic(str(tmp), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"], nodes_to_quantize=dyn)
    quantize_weights_int8(tmp, tmp)
    m = onnx.load(str(tmp))
    live = [n for n in m.graph.node if not n.name.endswith("_guard")]
    m.graph.ClearField("node")
    m.graph.node.extend(live)
    onnx.save(m, str(out))
    tmp.unlink()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fp32", required=True)
    ap.add_argument("--model-dir", default=str(Path(__file__).resolve().parents[2] / "medcap-base-v2"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--split", default="dev", help="caption set for the cosine check (dev or train)")
    ap.add_argument("--max-texts", type=int, default=0, help="0 = every caption of the split")
    ap.add_argument("--variants", nargs="+", required=True)
    ap.add_argument("--calib", type=int, default=200, help="train captions for SmoothQuant's activation maxima")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tok = WordPieceTokenizer.from_vocab_file(Path(args.model_dir) / "vocab.txt", max_length=128)
    amax = None
    if any(":s" in x or "s=" in x for x in args.variants):
        train = sorted({r.caption for r in data.load_split("train")})
        calib = train[:: max(1, len(train) // args.calib)][: args.calib]
        amax = calibrate(Path(args.fp32), [{"input_ids": np.array([ids], dtype=np.int64),
                                            "attention_mask": np.ones((1, len(ids)), dtype=np.int64)}
                                           for ids in (tok.encode(t) for t in calib)])
    v = {"fp32": Path(args.fp32)}
    specs = {"fp32": "x=qkvoif"}
    for item in args.variants:
        name, spec = item.split(":", 1)
        alpha = 0.5
        if "@" in spec:  # SmoothQuant's alpha: `s=qkvoif@0.7`
            spec, a = spec.split("@")
            alpha = float(a)
        v[name], specs[name] = out / f"{name}.onnx", spec + (f"@{alpha}" if "s=" in spec else "")
        build(Path(args.fp32), spec, v[name], amax, alpha)

    texts = sorted({r.caption for r in data.load_split(args.split)})
    if args.max_texts:
        texts = texts[:: max(1, len(texts) // args.max_texts)][: args.max_texts]
    res = compare(v, tok, texts, rounds=args.rounds)
    for n in res:
        res[n]["spec"] = specs[n]
        print(n, json.dumps({k: (round(x, 5) if isinstance(x, float) else x) for k, x in res[n].items()}), flush=True)
    import onnxruntime

    (out / "text_mixed.json").write_text(json.dumps({
        "command": "scripts/text_mixed.py " + " ".join(sys.argv[1:]), "onnxruntime": onnxruntime.__version__,
        "split": args.split, "texts": len(texts), "variants": res}, indent=1) + "\n")


if __name__ == "__main__":
    main()
