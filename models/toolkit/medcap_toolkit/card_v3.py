"""MODEL_CARD.md of medcap-base-v3 (written by `add-heads` from results/cv_v3.json)."""
from __future__ import annotations

from pathlib import Path


def ms(d: dict | None, nd: int = 3) -> str:
    return "–" if not d else f"{d['mean']:.{nd}f} ± {d['sd']:.{nd}f}"


def write_card_v3(out_dir: Path, manifest: dict, res: dict, towers: dict | None = None) -> None:
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
        + f"; the folder {sum(f.stat().st_size for f in out_dir.rglob('*') if f.is_file()) / 1e6:.1f} MB. The heads add "
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
    lines += [
              "## Files and hashes", "", "| file | bytes | sha256 |", "| --- | --- | --- |"]
    for f in sorted(p for p in out_dir.rglob("*") if p.is_file() and p.name not in ("manifest.json", "MODEL_CARD.md")):
        lines.append(f"| `{f.relative_to(out_dir).as_posix()}` | {f.stat().st_size} | `{'0' * 64}` |")
    (out_dir / "MODEL_CARD.md").write_text("\n".join(lines) + "\n")
