"""Issue #14 item 1, third attempt: the int8-per-token text graphs side by side (results/text_q8.md).

Usage (models/toolkit): .venv/bin/python scripts/text_q8.py --out runs/text-q8 [--rounds 3]
Builds the float32 reference (`text-fp32` of the committed graph), per-tensor dynamic int8 (for
comparison), int8-per-token without and with the FFN output blocked or with its 8 / 32 loudest input
channels kept float32 (outlier split), and compares them with the
committed nbits8 graph on the dev captions (held out from calibration) and on 300 train captions.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from medcap_toolkit import data, text_graph, text_q8  # noqa: E402
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
    g = {"fp32": out / "fp32.onnx", "nbits8": md / "text_encoder.onnx", "int8-dynamic": out / "int8-dynamic.onnx",
         "int8-per-token": out / "int8-per-token.onnx", "int8-per-token-f-blocked": out / "int8-per-token-f.onnx",
         "int8-per-token-8-outliers": out / "int8-per-token-o8.onnx",
         "int8-per-token-32-outliers": out / "int8-per-token-o32.onnx"}
    text_graph.to_fp32(md / "text_encoder.onnx", g["fp32"])
    text_graph.quantize_dynamic_int8(g["fp32"], g["int8-dynamic"])
    builds = {"int8-per-token": text_q8.build(g["fp32"], g["int8-per-token"], blocked=""),
              "int8-per-token-f-blocked": text_q8.build(g["fp32"], g["int8-per-token-f-blocked"], blocked="f"),
              "int8-per-token-8-outliers": text_q8.build(g["fp32"], g["int8-per-token-8-outliers"], blocked="", outliers=8),
              "int8-per-token-32-outliers": text_q8.build(g["fp32"], g["int8-per-token-32-outliers"], blocked="",
                                                          outliers=32)}
    tok = WordPieceTokenizer.from_vocab_file(md / "vocab.txt", max_length=128)
    dev = sorted({r.caption for r in data.load_split("dev")})
    train = sorted({r.caption for r in data.load_split("train")})
    train = train[1:: max(1, len(train) // 300)][:300]  # offset 1: not the calibration captions' positions
    res_dev = compare(g, tok, dev, rounds=args.rounds)
    res_train = compare(g, tok, train, rounds=1, ones=10, batches=1)
    for n in g:
        res_dev[n]["train"] = {k: res_train[n][k] for k in ("minCosAlone", "meanCosAlone", "minCosBatched")}
        print(n, json.dumps({k: (round(v, 5) if isinstance(v, float) else v) for k, v in res_dev[n].items()}), flush=True)
    import onnxruntime

    (out / "text_q8.json").write_text(json.dumps({
        "command": "scripts/text_q8.py " + " ".join(sys.argv[1:]), "onnxruntime": onnxruntime.__version__,
        "devTexts": len(dev), "trainTexts": len(train), "builds": builds, "variants": res_dev}, indent=1) + "\n")


if __name__ == "__main__":
    main()
