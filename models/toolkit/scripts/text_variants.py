"""Text encoder graph variants side by side in one onnxruntime run (issue #14 item 1).

Usage (models/toolkit): .venv/bin/python scripts/text_variants.py --model-dir ../medcap-base-v2 --out runs/text-variants
The fp32 reference is the committed graph's fp32 twin (`text_graph.to_fp32`: the frozen MiniLM's exact
float32 weights, the trained projection as committed). Variants: int8-weights (DequantizeLinear per
weight, folded to float32 at load: the v2 graph before nbits8), nbits8 (MatMulNBits 8-bit, blocks of 32,
accuracy_level 4: the committed graph), int8-dynamic (onnxruntime quantize_dynamic, per-channel int8
MatMulInteger on every MatMul: fast, but activations share one scale per tensor).
Prints and writes text_variants.json: per variant size, batch-1 p50 (one dev caption at a time, one
thread, runs interleaved), batch-32 throughput, and min/mean cosine to fp32 over every dev caption,
each embedded alone and inside padded batches of 32 (dynamic quantisation makes an embedding depend
on its batch-mates). The session options are the service's (`session.disable_quant_qdq`).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from medcap_toolkit import data, text_graph  # noqa: E402
from medcap_toolkit.export import quantize_weights_int8  # noqa: E402
from medcap_toolkit.tokenizer import WordPieceTokenizer  # noqa: E402


def session(path: Path, threads: int = 1):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.add_session_config_entry("session.disable_quant_qdq", "1")  # as the service does
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=str(Path(__file__).resolve().parents[2] / "medcap-base-v2"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from onnxruntime.quantization import QuantType, quantize_dynamic  # needs ml_dtypes

    md, out = Path(args.model_dir), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    v = {name: out / f"{name}.onnx" for name in ("fp32", "int8-weights", "nbits8", "int8-dynamic")}
    text_graph.to_fp32(md / "text_encoder.onnx", v["fp32"])
    quantize_weights_int8(v["fp32"], v["int8-weights"])
    text_graph.quantize_nbits(v["fp32"], v["nbits8"])
    quantize_dynamic(str(v["fp32"]), str(out / "dyn.tmp.onnx"), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])
    quantize_weights_int8(out / "dyn.tmp.onnx", v["int8-dynamic"])  # the embedding table, as in the others
    (out / "dyn.tmp.onnx").unlink()

    tok = WordPieceTokenizer.from_vocab_file(md / "vocab.txt", max_length=128)
    texts = sorted({r.caption for r in data.load_split("dev")})

    def feed(ts):
        ids, mask = tok.batch(ts)
        return {"input_ids": np.array(ids, dtype=np.int64), "attention_mask": np.array(mask, dtype=np.int64)}

    sess = {n: session(p) for n, p in v.items()}
    emb = {n: (np.concatenate([s.run(["embeddings"], feed([t]))[0] for t in texts]),
               np.concatenate([s.run(["embeddings"], feed(texts[k:k + 32]))[0] for k in range(0, len(texts), 32)]))
           for n, s in sess.items()}
    ones = [feed([t]) for t in texts[:40]]
    batches = [feed(texts[k:k + 32]) for k in range(0, 96, 32)]
    lat = {n: [] for n in v}
    busy = {n: 0.0 for n in v}
    names = list(v)
    for r in range(args.rounds):  # interleaved, so every variant sees the same machine load
        for i, f in enumerate(ones):
            for n in names if (i + r) % 2 else names[::-1]:
                t = time.perf_counter()
                sess[n].run(["embeddings"], f)
                lat[n].append(time.perf_counter() - t)
        for f in batches:
            for n in names:
                t = time.perf_counter()
                sess[n].run(["embeddings"], f)
                busy[n] += time.perf_counter() - t
    ref_alone = emb["fp32"][0]
    res = {}
    for n in names:
        alone, batched = emb[n]
        p50 = float(np.median(lat[n][len(ones):]) * 1000)  # first round = warm-up
        res[n] = {"bytes": v[n].stat().st_size, "batch1p50ms": p50,
                  "batch32TextsPerS": args.rounds * 96 / busy[n],
                  "minCosToFp32Alone": float((alone * ref_alone).sum(1).min()),
                  "meanCosToFp32Alone": float((alone * ref_alone).sum(1).mean()),
                  "minCosToFp32Batched": float((batched * ref_alone).sum(1).min())}
    for n in names:
        res[n]["batch1RatioToFp32"] = res[n]["batch1p50ms"] / res["fp32"]["batch1p50ms"]
        res[n]["batch32RatioToFp32"] = res[n]["batch32TextsPerS"] / res["fp32"]["batch32TextsPerS"]
        print(n, json.dumps(res[n]), flush=True)
    import onnxruntime

    (out / "text_variants.json").write_text(json.dumps({
        "command": "scripts/text_variants.py --model-dir ../medcap-base-v2", "onnxruntime": onnxruntime.__version__,
        "texts": len(texts), "variants": res}, indent=1) + "\n")


if __name__ == "__main__":
    main()
