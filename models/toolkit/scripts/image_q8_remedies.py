"""Issue #29: the int8 image graph's acceptance check (cosine to the float32 graph >= 0.995 on every dev image)
for the standard remedies, side by side: which trunk blocks stay float32, calibration method and size, and a
float32 control (the float32 graph itself on inputs with half a grey level of Gaussian noise). Latency ratios
here are a rough guide only (Python, one thread, interleaved); `medcap bench --image-int8` gives the service's.

Usage (models/toolkit): .venv/bin/python scripts/image_q8_remedies.py --out results/image_q8_remedies.json [variant ...]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from medcap_toolkit import data  # noqa: E402
from medcap_toolkit.quantize import image as Q  # noqa: E402

MODEL = Path(__file__).resolve().parents[2] / "medcap-base-v3"
BLOCKS = ["stem"] + [f"trunk_blocks.{i}" for i in range(15)] + ["tail_blocks_.0", "head"]
VARIANTS = {
    "all int8 (MinMax, 256 images)": {},
    "float32 stem + blocks 0-1": {"float_blocks": BLOCKS[:3]},
    "float32 stem + blocks 0-3": {"float_blocks": BLOCKS[:5]},
    "float32 stem + blocks 0-5": {"float_blocks": BLOCKS[:7]},
    "float32 stem + blocks 0-1 + last block + head conv": {"float_blocks": BLOCKS[:3] + BLOCKS[-2:]},
    "all int8, 512 calibration images": {"images": 512},
    "channel equalisation before every depthwise conv (ReLU6 ranges, margin 1.5)": {"equalize": "depthwise"},
    "channel equalisation at every ReLU6 (margin 1.1)": {"equalize": "all"},
    "int8 weights only, activations float32 (simulated)": {"weights_only": True},
}
EQUALIZE_MARGIN = {"depthwise": 1.5, "all": 1.1}
EQUALIZE_MAX_SCALE = 64.0


def weights_only(fp32: Path, out: Path) -> Path:
    """The folded float32 graph with every trunk convolution's weights rounded to int8 (symmetric, one scale
    per output channel, as `quantize-image` does) and stored back as float32: the weights' share of the
    int8 error, with activations left exact."""
    import onnx
    from onnx import numpy_helper as nh

    Q.fold_constants(fp32, out)
    m = onnx.load(str(out))
    conv_weights = {n.input[1] for n in m.graph.node if n.op_type == "Conv"}
    for i in m.graph.initializer:
        if i.name in conv_weights:
            w = nh.to_array(i)
            scale = np.abs(w).reshape(w.shape[0], -1).max(1) / 127
            scale[scale == 0] = 1
            scale = scale.reshape(-1, *[1] * (w.ndim - 1))
            i.CopyFrom(nh.from_array((np.clip(np.round(w / scale), -127, 127) * scale).astype(np.float32), i.name))
    onnx.save(m, str(out))
    return out


def equalize(fp32: Path, out: Path, calib: np.ndarray, where: str) -> Path:
    """Cross-layer channel equalisation (Nagel et al., 2019) at the trunk's ReLU6 outputs: channel c of a
    Clip(0, 6) output is scaled by k_c = 6 / (margin * its calibration maximum), capped at 64 and never
    below 1; the producing conv's output channel c is multiplied by k_c and every consumer's input channel
    c divided by it (through GlobalAveragePool/Flatten into the Gemms). Exact in float32 except where an
    input drives a channel past its calibration maximum * margin (then it clips earlier): the variant's
    `float32Cosine` row says how far. `where="depthwise"` scales only tensors read by depthwise convs
    only (dividing a full conv's input channel by k_c would shrink those weights inside the per-output-channel
    weight scale)."""
    import collections

    import onnx
    from onnx import numpy_helper as nh

    folded = out.with_suffix(".folded.onnx")
    Q.fold_constants(fp32, folded)
    m = onnx.load(str(folded))
    g = m.graph
    init = {i.name: i for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    consumers = collections.defaultdict(list)
    for n in g.node:
        for i in n.input:
            consumers[i].append(n)
    group = lambda n: next((a.i for a in n.attribute if a.name == "group"), 1)  # noqa: E731
    depthwise = lambda n: n.op_type == "Conv" and group(n) > 1  # noqa: E731
    clips = [n for n in g.node if n.op_type == "Clip" and "/backbone/" in n.name
             and getattr(producer.get(n.input[0]), "op_type", None) == "Conv"
             and (where == "all" or all(depthwise(c) for c in consumers[n.output[0]]))]
    probe = onnx.load(str(folded))
    for c in clips:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(c.output[0], onnx.TensorProto.FLOAT, None))
    sess = Q.cpu_session(probe.SerializeToString(), threads=0)
    names = [c.output[0] for c in clips]
    peak: dict[str, np.ndarray] = {}
    for k in range(0, len(calib), 16):
        for n, o in zip(names, sess.run(names, {g.input[0].name: calib[k : k + 16]})):
            peak[n] = np.maximum(peak.get(n, 0), o.max(axis=(0, 2, 3)))
    w = {n: nh.to_array(i).astype(np.float64) for n, i in init.items()}

    def scale_in(node, k):
        if node.op_type == "Conv":
            arr = w[node.input[1]]
            w[node.input[1]] = arr / (k.reshape(-1, 1, 1, 1) if group(node) > 1 else k.reshape(1, -1, 1, 1))
        elif node.op_type in ("GlobalAveragePool", "Flatten"):
            for c in consumers[node.output[0]]:
                scale_in(c, k)
        elif node.op_type == "Gemm":
            w[node.input[1]] = w[node.input[1]] / k.reshape(1, -1)  # transB=1 (exporter's Linear)
        else:
            raise ValueError(f"cannot rescale an input of {node.op_type}")

    for c in clips:
        hi = peak[c.output[0]].astype(np.float64)
        k = np.where(hi > 1e-3, np.clip(6.0 / np.maximum(hi * EQUALIZE_MARGIN[where], 1e-9), 1.0, EQUALIZE_MAX_SCALE), 1.0)
        conv = producer[c.input[0]]
        w[conv.input[1]] = w[conv.input[1]] * k.reshape(-1, 1, 1, 1)
        if len(conv.input) > 2:
            w[conv.input[2]] = w[conv.input[2]] * k
        for n in consumers[c.output[0]]:
            scale_in(n, k)
    for n, i in init.items():
        if i.data_type == onnx.TensorProto.FLOAT:
            i.CopyFrom(nh.from_array(w[n].astype(np.float32), n))
    onnx.save(m, str(out))
    return out


def latency_ratio(ref, got, x: np.ndarray, batch: int, rounds: int = 5, runs: int = 6) -> float:
    def med(s):
        ts = []
        for _ in range(runs):
            t = time.perf_counter()
            s.run(None, {"pixel_values": x[:batch]})
            ts.append(time.perf_counter() - t)
        return float(np.median(ts))
    a, b = [], []
    for r in range(rounds):
        for s, acc in ((ref, a), (got, b)) if r % 2 == 0 else ((got, b), (ref, a)):
            acc.append(med(s))
    return float(np.median(b) / np.median(a))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("variants", nargs="*", help="subset of the variant names (default: all)")
    args = ap.parse_args()
    image = json.loads((MODEL / "manifest.json").read_text())["image"]
    fp32 = MODEL / image.get("reference", image)["file"]
    dev = Q.service_inputs(data.load_split("dev"), image)
    ref = Q.cpu_session(fp32)
    e32 = ref.run([image["output"]], {image["input"]: dev})[0]
    cos = Q.row_cosine
    # rows of variants not run this time are kept from an earlier run written to the same file
    rows = json.loads(Path(args.out).read_text())["rows"] if Path(args.out).exists() else {}

    def write() -> None:
        Path(args.out).write_text(json.dumps({"about": __doc__.split("\n\n")[0], "devImages": len(dev), "threshold": 0.995,
                                              "rows": rows}, indent=1) + "\n")
    # the float32 control: the same graph on inputs half a grey level apart (seeded Gaussian, in [0,1] units)
    noisy = dev + np.random.default_rng(0).normal(0, 0.5 / 255, dev.shape).astype(np.float32) / np.float32(image["std"][0])
    c = cos(e32, ref.run([image["output"]], {image["input"]: noisy})[0])
    rows["float32 graph, inputs + 0.5 grey level noise (control)"] = {
        "cosineMin": float(c.min()), "cosineMean": float(c.mean()), "below": int((c < 0.995).sum())}
    calib = {256: Q.service_inputs(Q.calibration_records(256), image)}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "minmax-256.json"
        for name, v in VARIANTS.items():
            if args.variants and name not in args.variants:
                continue
            n = v.get("images", 256)
            if n not in calib:
                calib[n] = Q.service_inputs(Q.calibration_records(n), image)
            out = Path(tmp) / "q.onnx"
            t0 = time.time()
            source, extra = fp32, {}
            if v.get("weights_only"):
                got = Q.cpu_session(weights_only(fp32, Path(tmp) / "weights-only.onnx"))
                c = cos(e32, got.run([image["output"]], {image["input"]: dev})[0])
                rows[name] = {"cosineMin": float(c.min()), "cosineMean": float(c.mean()), "below": int((c < 0.995).sum())}
                print(name, json.dumps(rows[name]), flush=True)
                continue
            if "equalize" in v:
                source = equalize(fp32, Path(tmp) / "equalized.onnx", calib[n], v["equalize"])
                f = cos(e32, Q.cpu_session(source).run([image["output"]], {image["input"]: dev})[0])
                extra = {"float32CosineMin": float(f.min())}  # the equalised float32 graph against the original
            info = Q.quantize_graph(source, out, calib[n], tuple(v.get("float_blocks", ())),
                                    cache if n == 256 and "equalize" not in v else None)
            got = Q.cpu_session(out)
            c = cos(e32, got.run([image["output"]], {image["input"]: dev})[0])
            rows[name] = {**extra, "cosineMin": float(c.min()), "cosineMean": float(c.mean()), "below": int((c < 0.995).sum()),
                          "batch1Ratio": latency_ratio(ref, got, dev, 1), "batch8Ratio": latency_ratio(ref, got, dev, 8),
                          "bytes": info["bytes"], "seconds": round(time.time() - t0)}
            print(name, json.dumps(rows[name]), flush=True)
            write()
    write()


if __name__ == "__main__":
    main()
