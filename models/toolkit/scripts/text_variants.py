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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from medcap_toolkit import data, text_graph  # noqa: E402
from medcap_toolkit.quantize import weights  # noqa: E402
from medcap_toolkit.quantize.weights import quantize_weights_int8  # noqa: E402
from medcap_toolkit.text_bench import compare  # noqa: E402
from medcap_toolkit.tokenizer import WordPieceTokenizer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=str(Path(__file__).resolve().parents[2] / "medcap-base-v2"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    md, out = Path(args.model_dir), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    v = {name: out / f"{name}.onnx" for name in ("fp32", "int8-weights", "nbits8", "int8-dynamic")}
    text_graph.to_fp32(md / "text_encoder.onnx", v["fp32"])
    quantize_weights_int8(v["fp32"], v["int8-weights"])
    weights.quantize_nbits(v["fp32"], v["nbits8"])
    weights.quantize_dynamic_int8(v["fp32"], v["int8-dynamic"])

    tok = WordPieceTokenizer.from_vocab_file(md / "vocab.txt", max_length=128)
    texts = sorted({r.caption for r in data.load_split("dev")})

    res = {}
    for n, r in compare(v, tok, texts, rounds=args.rounds, batches=3).items():  # the card's key names
        res[n] = {"bytes": r["bytes"], "batch1p50ms": r["batch1p50ms"], "batch32TextsPerS": r["batch32TextsPerS"],
                  "minCosToFp32Alone": r["minCosAlone"], "meanCosToFp32Alone": r["meanCosAlone"],
                  "minCosToFp32Batched": r["minCosBatched"], "batch1RatioToFp32": r["batch1Ratio"],
                  "batch32RatioToFp32": r["batch32Ratio"]}
        print(n, json.dumps(res[n]), flush=True)
    import onnxruntime

    (out / "text_variants.json").write_text(json.dumps({
        "command": "scripts/text_variants.py --model-dir ../medcap-base-v2", "onnxruntime": onnxruntime.__version__,
        "texts": len(texts), "variants": res}, indent=1) + "\n")


if __name__ == "__main__":
    main()
