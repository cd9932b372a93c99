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
}


def session(path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


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
    ref = session(fp32)
    e32 = ref.run([image["output"]], {image["input"]: dev})[0]
    cos = lambda a, b: (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)  # noqa: E731
    rows = {}
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
            info = Q.quantize_graph(fp32, out, calib[n], tuple(v.get("float_blocks", ())), cache if n == 256 else None)
            got = session(out)
            c = cos(e32, got.run([image["output"]], {image["input"]: dev})[0])
            rows[name] = {"cosineMin": float(c.min()), "cosineMean": float(c.mean()), "below": int((c < 0.995).sum()),
                          "batch1Ratio": latency_ratio(ref, got, dev, 1), "batch8Ratio": latency_ratio(ref, got, dev, 8),
                          "bytes": info["bytes"], "seconds": round(time.time() - t0)}
            print(name, json.dumps(rows[name]), flush=True)
            Path(args.out).write_text(json.dumps({"about": __doc__.split("\n\n")[0], "devImages": len(dev), "threshold": 0.995,
                                                  "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
