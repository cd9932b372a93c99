"""MODEL_CARD.md rendered from the manifest, the checkpoint and the ablation results."""
from __future__ import annotations

import hashlib
from pathlib import Path


def _f(v, nd=3) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


def _retrieval_table(dev: dict) -> list[str]:
    r = dev["retrieval"]
    rnd = r.get("random", {})
    lines = ["| direction | R@1 | R@5 | R@10 (95% CI) | MRR | median rank |", "| --- | --- | --- | --- | --- | --- |"]
    for key, label in (("imageToText", "image → text"), ("textToImage", "text → image")):
        m = r[key]
        ci = m.get("R@10ci95", [None, None])
        lines.append(f"| {label} | {_f(m['R@1'])} | {_f(m['R@5'])} | **{_f(m['R@10'])}** ({_f(ci[0], 2)}–{_f(ci[1], 2)}) "
                     f"| {_f(m['MRR'])} | {m['medianRank']:.0f} |")
    if rnd:
        lines.append(f"| random ranking (floor) | {_f(rnd['R@1'])} | {_f(rnd['R@5'])} | {_f(rnd['R@10'])} | {_f(rnd['MRR'])} | {rnd['medianRank']:.0f} |")
    return lines


def _caption_table(block: dict, keys: list[str], rows: list[tuple[str, str]]) -> list[str]:
    lines = ["| | " + " | ".join(keys) + " |", "| --- |" + " --- |" * len(keys)]
    for name, label in rows:
        if name in block:
            lines.append(f"| {label} | " + " | ".join(_f(block[name].get(k)) for k in keys) + " |")
    return lines


def write_card(out_dir: Path, lines: list[str]) -> None:
    """Writes MODEL_CARD.md: the given sections, then the files of out_dir with their sizes and sha256
    (every model card ends the same way, whichever selection produced the model)."""
    L = lines + [
        "## Files and hashes",
        "",
        "sha256 of every file is in `manifest.json` (`files`). `parity.json` holds reference embeddings for",
        "synthetic images and texts so a port of the preprocessing/tokenizer can prove cosine ≥ 0.9999.",
        "",
        "| file | bytes | sha256 |",
        "| --- | --- | --- |",
    ]
    for p in sorted(out_dir.glob("*")):
        if p.is_file() and p.name not in ("MODEL_CARD.md", "manifest.json"):
            L.append(f"| `{p.name}` | {p.stat().st_size} | `{hashlib.sha256(p.read_bytes()).hexdigest()}` |")
    L.append("")
    (out_dir / "MODEL_CARD.md").write_text("\n".join(L))


def write_model_card(out_dir: Path, manifest: dict, ckpt: dict, ablation: dict | None) -> None:
    dev = manifest.get("metrics", {}).get("dev") or {}
    size_mb = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file() and p.name != "MODEL_CARD.md") / 1e6
    tr = manifest["training"]
    cfg = tr["config"]
    L: list[str] = [
        f"# {manifest['name']} {manifest['version']}",
        "",
        "A dual encoder (image encoder + text encoder, trained contrastively like CLIP) that maps radiology",
        "images (CT/MR) and captions into one 256-dimensional space, for retrieval captioning and",
        "text/image search in MedCap.",
        "",
        "## Intended use",
        "",
        "Research and clinical **decision support**: finding similar cases and candidate captions for a",
        "radiologist to review. It is **not a diagnostic device** and must not be used to make or replace a",
        "diagnosis; every answer should be shown with its provenance and score. It was trained on a small",
        "teaching-file collection and has not been validated on any clinical population.",
        "",
        "## Model",
        "",
        f"- Image encoder: {cfg['image'].get('arch')} (torchvision ResNet-18 block layout, base width "
        f"{cfg['image'].get('base_width')}), 1-channel luminance at {cfg['image']['size']}×{cfg['image']['size']} px, "
        "trained from scratch. The ONNX input is float32 `[N,3,S,S]`; the graph averages the (identical) channels.",
        f"- Text encoder: BERT-family, initialised from `{cfg['text'].get('pretrained')}` "
        "(all-MiniLM-L6-v2, 6 layers, hidden 384), mean pooling; "
        + (f"top {cfg['text'].get('trainable_layers')} layers fine-tuned, the rest frozen" if cfg['text'].get('trainable_layers') not in (0, "0")
         else "all BERT weights frozen (only the projection is trained)") + f"; max length {cfg['text'].get('max_length')} tokens.",
        f"- Linear projections to {manifest['embeddingDim']} dims, L2-normalised; learned logit scale {manifest['logitScale']:.2f}.",
        f"- Text encoder quantisation: `{manifest['quantization']}` (weight-only int8: per-channel scales + standard "
        "`DequantizeLinear`, activations float32, so embeddings do not depend on batching); image encoder float32.",
        f"- Size on disk: **{size_mb:.1f} MB** (all files in this folder).",
        "",
        "## Data",
        "",
        "MedPix 2.0 (NLM MedPix teaching cases, CT and MR). Training on the **train** split (535 cases / 1,653",
        "images); checkpoint selection and every number below on the **dev** split (67 cases / 197 images);",
        "the **test** split was never used. Captions repeat within a case (1,095 distinct normalised train captions).",
        "Supervision: image ↔ own caption (multi-positive InfoNCE: identical captions are positives, never",
        "negatives)"
        + (", plus image ↔ templated metadata caption as extra positives" if cfg.get("extra_texts", {}).get("template") else "")
        + (", plus auxiliary heads for Type / Plane / Location Category" if cfg.get("aux_weight") else "") + ".",
        "",
        "## Training",
        "",
        "```",
        "bash models/toolkit/scripts/reproduce_default.sh",
        "```",
        "",
        f"Config `{tr.get('configFile')}`, seed {tr['seed']}, {tr['epochs']} epochs (selected epoch {tr.get('selectedEpoch')} on dev), "
        f"{tr['durationSeconds'] / 60:.0f} min wall clock on the 2-core dev CPU while other jobs shared it, torch {tr['torch']}"
        + (f"; EMA of weights (decay {cfg['ema']}/step) used for selection and export" if cfg.get("ema") else "") + ".",
        "",
        "## Dev metrics",
        "",
        "Computed by `python -m medcap_toolkit eval --model-dir models/medcap-base-v1 --split dev` on the exported ONNX",
        "files (protocol definitions in `shared/docs/DESIGN.md`).",
        "",
    ]
    if dev:
        r = dev["retrieval"]
        cl_m = dev["caption-library"]["model"]["CIDEr"]
        ok = lambda b: "met" if b else "**missed**"
        L += ["Quality targets of the issue: R@10 ≥ 0.40 both ways — image→text "
              f"{r['imageToText']['R@10']:.3f} ({ok(r['imageToText']['R@10'] >= 0.40)}), text→image "
              f"{r['textToImage']['R@10']:.3f} ({ok(r['textToImage']['R@10'] >= 0.40)}); caption-library CIDEr-D ≥ 0.15 — "
              f"{cl_m:.3f} ({ok(cl_m >= 0.15)}).", ""]
        L += ["### `retrieval` (pool: the 197 dev images and their captions)", ""] + _retrieval_table(dev) + [""]
        cl = dev["caption-library"]
        L += [f"### `caption-library` (dev images captioned from {cl.get('librarySize')} train captions)", ""]
        L += _caption_table(cl, ["CIDEr", "BLEU_4", "ROUGE_L"], [("model", "this model"), ("random", "random train caption (floor)"), ("oracle", "oracle: best-ROUGE-L train caption (ceiling)")])
        L += ["", "CIDEr is CIDEr-D (σ=6, ×10, document frequencies from the dev references).", ""]
        st = dev["seed-template"]
        keys = ["BLEU_1", "BLEU_4", "METEOR", "ROUGE_L", "CIDEr"]
        L += ["### `seed-template` (top-1 from the dev split's own templated captions)", ""]
        L += _caption_table(st, keys, [("model", "this model"), ("random", "random templated caption (floor)"), ("seedNotebook", "seed notebook (ResNet50 + ClinicalBERT, as reported)")])
        L += ["", "The seed notebook's numbers come from its own split and setup; compare them with the random floor, which already matches its CIDEr.", ""]
    qe = manifest.get("quantizationEffect")
    if qe:
        keys = list(next(iter(qe.values())).keys())
        L += ["### Quantisation effect (text encoder, dev)", "", "| text encoder | " + " | ".join(keys) + " |", "| --- |" + " --- |" * len(keys)]
        for name, vals in qe.items():
            L.append(f"| {name} | " + " | ".join(_f(vals[k]) for k in keys) + " |")
        L.append("")
    if ablation:
        L += ["## Ablation (dev, same code, same seed)", "", ablation.get("about", ""), ""]
        cols = ablation["columns"]
        L += ["| run | " + " | ".join(cols) + " |", "| --- |" + " --- |" * len(cols)]
        for row in ablation["rows"]:
            L.append(f"| {row['name']} | " + " | ".join(_f(row.get(c)) if isinstance(row.get(c), (int, float)) else str(row.get(c, "–")) for c in cols) + " |")
        L += [""] + [f"- {n}" for n in ablation.get("notes", [])] + [""]
    L += [
        "## Limits",
        "",
        "- Small data: 1,653 training images from 535 cases; dev has 197 images, so a 95% interval on R@10 is about ±0.06.",
        "- The checkpoint was selected on dev and the numbers are reported on dev, so they are optimistic; the test",
        "  split is kept for a final, untuned measurement.",
        "- Image→text retrieval and caption-library quality are well below the targets: a retrieved caption is",
        "  usually *not* the right one (caption-library CIDEr-D 0.05 against an oracle of 0.73).",
        "- Retrieval captions come from a fixed library; they describe *a similar case*, not this patient.",
        "  Captions state laterality and measurements that a retrieved caption may get wrong.",
        "- Trained on CT and MR teaching images only; other modalities (X-ray, US, pathology) are out of scope.",
        "- Images are reduced to 96 px luminance; fine findings are invisible at that resolution.",
        "- The text encoder is a general-domain sentence encoder (not clinical); clinical abbreviations may be poorly represented.",
        "- Not evaluated for bias across age, sex or scanner; not for diagnosis.",
        "",
    ]
    write_card(out_dir, L)
