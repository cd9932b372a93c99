"""Image attributes (modality, region, plane, MR sequence / CT contrast): labels from MedPix metadata,
attribute heads on the frozen pooled image features, and the attribute prior of captioning.

The heads are small classifiers on the 1,280-d pooled EfficientNet-Lite features that the image graph
already computes; `add-heads` appends them to an exported image graph as a second output, so serving
gets the probabilities from the same ONNX run as the embedding (models/README.md, "Attribute heads").

The prior (the shared spec the TypeScript service implements, apps/api/src/attributes/attribute.prior.ts):
for a query with predicted distributions P_region (over anatomical groups, REGION_GROUPS summed) and
P_modality, an attribute is *confident* when its top probability is >= threshold. A candidate (a caption,
or a neighbour image) *contradicts* a confident attribute when none of its images has the predicted value.
Its score then drops by `penalty` per contradicted attribute (penalty = inf drops it). Threshold and
penalty are chosen by case-grouped CV (`cv-attributes`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .data import ImageRecord

# Mirrors apps/api/src/core/anatomy.regions.ts: MedPix's Abdomen and Reproductive/Urinary categories
# both hold abdomen and pelvis slices, so they count as one anatomical region.
REGION_GROUPS = {"Abdomen": "Abdomen and Pelvis", "Reproductive and Urinary System": "Abdomen and Pelvis"}

PLANES = ("Axial", "Coronal", "Sagittal")

# Description.Modality (MedPix's "modality detail") → MR sequence / CT contrast class; None = unlabelled.
SEQUENCE_OF = {
    "CT w/contrast (IV)": "CT with contrast", "CT - GI & IV Contrast": "CT with contrast",
    "CT - GI Contrast": "CT with contrast", "CTA - CT Angiography": "CT with contrast",
    "CT - noncontrast": "CT without contrast",
    "MR - T2 weighted": "MR T2", "MR - T1W - noncontrast": "MR T1",
    "MR - T1W w/Gadolinium": "MR T1 with gadolinium", "MR - T1W w/Gd (fat suppressed)": "MR T1 with gadolinium",
    "MR - FLAIR": "MR FLAIR", "MR - DWI Diffusion Weighted": "MR diffusion (DWI/ADC)",
    "MR - ADC Map (App Diff Coeff)": "MR diffusion (DWI/ADC)", "MRA - MR Angiography/Venography": "MR angiography",
    "MR T2* gradient,GRE,MPGR,SWAN,SWI": "MR T2* / SWI",
}


def modality_of(r: ImageRecord) -> str | None:
    t = (r.type or "").upper()
    return "CT" if t.startswith("CT") else "MR" if t.startswith("MR") else None


def region_of(r: ImageRecord) -> str | None:
    return r.location_category or None


def plane_of(r: ImageRecord) -> str | None:
    p = (r.plane or "").strip()
    if not p:
        return None
    if p == "Transverse":
        return "Axial"
    return p if p in PLANES else "Other"


def sequence_of(r: ImageRecord) -> str | None:
    return SEQUENCE_OF.get((r.modality or "").strip())


def group_of(region: str | None) -> str | None:
    return None if region is None else REGION_GROUPS.get(region, region)


# output order of the heads in the graph; the manifest lists each head's labels and offset
ATTRIBUTES = {"modality": modality_of, "region": region_of, "plane": plane_of, "sequence": sequence_of}


@dataclass
class Labels:
    """Per attribute: label names (sorted) and the integer target of every record (-1 = unlabelled)."""

    names: dict[str, list[str]]
    targets: dict[str, np.ndarray]

    @staticmethod
    def of(records: list[ImageRecord]) -> Labels:
        names, targets = {}, {}
        for a, fn in ATTRIBUTES.items():
            values = [fn(r) for r in records]
            names[a] = sorted({v for v in values if v is not None})
            pos = {v: i for i, v in enumerate(names[a])}
            targets[a] = np.array([pos[v] if v is not None else -1 for v in values])
        return Labels(names, targets)


class AttributeHeads(nn.Module):
    """Standardised pooled features → one softmax per attribute. `hidden` = 0: linear heads; > 0: one
    shared hidden layer (ReLU, dropout) under the linear heads."""

    def __init__(self, dim: int, classes: dict[str, int], hidden: int = 0, dropout: float = 0.2):
        super().__init__()
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("std", torch.ones(dim))
        self.hidden = hidden
        self.body = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Dropout(dropout)) if hidden else nn.Identity()
        self.heads = nn.ModuleDict({a: nn.Linear(hidden or dim, c) for a, c in classes.items()})

    def forward(self, feats: torch.Tensor) -> dict[str, torch.Tensor]:
        h = self.body((feats - self.mean) / self.std)
        return {a: head(h) for a, head in self.heads.items()}


HEAD_DEFAULTS = {"hidden": 0, "epochs": 60, "lr": 3e-3, "weight_decay": 1e-2, "views": 1, "label_smoothing": 0.1,
                 "dropout": 0.2, "batch_size": 128, "seed": 1234}


def train_heads(pooled: torch.Tensor, idx: np.ndarray, labels: Labels, setting: dict) -> AttributeHeads:
    """pooled: [V, N, D] cached features (view 0 = export preprocessing); trains on rows `idx` with views
    0..views-1 (augmented views as extra samples)."""
    s = dict(HEAD_DEFAULTS, **setting)
    torch.manual_seed(s["seed"])
    gen = torch.Generator().manual_seed(s["seed"])
    views = pooled[: s["views"], torch.as_tensor(idx)]  # [V, n, D]
    x = views.reshape(-1, views.shape[-1]).float()
    tgt = {a: torch.as_tensor(np.tile(labels.targets[a][idx], s["views"])) for a in labels.names}
    model = AttributeHeads(x.shape[1], {a: len(n) for a, n in labels.names.items()}, s["hidden"], s["dropout"])
    model.mean.copy_(pooled[0, torch.as_tensor(idx)].mean(0))
    model.std.copy_(pooled[0, torch.as_tensor(idx)].std(0).clamp_min(1e-4))
    opt = torch.optim.AdamW(model.parameters(), lr=s["lr"], weight_decay=s["weight_decay"])
    steps = math.ceil(len(x) / s["batch_size"]) * s["epochs"]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=s["lr"], total_steps=steps, pct_start=0.1)
    model.train()
    for _ in range(s["epochs"]):
        perm = torch.randperm(len(x), generator=gen)
        for k in range(0, len(x), s["batch_size"]):
            b = perm[k : k + s["batch_size"]]
            out = model(x[b])
            loss = sum(F.cross_entropy(out[a], tgt[a][b], ignore_index=-1, label_smoothing=s["label_smoothing"])
                       for a in out if (tgt[a][b] >= 0).any())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    return model.eval()


@torch.no_grad()
def predict(model: AttributeHeads, feats: torch.Tensor) -> dict[str, np.ndarray]:
    return {a: F.softmax(z, dim=-1).numpy() for a, z in model(feats.float()).items()}


def grouped(probs: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Region probabilities summed into anatomical groups: ([Q, G], group names)."""
    groups = sorted({group_of(n) for n in names})
    m = np.zeros((len(names), len(groups)))
    for i, n in enumerate(names):
        m[i, groups.index(group_of(n))] = 1.0
    return probs @ m, groups


def accuracy(probs: np.ndarray, target: np.ndarray) -> float:
    keep = target >= 0
    return float((probs[keep].argmax(1) == target[keep]).mean()) if keep.any() else float("nan")


# ---- the prior ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prior:
    threshold: float = 0.9
    penalty: float = math.inf  # inf = drop

    def label(self) -> str:
        return "off" if self.threshold > 1 else f"p>={self.threshold} penalty={'drop' if math.isinf(self.penalty) else self.penalty}"

    def manifest(self) -> dict:
        return {"threshold": self.threshold, "penalty": None if math.isinf(self.penalty) else self.penalty}


OFF = Prior(threshold=2.0, penalty=0.0)


def confident(probs: np.ndarray, threshold: float) -> np.ndarray:
    """[Q] predicted class, -1 where the top probability is below the threshold."""
    top = probs.argmax(1)
    return np.where(probs.max(1) >= threshold, top, -1)


def contradiction(pred: np.ndarray, candidate_values: list[set[int]]) -> np.ndarray:
    """[Q, C] 1 where the query's confident prediction (>= 0) is carried by none of the candidate's images."""
    q, c = len(pred), len(candidate_values)
    out = np.zeros((q, c))
    for j, vals in enumerate(candidate_values):
        out[:, j] = (pred >= 0) & ~np.isin(pred, list(vals) if vals else [-2])
    return out


def penalty_matrix(prior: Prior, preds: list[np.ndarray], values: list[list[set[int]]]) -> np.ndarray:
    """Σ over attributes of penalty × contradiction; inf penalties become a large finite drop (1e6)."""
    pen = 1e6 if math.isinf(prior.penalty) else prior.penalty
    total = None
    for pred, vals in zip(preds, values):
        m = contradiction(pred, vals) * pen
        total = m if total is None else total + m
    return total
