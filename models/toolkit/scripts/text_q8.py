"""Issue #14 item 1: the int8-per-token text graphs side by side (results/text_q8.md).

Usage (models/toolkit): .venv/bin/python scripts/text_q8.py --out runs/text-q8 [--rounds 3]
Builds the float32 reference (`text-fp32` of the committed graph), per-tensor dynamic int8 (for
comparison), the served int8-per-token graph (Hadamard blocks of 16 on the q/k/v, FFN-input and
FFN-output inputs) and its ablations (no rotation = the stop-21 form, FFN output rotated only, blocks
of 8 / 32), and compares them with the earlier nbits8 graph on the dev captions (held out from
calibration) and on 300 train captions.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from medcap_toolkit import data, text_graph  # noqa: E402
from medcap_toolkit.quantize import text_q8, weights  # noqa: E402
from medcap_toolkit.text_bench import compare  # noqa: E402
from medcap_toolkit.tokenizer import WordPieceTokenizer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=str(Path(__file__).resolve().parents[2] / "medcap-base-v2"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--nbits8", action="store_true", help="also the nbits8 graph served before (quantize-text --form nbits8)")
    args = ap.parse_args()
    md, out = Path(args.model_dir), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    g = {"fp32": out / "fp32.onnx", "int8-dynamic": out / "int8-dynamic.onnx"}
    text_graph.to_fp32(md / "text_encoder.onnx", g["fp32"])
    weights.quantize_dynamic_int8(g["fp32"], g["int8-dynamic"])
    if args.nbits8:
        g["nbits8"] = out / "nbits8.onnx"
        weights.quantize_nbits(g["fp32"], g["nbits8"])
    variants = {  # name: build options (the defaults are the served graph)
        "int8-per-token": {},
        "int8-per-token, no rotation (stop 21)": {"rotate": 0, "smooth": "qkvoi"},
        "int8-per-token, FFN output rotated only": {"rotated": "f"},
        "int8-per-token, Hadamard blocks of 8": {"rotate": 8},
        "int8-per-token, Hadamard blocks of 32": {"rotate": 32},
    }
    builds = {}
    for i, (name, opts) in enumerate(variants.items()):
        g[name] = out / f"int8-per-token-{i}.onnx"
        builds[name] = text_q8.build(g["fp32"], g[name], blocked="", **opts)
    tok = WordPieceTokenizer.from_vocab_file(md / "vocab.txt", max_length=128)
    dev = sorted({r.caption for r in data.load_split("dev")})
    train = sorted({r.caption for r in data.load_split("train")})
    train = train[1:: max(1, len(train) // 300)][:300]  # offset 1: not the calibration captions' positions
    res_dev = compare(g, tok, dev, rounds=args.rounds)
    res_train = compare(g, tok, train, rounds=1, ones=10, batches=1)
    calib = set(text_q8.calibration_texts())
    rest = [t for t in sorted({r.caption for r in data.load_split("train")}) if t not in calib]
    res_rest = compare(g, tok, rest, rounds=1, ones=2, batches=1)  # cosines only
    for n in g:
        res_dev[n]["train"] = {k: res_train[n][k] for k in ("minCosAlone", "meanCosAlone", "minCosBatched")}
        res_dev[n]["trainNotCalibration"] = {"texts": len(rest), **{k: res_rest[n][k] for k in (
            "minCosAlone", "meanCosAlone", "minCosBatched")}}
        print(n, json.dumps({k: (round(v, 5) if isinstance(v, float) else v) for k, v in res_dev[n].items()}), flush=True)
    import onnxruntime

    (out / "text_q8.json").write_text(json.dumps({
        "command": "scripts/text_q8.py " + " ".join(sys.argv[1:]), "onnxruntime": onnxruntime.__version__,
        "devTexts": len(dev), "trainTexts": len(train), "builds": builds, "variants": res_dev}, indent=1) + "\n")


if __name__ == "__main__":
    main()
