"""python -m medcap_toolkit {train,export,eval}"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="medcap_toolkit")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a dual encoder from a config file")
    t.add_argument("--config", required=True)
    t.add_argument("--out", help="run folder (default runs/<config name>)")
    t.add_argument("--medpix", help="MedPix folder (default $MEDPIX_DIR or ../shared/data/medpix-2.0)")
    t.add_argument("--epochs", type=int, help="override the config's epochs")
    e = sub.add_parser("export", help="export a checkpoint to an ONNX model folder")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--quantize", default="int8-weights", choices=["int8-weights", "int8-dynamic", "none"])
    e.add_argument("--metrics", help="metrics.json from `eval` to embed in the manifest and card")
    e.add_argument("--ablation", help="ablation.json to render in the model card")
    e.add_argument("--medpix")
    v = sub.add_parser("eval", help="evaluate a checkpoint or an exported folder on a split")
    v.add_argument("--checkpoint")
    v.add_argument("--model-dir", help="exported folder (evaluates the ONNX files)")
    v.add_argument("--split", default="dev")
    v.add_argument("--out", help="write metrics JSON here")
    v.add_argument("--medpix")
    v.add_argument("--no-meteor", action="store_true")
    args = p.parse_args(argv)

    if args.cmd == "train":
        from .train import load_config, run_training

        cfg = load_config(args.config)
        if args.epochs:
            cfg["epochs"] = args.epochs
        out = Path(args.out or Path(__file__).resolve().parents[1] / "runs" / cfg["name"])
        run_training(cfg, out, args.medpix)
        print(f"checkpoint: {out / 'best.pt'}")
    elif args.cmd == "export":
        from .export import export_model

        export_model(args.checkpoint, args.out, quantize=args.quantize, metrics_file=args.metrics,
                     ablation_file=args.ablation, medpix_dir=args.medpix)
    elif args.cmd == "eval":
        from .evaluate import evaluate

        res = evaluate(checkpoint=args.checkpoint, model_dir=args.model_dir, split=args.split,
                       medpix_dir=args.medpix, meteor=not args.no_meteor)
        text = json.dumps(res, indent=2)
        if args.out:
            Path(args.out).write_text(text + "\n")
        print(text)
    return 0
