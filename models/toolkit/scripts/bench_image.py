"""Image encoder cost at batch 1, model folders side by side (onnxruntime CPU, 1 and 2 threads).

Usage (models/toolkit): .venv/bin/python scripts/bench_image.py ../medcap-base-v2 ../medcap-base-v3
Measures ONNX-only latency (p50/p95 over 60 runs) and the Python reference preprocessing of one
512x512 PNG-sized luminance array (resize + crop + normalise). `medcap bench` in apps/api measures the
TypeScript path end to end; this is the toolkit-side check of the model's share.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from medcap_toolkit import preprocess  # noqa: E402


def main() -> None:
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    gray = rng.random((512, 512), dtype=np.float32)
    out = {}
    for folder in sys.argv[1:]:
        m = json.loads((Path(folder) / "manifest.json").read_text())
        img = m["image"]
        row = {"size": img["size"], "bytes": (Path(folder) / img["file"]).stat().st_size}
        t = []
        for _ in range(20):
            t0 = time.perf_counter()
            x = preprocess.normalise(preprocess.gray_to_square(gray, img["size"]), img["mean"], img["std"])[None]
            t.append((time.perf_counter() - t0) * 1000)
        row["preprocessP50ms"] = float(np.median(t))
        for threads in (1, 2):
            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            sess = ort.InferenceSession(str(Path(folder) / img["file"]), so, providers=["CPUExecutionProvider"])
            for _ in range(5):
                sess.run(["embeddings"], {"pixel_values": x})
            lat = []
            for _ in range(60):
                t0 = time.perf_counter()
                sess.run(["embeddings"], {"pixel_values": x})
                lat.append((time.perf_counter() - t0) * 1000)
            row[f"onnx{threads}tP50ms"] = float(np.percentile(lat, 50))
            row[f"onnx{threads}tP95ms"] = float(np.percentile(lat, 95))
        out[m["name"]] = row
        print(m["name"], json.dumps(row), flush=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
