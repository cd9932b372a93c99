"""MedPix 2.0 records, caption texts and the preprocessed image cache."""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from . import preprocess

TOOLKIT_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TOOLKIT_DIR.parents[1]


def default_medpix_dir() -> Path:
    """MEDPIX_DIR, else ../shared/data/medpix-2.0 relative to the repo root (read-only data)."""
    env = os.environ.get("MEDPIX_DIR")
    if env:
        return Path(env).resolve()
    return (REPO_ROOT / ".." / "shared" / "data" / "medpix-2.0").resolve()


def medpix_root(base: str | Path | None = None) -> Path:
    base = Path(base) if base else default_medpix_dir()
    # accept both the folder holding MedPix-2-0/ and MedPix-2-0/ itself
    return base / "MedPix-2-0" if (base / "MedPix-2-0").is_dir() else base


def normalise_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


@dataclass
class ImageRecord:
    image_id: str
    case_id: str
    split: str
    path: Path
    caption: str
    type: str  # CT | MR
    plane: str
    location: str
    location_category: str
    modality: str
    age: str
    sex: str
    diagnosis: str = ""
    findings: str = ""
    topic_category: str = ""
    extras: dict = field(default_factory=dict)

    def template(self) -> str:
        """The seed notebook's templated caption (DESIGN.md, seed-template protocol)."""
        kind = "CT" if self.type.upper().startswith("CT") else "MR"
        return (
            f"a {self.plane} plane {kind} scan of {self.location} {self.topic_category} "
            f"on a {self.age} year old {self.sex} depicting {self.diagnosis}"
        )


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _s(value) -> str:
    return "" if value is None else str(value)


def load_split(split: str, base: str | Path | None = None, limit_cases: int | None = None) -> list[ImageRecord]:
    root = medpix_root(base)
    sd = root / "splitted_dataset"
    cases = {c["U_id"]: c for c in _read_jsonl(sd / f"data_{split}.jsonl")}
    keep = None
    if limit_cases is not None:
        keep = set(sorted(cases)[:limit_cases])
    out: list[ImageRecord] = []
    for d in _read_jsonl(sd / f"descriptions_{split}.jsonl"):
        if keep is not None and d["U_id"] not in keep:
            continue
        case = cases.get(d["U_id"], {})
        c, t, desc = case.get("Case") or {}, case.get("Topic") or {}, d.get("Description") or {}
        out.append(
            ImageRecord(
                image_id=d["image"],
                case_id=d["U_id"],
                split=split,
                path=root / "images" / f"{d['image']}.png",
                caption=normalise_ws(_s(desc.get("Caption"))),
                type=_s(d.get("Type")),
                plane=_s(desc.get("Plane")),
                location=_s(d.get("Location")),
                location_category=_s(d.get("Location Category")),
                modality=_s(desc.get("Modality")),
                age=_s(desc.get("Age")),
                sex=_s(desc.get("Sex")),
                diagnosis=normalise_ws(_s(c.get("Case Diagnosis"))),
                findings=normalise_ws(_s(c.get("Findings"))),
                topic_category=_s(t.get("Category")),
            )
        )
    return out


def build_image_cache(records: list[ImageRecord], size: int, cache_dir: Path) -> torch.Tensor:
    """[N, S, S] float32 of resized+cropped luminance (before mean/std), cached on disk by content key."""
    key = hashlib.sha256(("|".join(r.image_id for r in records) + f"@{size}").encode()).hexdigest()[:16]
    cache_dir.mkdir(parents=True, exist_ok=True)
    file = cache_dir / f"images-f32-{size}-{key}.pt"
    if file.exists():
        return torch.load(file)
    arr = np.stack([preprocess.gray_to_square(preprocess.decode_gray(r.path), size) for r in records])
    tensor = torch.from_numpy(arr)  # float32: eval must see the exact export preprocessing
    torch.save(tensor, file)
    return tensor


class LabelSpace:
    """String → index for an auxiliary attribute, built from train only (unknown → -1)."""

    def __init__(self, values: list[str]) -> None:
        self.names = sorted(set(values))
        self.index = {v: i for i, v in enumerate(self.names)}

    def encode(self, values: list[str]) -> torch.Tensor:
        return torch.tensor([self.index.get(v, -1) for v in values], dtype=torch.long)


def load_jsonl(path: str | Path, split: str, default_split: str = "train") -> list[ImageRecord]:
    """The generic JSON-lines dataset format of `medcap import jsonl` (see the root README): one
    image per line; `image` relative to the file; `caption` required; same `case` = one case."""
    path = Path(path)
    out: list[ImageRecord] = []
    for row in _read_jsonl(path):
        if row.get("split", default_split) != split:
            continue
        image = Path(row["image"])
        image_id = str(row.get("id") or image.stem)
        modality = _s(row.get("modality"))
        out.append(
            ImageRecord(
                image_id=image_id,
                case_id=str(row.get("case") or image_id),
                split=split,
                path=image if image.is_absolute() else path.parent / image,
                caption=normalise_ws(_s(row["caption"])),
                type="CT" if modality.upper().startswith("CT") else "MR" if modality.upper().startswith("MR") else modality,
                plane=_s(row.get("plane")),
                location=_s(row.get("location")),
                location_category=_s(row.get("locationCategory")),
                modality=modality,
                age=_s(row.get("age")),
                sex=_s(row.get("sex")),
                diagnosis=normalise_ws(_s(row.get("diagnosis"))),
                findings=normalise_ws(_s(row.get("findings"))),
                topic_category=_s(row.get("title")),
            )
        )
    return out


def load_records(cfg: dict, split: str, medpix_dir: str | Path | None = None) -> list[ImageRecord]:
    """Records for a run: MedPix 2.0 by default, or `"dataset": {"format": "jsonl", "path": ...}`."""
    ds = cfg.get("dataset") or {}
    if ds.get("format") == "jsonl":
        return load_jsonl(ds["path"], split)
    return load_split(split, medpix_dir, cfg.get("limit_cases"))
