"""Text graphs side by side: speed ratios and cosine to the float32 graph (issue #14 item 1).

One measuring loop for scripts/text_variants.py, scripts/text_mixed.py and `python -m medcap_toolkit
text-compare`. Every graph runs with the service's session options on one thread, interleaved in one
process so all see the same machine load: batch-1 p50 over `ones` texts (first round = warm-up) and
batch-32 throughput over `batches`. Cosines are taken against the graph named `reference`, per text
alone and inside batches of 32 (dynamic int8 shares one activation scale across a batch).
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .tokenizer import WordPieceTokenizer


def session(path: Path, threads: int = 1):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.add_session_config_entry("session.disable_quant_qdq", "1")  # as the service does
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def feed(tok: WordPieceTokenizer, texts: list[str]) -> dict[str, np.ndarray]:
    ids, mask = tok.batch(texts)
    return {"input_ids": np.array(ids, dtype=np.int64), "attention_mask": np.array(mask, dtype=np.int64)}


def embed_alone(sess, tok: WordPieceTokenizer, texts: list[str]) -> np.ndarray:
    return np.concatenate([sess.run(["embeddings"], feed(tok, [t]))[0] for t in texts])


def embed_batched(sess, tok: WordPieceTokenizer, texts: list[str], size: int = 32) -> np.ndarray:
    return np.concatenate([sess.run(["embeddings"], feed(tok, texts[k:k + size]))[0]
                           for k in range(0, len(texts), size)])


def compare(graphs: dict[str, Path], tok: WordPieceTokenizer, texts: list[str], reference: str = "fp32",
            rounds: int = 3, ones: int = 40, batches: int = 3, timing_texts: list[str] | None = None) -> dict:
    """{name: {bytes, batch1p50ms, batch32TextsPerS, min/meanCosAlone, minCosBatched, batch1Ratio,
    batch32Ratio}}; ratios are to `reference`. Timing uses `timing_texts` (default: `texts`)."""
    sess = {n: session(p) for n, p in graphs.items()}
    emb = {n: (embed_alone(s, tok, texts), embed_batched(s, tok, texts)) for n, s in sess.items()}
    pool = timing_texts or texts
    one_feeds = [feed(tok, [t]) for t in pool[:ones]]
    batch_feeds = [feed(tok, pool[k:k + 32]) for k in range(0, 32 * batches, 32)]
    lat, busy, names = {n: [] for n in graphs}, {n: 0.0 for n in graphs}, list(graphs)
    for r in range(rounds):  # interleaved, alternating order, so every graph sees the same load
        for i, f in enumerate(one_feeds):
            for n in names if (i + r) % 2 else names[::-1]:
                t = time.perf_counter()
                sess[n].run(["embeddings"], f)
                lat[n].append(time.perf_counter() - t)
        for f in batch_feeds:
            for n in names if r % 2 else names[::-1]:
                t = time.perf_counter()
                sess[n].run(["embeddings"], f)
                busy[n] += time.perf_counter() - t
    ref = emb[reference][0]
    res = {}
    for n in names:
        alone, batched = emb[n]
        res[n] = {"bytes": Path(graphs[n]).stat().st_size,
                  "batch1p50ms": float(np.median(lat[n][len(one_feeds):] or lat[n]) * 1000),
                  "batch32TextsPerS": rounds * len(batch_feeds) * 32 / busy[n],
                  "minCosAlone": float((alone * ref).sum(1).min()),
                  "meanCosAlone": float((alone * ref).sum(1).mean()),
                  "minCosBatched": float((batched * ref).sum(1).min())}
    for n in names:
        res[n]["batch1Ratio"] = res[n]["batch1p50ms"] / res[reference]["batch1p50ms"]
        res[n]["batch32Ratio"] = res[n]["batch32TextsPerS"] / res[reference]["batch32TextsPerS"]
    return res
