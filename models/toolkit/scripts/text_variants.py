"""Text encoder graph variants side by side in one onnxruntime run (issue #14 item 1):
int8 weight-only (shipped in v1), fp32, and onnxruntime.transformers fusion (+ quantize_dynamic).

Usage (models/toolkit): .venv/bin/python scripts/text_variants.py --checkpoint runs/medcap-base-v2/best.pt --out runs/text-variants
Prints one JSON: per variant size, batch-1 latency (24 tokens, 1 thread, p50/p95), batch-32 throughput
(1 thread), and min/mean cosine to fp32 over every train+dev caption, each caption embedded alone and
inside padded batches of 32 (dynamic quantisation makes an embedding depend on its batch-mates).
The runtime (apps/api, onnxruntime-node) sets `session.disable_quant_qdq`, so QDQ graphs are not fused
there either; the DequantizeLinear variant is measured as is.
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

from medcap_toolkit import export as exporter  # noqa: E402


def session(path: Path, threads: int = 1):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.add_session_config_entry("session.disable_quant_qdq", "1")  # as the service does
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def embed(sess, tok, texts: list[str], batch: int) -> np.ndarray:
    out = []
    for k in range(0, len(texts), batch):
        ids, mask = tok.batch(texts[k : k + batch])
        out.append(sess.run(["embeddings"], {"input_ids": np.array(ids, dtype=np.int64),
                                             "attention_mask": np.array(mask, dtype=np.int64)})[0])
    return np.concatenate(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--reps", type=int, default=60)
    args = ap.parse_args()
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    from medcap_toolkit import features
    from medcap_toolkit.train import load_checkpoint
    from medcap_toolkit.tokenizer import WordPieceTokenizer

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model, ckpt = load_checkpoint(args.checkpoint)
    vocab = out / "vocab.txt"
    vocab.write_text(ckpt["vocab"], encoding="utf-8")
    tok = WordPieceTokenizer.from_vocab_file(vocab, max_length=128)
    with tempfile.TemporaryDirectory() as tmp:
        _, fp32 = exporter.export_onnx(model, Path(tmp), ckpt["config"]["image"]["size"])
        variants = {"fp32": out / "fp32.onnx", "int8-weights": out / "int8-weights.onnx",
                    "fused-fp32": out / "fused-fp32.onnx", "fused-int8-dynamic": out / "fused-int8-dynamic.onnx"}
        Path(fp32).replace(variants["fp32"])
    exporter.quantize_weights_int8(variants["fp32"], variants["int8-weights"])
    opt = optimize_model(str(variants["fp32"]), model_type="bert", num_heads=12, hidden_size=384)
    opt.save_model_to_file(str(variants["fused-fp32"]))
    import onnx

    # the fused graph's contrib ops defeat shape inference; tell the quantiser the weights are float
    quantize_dynamic(str(variants["fused-fp32"]), str(variants["fused-int8-dynamic"]), weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})

    texts = sorted({r.caption for r in features.all_records()})
    ref_alone = ref_batch = None
    res = {}
    one_ids = np.array([tok.encode("axial ct of the chest shows a mass in the right upper lobe with pleural effusion")[:24]],
                       dtype=np.int64)
    one_ids = np.pad(one_ids, ((0, 0), (0, 24 - one_ids.shape[1])), constant_values=tok.pad_id)
    one = {"input_ids": one_ids, "attention_mask": (one_ids != tok.pad_id).astype(np.int64)}
    ids32, mask32 = tok.batch(texts[:32])
    b32 = {"input_ids": np.array(ids32, dtype=np.int64), "attention_mask": np.array(mask32, dtype=np.int64)}
    for name, path in variants.items():
        sess = session(path)
        alone = embed(sess, tok, texts, 1)
        batched = embed(sess, tok, texts, 32)
        if name == "fp32":
            ref_alone, ref_batch = alone, batched
        for _ in range(5):
            sess.run(["embeddings"], one)
        lat = []
        for _ in range(args.reps):
            t = time.perf_counter()
            sess.run(["embeddings"], one)
            lat.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        for _ in range(5):
            sess.run(["embeddings"], b32)
        thr = 5 * 32 / (time.perf_counter() - t)
        cos_alone = (alone * ref_alone).sum(1)
        cos_batch = (batched * ref_alone).sum(1)
        res[name] = {"bytes": path.stat().st_size, "batch1p50ms": float(np.percentile(lat, 50)),
                     "batch1p95ms": float(np.percentile(lat, 95)), "batch32TextsPerS": thr,
                     "minCosToFp32Alone": float(cos_alone.min()), "meanCosToFp32Alone": float(cos_alone.mean()),
                     "minCosToFp32Batched": float(cos_batch.min()),
                     "minCosAloneVsBatched": float((alone * batched).sum(1).min())}
        print(name, json.dumps(res[name]), flush=True)
    (out / "text_variants.json").write_text(json.dumps({"texts": len(texts), "variants": res}, indent=1) + "\n")
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
