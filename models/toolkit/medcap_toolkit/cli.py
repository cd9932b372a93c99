"""python -m medcap_toolkit {cv,final,cv-attributes,add-heads,export,eval,train,quantize-text,quantize-image,text-fp32,...}"""
from __future__ import annotations

import argparse
import json
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="medcap_toolkit")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="end-to-end mode of the trainer: a whole dual encoder trained on raw images from a "
                                     "config, checkpoint selected on dev (v2/v3 use the cached mode through cv/final; "
                                     "the retired medcap-base-v1 and its configs are at commit 89c3fe5)")
    t.add_argument("--config", required=True, help="config JSON (keys: see tests/conftest.py TINY_CONFIG)")
    t.add_argument("--out", help="run folder (default runs/<config name>)")
    t.add_argument("--medpix", help="MedPix folder (default $MEDPIX_DIR or ../shared/data/medpix-2.0)")
    t.add_argument("--epochs", type=int, help="override the config's epochs")
    e = sub.add_parser("export", help="export a checkpoint to an ONNX model folder")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--quantize", default="nbits8", choices=["nbits8", "int8-per-token", "int8-weights", "int8-dynamic", "none"],
                   help="text encoder graph (nbits8: MatMulNBits 8-bit, see quantize/weights.py; int8-per-token: the form v2 serves, for a frozen all-MiniLM-L6-v2 tower only, calibrated on MedPix train captions, see quantize/text_q8.py)")
    e.add_argument("--metrics", help="metrics.json from `eval` to embed in the manifest and the dev-selected card")
    e.add_argument("--ablation", help="ablation JSON (about, columns, rows, notes) to render in the dev-selected card")
    e.add_argument("--medpix")
    v = sub.add_parser("eval", help="evaluate a checkpoint or an exported folder on a split")
    v.add_argument("--checkpoint")
    v.add_argument("--model-dir", help="exported folder (evaluates the ONNX files)")
    v.add_argument("--split", default="dev")
    v.add_argument("--out", help="write metrics JSON here")
    v.add_argument("--medpix")
    v.add_argument("--no-meteor", action="store_true")
    v.add_argument("--predictions", help="with --model-dir: write each query's caption-library prediction here "
                                        "(the reference of apps/api/test/eval.agreement.spec.ts)")
    c = sub.add_parser("cv", help="case-grouped k-fold CV grid over train+dev on cached features")
    c.add_argument("--grid", required=True, help="grid JSON (configs/cv_v2.json)")
    c.add_argument("--out", required=True, help="results JSON (results/cv_v2.json)")
    c.add_argument("--medpix")
    f = sub.add_parser("final", help="train the CV-selected setting on train+dev and export it")
    f.add_argument("--cv", required=True, help="results JSON written by `cv`")
    f.add_argument("--run", required=True, help="run folder for best.pt")
    f.add_argument("--out", required=True, help="model folder to export into")
    f.add_argument("--name", default="medcap-base-v2")
    f.add_argument("--version", default="2.0.0")
    f.add_argument("--medpix")
    f.add_argument("--skip-train", action="store_true", help="export an existing <run>/best.pt")
    q = sub.add_parser("quantize-text", help="fp32 text encoder graph → the served int8-per-token graph (per-token int8 "
                                             "activations, Hadamard-rotated, GPTQ weights; results/text_q8.md) or the "
                                             "earlier nbits8 graph (MatMulNBits 8-bit, no faster than fp32)")
    q.add_argument("--fp32", required=True, help="fp32 text_encoder ONNX file (export --quantize none, or text-fp32)")
    q.add_argument("--out", required=True, help="quantised ONNX file to write")
    q.add_argument("--block-size", type=int, default=32, help="nbits8: weights per scale block")
    q.add_argument("--accuracy-level", type=int, default=4, help="nbits8: 4 = int8 activations (VNNI); 0 = fp32 compute")
    q.add_argument("--form", choices=("nbits8", "int8-per-token"), default="int8-per-token")
    q.add_argument("--blocked", default="", help="int8-per-token: kinds (i, f) quantised per token and block; '' = none")
    q.add_argument("--rotate", type=int, default=16, help="int8-per-token: Hadamard block size (power of two; 0 = none)")
    q.add_argument("--rotated", default="qkvif", help="int8-per-token: kinds whose inputs are rotated (q, k, v, o, i, f)")
    q.add_argument("--smooth", default="qkvi", help="int8-per-token: kinds whose inputs get SmoothQuant factors")
    q.add_argument("--medpix", help="int8-per-token: MedPix folder for the calibration captions")
    q.add_argument("--outliers", type=int, default=0, help="int8-per-token: FFN-output input channels kept float32")
    qi = sub.add_parser("quantize-image", help="a model folder's float32 image graph → static int8 (QDQ: per-channel int8 "
                                               "weights, uint8 activations calibrated on MedPix train images with the "
                                               "service's preprocessing; projection and heads float32); --check: cosine "
                                               "to the float32 graph on every dev image")
    qi.add_argument("--model-dir", required=True, help="model folder (its float32 image graph is quantised)")
    qi.add_argument("--out", required=True, help="int8 ONNX file to write")
    qi.add_argument("--calibration-images", type=int, default=256, help="train images (a seeded draw) to calibrate on")
    qi.add_argument("--seed", type=int, default=29, help="seed of the calibration draw")
    qi.add_argument("--float-blocks", default="", help="comma-separated trunk blocks kept float32 (stem, trunk_blocks.N, "
                                                       "tail_blocks_.N, head)")
    qi.add_argument("--check", action="store_true", help="also report the cosine to the float32 graph on every dev image")
    qi.add_argument("--medpix")
    it = sub.add_parser("install-text", help="put a quantised text graph into a model folder: parity.json texts, "
                                             "manifest quantization and file hashes follow (image encoder untouched)")
    it.add_argument("--model-dir", required=True)
    it.add_argument("--graph", help="the text encoder ONNX file (quantize-text output)")
    it.add_argument("--hashes-only", action="store_true", help="only refresh the manifest's file hashes")
    r = sub.add_parser("text-fp32", help="a committed (nbits8, int8-per-token or int8-weights) text graph → its fp32 twin (pre-trained "
                                         "tower weights restored exactly; the reference of medcap bench --text-reference)")
    r.add_argument("--quantised", required=True, help="text encoder with MatMulNBits or DequantizeLinear weights")
    r.add_argument("--out", required=True)
    ca = sub.add_parser("cv-attributes", help="case-grouped CV of v3's additions: attribute heads, the attribute prior of "
                                              "captioning and similar images, hubness correction, 200-image pools")
    ca.add_argument("--out", required=True, help="results JSON (results/cv_v3.json)")
    ca.add_argument("--medpix")
    ah = sub.add_parser("add-heads", help="train the CV-chosen attribute heads on train+dev and append them to a model "
                                          "folder's image graph (a new model folder: medcap-base-v3)")
    ah.add_argument("--cv", required=True, help="results JSON written by cv-attributes")
    ah.add_argument("--base", required=True, help="model folder whose towers are kept (../medcap-base-v2)")
    ah.add_argument("--out", required=True, help="model folder to write (../medcap-base-v3)")
    ah.add_argument("--name", default="medcap-base-v3")
    ah.add_argument("--version", default="3.0.0")
    ah.add_argument("--medpix")
    args = p.parse_args(argv)
    if args.cmd in ("cv", "final", "cv-attributes", "add-heads"):
        import os

        import torch

        torch.set_num_threads(int(os.environ.get("MEDCAP_THREADS", "1")))

    if args.cmd == "train":
        from .common import load_config
        from .train import run_training

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
    elif args.cmd == "cv":
        from .cv import run_cv

        run_cv(json.loads(Path(args.grid).read_text()), Path(args.out), args.medpix, log=lambda m: print(m, flush=True))
    elif args.cmd == "cv-attributes":
        from .cv_attributes import run

        run(Path(args.out), args.medpix)
    elif args.cmd == "add-heads":
        from .heads_export import add_heads

        add_heads(Path(args.cv), Path(args.base), Path(args.out), args.name, args.version, args.medpix)
    elif args.cmd == "final":
        from .final import export_v2, train_final

        run = Path(args.run)
        ckpt = run / "best.pt"
        if not args.skip_train:
            ckpt = train_final(Path(args.cv), run, args.name, args.medpix, log=lambda m: print(m, flush=True))
        export_v2(ckpt, Path(args.cv), Path(args.out), args.name, args.version)
    elif args.cmd == "quantize-text":
        if args.form == "int8-per-token":
            from .quantize.text_q8 import build

            print(json.dumps(build(Path(args.fp32), Path(args.out), args.blocked, args.medpix, args.outliers,
                                   rotate=args.rotate, rotated=args.rotated, smooth=args.smooth)))
        else:
            from .quantize.weights import quantize_nbits

            print(json.dumps(quantize_nbits(Path(args.fp32), Path(args.out), args.block_size, args.accuracy_level)))
    elif args.cmd == "quantize-image":
        from .quantize.image import check_dev, quantize_image

        blocks = tuple(b for b in args.float_blocks.split(",") if b)
        info = quantize_image(Path(args.model_dir), Path(args.out), args.calibration_images, args.seed, blocks, args.medpix)
        if args.check:
            info["devCheck"] = check_dev(Path(args.model_dir), Path(args.out), args.medpix)
        print(json.dumps(info, indent=1))
    elif args.cmd == "install-text":
        from .export import install_text_graph, refresh_file_hashes

        if args.hashes_only:
            refresh_file_hashes(Path(args.model_dir))
        elif not args.graph:
            p.error("install-text needs --graph (or --hashes-only)")
        else:
            print(json.dumps(install_text_graph(Path(args.model_dir), Path(args.graph))))
    elif args.cmd == "text-fp32":
        from .text_graph import to_fp32

        print(json.dumps(to_fp32(Path(args.quantised), Path(args.out))))
    elif args.cmd == "eval":
        from .evaluate import evaluate

        res = evaluate(checkpoint=args.checkpoint, model_dir=args.model_dir, split=args.split,
                       medpix_dir=args.medpix, meteor=not args.no_meteor)
        text = json.dumps(res, indent=2)
        if args.predictions:
            write_predictions(args, res)
        if args.out:
            Path(args.out).write_text(text + "\n")
        print(text)
    return 0


def write_predictions(args, res: dict) -> None:
    """The toolkit's side of apps/api/test/eval.agreement.spec.ts: per-item caption-library picks of an
    exported folder + the metrics the toolkit computed from the same run."""
    from .evaluate import OnnxEmbedder, caption_predictions
    from .export import sha256_file

    if not args.model_dir:
        raise SystemExit("--predictions needs --model-dir")
    md = Path(args.model_dir)
    preds = {"about": "python -m medcap_toolkit eval --model-dir <dir> --split <split> --no-meteor --predictions <file>: "
                      "the plain nearest library (train) caption per query image, and the toolkit's metrics",
             "model": json.loads((md / "manifest.json").read_text())["name"], "split": args.split,
             "files": {f: sha256_file(md / f) for f in ("image_encoder.onnx", "text_encoder.onnx")},
             "metrics": {k: res[k] for k in ("retrieval", "caption-library", "seed-template")},
             "items": caption_predictions(OnnxEmbedder(md), args.split, args.medpix)}
    Path(args.predictions).write_text(json.dumps(preds, indent=1, ensure_ascii=False) + "\n")
