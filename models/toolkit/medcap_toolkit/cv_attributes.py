"""`cv-attributes`: case-grouped 5-fold CV (the folds of cv.py) of what medcap-base-v3 adds to v2:

1. attribute heads on the frozen pooled features (linear vs one hidden layer, with or without the
   augmented view): out-of-fold accuracy per attribute;
2. the attribute prior of captioning (threshold x penalty) on top of the served strategy, scored by
   caption-library CIDEr-D and *anatomy agreement* (the share of held-out images whose top-1 caption's
   first provenance image has the query's region / modality / plane; also all of the top 5);
3. the same prior for similar images (top-1 neighbour in the held-out fold);
4. query-side hubness correction (inverted softmax over the training folds' images) for image -> text;
5. retrieval R@10 on 200-image subsamples of each held-out fold (comparable with earlier 200-image pools).

The towers are v2's (frozen trunk, projections retrained per fold with v2's setting), so the embedding
figures are v2's CV figures; what v3 changes is the heads and the prior.
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from . import attributes as A
from . import captioning, cv, metrics

V2_SETTING = {"arch": "efficientnet-lite0", "size": 224, "views": 1, "finetune_blocks": 0, "text_layers": 0,
              "epochs": 8, "eval_epochs": [4, 8], "template": 0.5, "aux": 0.1, "head": "linear"}
V2_EPOCH = 4

HEAD_GRID = [
    {"hidden": 0, "views": 1}, {"hidden": 0, "views": 2},
    {"hidden": 256, "views": 1}, {"hidden": 256, "views": 2},
    {"hidden": 512, "views": 2, "epochs": 100},
]
PRIOR_GRID = [A.OFF] + [A.Prior(t, p) for t in (0.5, 0.7, 0.8, 0.9, 0.95) for p in (0.02, 0.05, 0.1, 0.2, math.inf)]
STRATEGIES = [captioning.Strategy("text", consensus="10:0.3"),
              captioning.Strategy("fused", 5, 0.1, 0.25, "off")]
AGREE_KEYS = ("regionRaw", "region", "modality", "plane")


def ms(values) -> dict:
    return cv.mean_sd([float(v) for v in values])


class Fold:
    """One held-out fold: its v2 embeddings, out-of-fold attribute probabilities and the library."""

    def __init__(self, fd: cv.FoldData, img: np.ndarray, txt: np.ndarray, recs, vals: dict[str, np.ndarray]):
        self.fd, self.img, self.txt = fd, img, txt
        self.vals = vals  # attribute -> [N] integer value of every record (-1 = none); region = group index
        # the images (record indices) that carry each library caption, in library order
        self.carriers: list[list[int]] = [[] for _ in fd.lib_caps]
        for pos, rec in zip(fd.lib_caption_of_image, fd.train):
            self.carriers[pos].append(int(rec))

    def candidate_values(self, attr: str) -> list[set[int]]:
        v = self.vals[attr]
        return [{int(v[i]) for i in c if v[i] >= 0} for c in self.carriers]


def first_provenance(fold: Fold, caption: int, preds: dict[str, np.ndarray], qi: int) -> int:
    """The caption's first provenance image: its images that agree with the query's confident predictions
    first (the service lists them first when the prior is on), then library order."""
    carriers = fold.carriers[caption]
    for i in carriers:
        if all(p[qi] < 0 or fold.vals[a][i] == p[qi] for a, p in preds.items()):
            return i
    return carriers[0]


def agreement(fold: Fold, picks: np.ndarray, preds: dict[str, np.ndarray]) -> dict:
    """Top-1 and all-of-top-5 agreement of the picks' first provenance images with each query."""
    out = {}
    test = fold.fd.test
    for key, attr in (("regionRaw", "regionRaw"), ("region", "region"), ("modality", "modality"), ("plane", "plane")):
        v = fold.vals[attr]
        top1, all5, n = 0, 0, 0
        for qi, rec in enumerate(test):
            if v[rec] < 0:
                continue
            n += 1
            prov = [v[first_provenance(fold, int(c), preds, qi)] for c in picks[qi]]
            top1 += prov[0] == v[rec]
            all5 += all(p == v[rec] for p in prov[:5])
        out[key] = top1 / max(n, 1)
        out[key + "Top5"] = all5 / max(n, 1)
    return out


def agreement_floor(fold: Fold) -> dict:
    """A caption drawn uniformly from the library (its first image): P(agrees), averaged over queries."""
    out = {}
    for key in AGREE_KEYS:
        v = fold.vals[key]
        first = np.array([v[c[0]] for c in fold.carriers])
        q = v[fold.fd.test]
        q = q[q >= 0]
        p = np.array([(first == x).mean() for x in q])
        out[key] = float(p.mean())
        out[key + "Top5"] = float((p**5).mean())
    return out


def similar_top1(fold: Fold, sims: np.ndarray, pen: np.ndarray | None) -> dict:
    """Top-1 similar image inside the held-out fold (the query itself excluded), with the prior."""
    s = sims - (pen if pen is not None else 0.0)
    np.fill_diagonal(s, -np.inf)
    nn = s.argmax(1)
    out = {}
    for key in AGREE_KEYS:
        v = fold.vals[key][fold.fd.test]
        keep = v >= 0
        out[key] = float((v[nn][keep] == v[keep]).mean())
    return out


def inverted_softmax(q: np.ndarray, lib_txt: np.ndarray, bank: np.ndarray, temperature: float) -> np.ndarray:
    """Querybank-normalised scores (Bogolin et al. 2022): exp(s/T) / sum over bank queries of exp(s/T)."""
    z = np.exp((bank @ lib_txt.T - 1.0) / temperature).sum(0, keepdims=True)
    return np.exp((q @ lib_txt.T - 1.0) / temperature) / z


def retrieval_200(img: np.ndarray, txt: np.ndarray, fd: cv.FoldData, reps: int = 5, seed: int = 0) -> dict:
    """Retrieval R@10 on random 200-image subsamples of the held-out fold (mean over `reps` draws)."""
    rng = np.random.default_rng(seed + fd.fold)
    i2t, t2i, floor = [], [], []
    for _ in range(reps):
        sub = np.sort(rng.choice(fd.test, size=min(200, len(fd.test)), replace=False))
        groups = fd.cap[sub]
        r = metrics.retrieval(img[sub], txt[groups], groups)
        i2t.append(r["imageToText"]["R@10"])
        t2i.append(r["textToImage"]["R@10"])
        floor.append(metrics.random_retrieval_floor(groups, reps=20)["R@10"])
    return {"i2tR@10": float(np.mean(i2t)), "t2iR@10": float(np.mean(t2i)), "floorR@10": float(np.mean(floor))}


def run(out_file: Path, medpix_dir=None, log=print) -> dict:
    t0 = time.time()
    ctx = cv.CVContext(5, medpix_dir, log=log)
    records = ctx.records
    labels = A.Labels.of(records)
    img_cache = ctx.image_cache(cv.resolve_size(dict(cv.BASE_SETTING, **dict(V2_SETTING, views=2))))
    pooled = img_cache["pooled"]  # [2, N, 1280]

    # 1. heads
    head_rows = []
    oof: dict[int, dict[int, dict[str, np.ndarray]]] = {}
    for h, setting in enumerate(HEAD_GRID):
        per_fold, oof[h] = [], {}
        for fd in ctx.fold_data:
            model = A.train_heads(pooled, fd.train, labels, setting)
            probs = A.predict(model, pooled[0, torch.as_tensor(fd.test)])
            oof[h][fd.fold] = probs
            acc = {a: A.accuracy(p, labels.targets[a][fd.test]) for a, p in probs.items()}
            g, groups = A.grouped(probs["region"], labels.names["region"])
            tgt_g = np.array([groups.index(A.group_of(labels.names["region"][t])) if t >= 0 else -1
                              for t in labels.targets["region"][fd.test]])
            acc["regionGrouped"] = A.accuracy(g, tgt_g)
            per_fold.append(acc)
        row = {"setting": dict(A.HEAD_DEFAULTS, **setting), "accuracy": {k: ms([f[k] for f in per_fold]) for k in per_fold[0]}}
        row["select"] = float(np.mean([row["accuracy"][k]["mean"] for k in ("regionGrouped", "modality", "plane")]))
        head_rows.append(row)
        log(f"heads {setting}: " + ", ".join(f"{k} {v['mean']:.3f}" for k, v in row["accuracy"].items()))
    best_h = max(range(len(head_rows)), key=lambda h: head_rows[h]["select"])
    majority = {a: ms([float((labels.targets[a][fd.test] == np.bincount(labels.targets[a][fd.train][labels.targets[a][fd.train] >= 0]).argmax()).mean())
                       for fd in ctx.fold_data]) for a in labels.names}

    # record values per attribute (region as group index; raw region kept for the raw figure)
    groups = sorted({A.group_of(n) for n in labels.names["region"]})
    reg = labels.targets["region"]
    vals = {"regionRaw": reg,
            "region": np.array([groups.index(A.group_of(labels.names["region"][t])) if t >= 0 else -1 for t in reg]),
            "modality": labels.targets["modality"], "plane": labels.targets["plane"]}

    # 2-5 on v2's fold embeddings
    v2 = ctx.run_setting("v2 setting", cv.resolve_size(dict(cv.BASE_SETTING, **V2_SETTING)))
    fold_embs = ctx.embeddings[cv.setting_key(cv.resolve_size(dict(cv.BASE_SETTING, **V2_SETTING)))][V2_EPOCH]
    folds = [Fold(fd, img, txt, records, vals) for fd, (img, txt) in zip(ctx.fold_data, fold_embs)]
    prior_rows: dict[str, dict] = {}
    similar_rows: dict[str, dict] = {}
    floors, sim_floor, ret200, hub = [], [], [], {}
    for fold in folds:
        fd = fold.fd
        probs = oof[best_h][fd.fold]
        g, _ = A.grouped(probs["region"], labels.names["region"])
        floors.append(agreement_floor(fold))
        q = fold.img[fd.test]
        lib_txt, lib_img = fold.txt[fd.lib_caps], fold.img[fd.train]
        ret200.append(retrieval_200(fold.img, fold.txt, fd))
        sims = q @ q.T
        for prior in PRIOR_GRID:
            preds = {"region": A.confident(g, prior.threshold), "modality": A.confident(probs["modality"], prior.threshold)}
            pen = A.penalty_matrix(prior, [preds["region"], preds["modality"]],
                                   [fold.candidate_values("region"), fold.candidate_values("modality")])
            for st in STRATEGIES:
                picks = captioning.rank(q, lib_txt, lib_img, fd.lib_caption_of_image, st, top=5, texts=fd.lib_texts,
                                        penalty=pen)
                res = {"CIDEr": fd.cider.corpus([fd.lib_texts[p] for p in picks[:, 0]]), **agreement(fold, picks, preds)}
                prior_rows.setdefault(f"{st.label()} | {prior.label()}", {"strategy": st.manifest(), "prior": prior.manifest(),
                                                                           "perFold": []})["perFold"].append(res)
            # similar images: candidates are the held-out images themselves
            vq = {a: [{int(fold.vals[a][i])} if fold.vals[a][i] >= 0 else set() for i in fd.test] for a in ("region", "modality")}
            spen = A.penalty_matrix(prior, [preds["region"], preds["modality"]], [vq["region"], vq["modality"]])
            similar_rows.setdefault(prior.label(), {"prior": prior.manifest(), "perFold": []})["perFold"].append(
                similar_top1(fold, sims, spen))
        sim_floor.append({k: float(np.mean([(fold.vals[k][fd.test] == v).sum() - 1 for v in fold.vals[k][fd.test] if v >= 0])
                                   / (len(fd.test) - 1)) for k in AGREE_KEYS})
        for temp in (0.01, 0.02, 0.05):
            scores = inverted_softmax(q, fold.txt[fd.cap[fd.test]], lib_img, temp)
            groups_t = fd.cap[fd.test]
            correct = groups_t[:, None] == groups_t[None, :]
            r = metrics._summary(metrics._ranks(scores, correct))
            is_lib = inverted_softmax(q, lib_txt, lib_img, temp)
            pick = is_lib.argmax(1)
            hub.setdefault(str(temp), []).append({"i2tR@10": r["R@10"], "captionCIDEr": fd.cider.corpus([fd.lib_texts[p] for p in pick])})
        log(f"fold {fd.fold}: priors, similar images and hubness done ({time.time() - t0:.0f}s)")

    def summarise(rows: dict) -> dict:
        for row in rows.values():
            row["summary"] = {k: ms([f[k] for f in row["perFold"]]) for k in row["perFold"][0]}
        return rows

    summarise(prior_rows)
    summarise(similar_rows)
    # choice: among rows of the served strategy whose CIDEr-D mean is at least the prior-off mean minus half
    # its sd, the best region (grouped) + modality agreement; ties -> higher CIDEr-D
    served = STRATEGIES[0].label()
    off = prior_rows[f"{served} | off"]["summary"]
    bar = off["CIDEr"]["mean"] - 0.5 * off["CIDEr"]["sd"]
    ok = [k for k, r in prior_rows.items() if k.startswith(served + " |") and r["summary"]["CIDEr"]["mean"] >= bar]
    choice = max(ok, key=lambda k: (round(prior_rows[k]["summary"]["region"]["mean"] + prior_rows[k]["summary"]["modality"]["mean"], 4),
                                    prior_rows[k]["summary"]["CIDEr"]["mean"]))
    sim_choice = max(similar_rows, key=lambda k: (round(similar_rows[k]["summary"]["region"]["mean"] + similar_rows[k]["summary"]["modality"]["mean"], 4),
                                                   -len(k)))
    v2_summary = v2["byEpoch"][str(V2_EPOCH)]["summary"]
    result = {
        "about": "case-grouped 5-fold CV over MedPix 2.0 train+dev (cv.py folds): attribute heads, the attribute prior "
                 "of captioning and similar images, hubness correction, 200-image retrieval pools; mean ± sd over folds",
        "v2Setting": V2_SETTING, "v2Epoch": V2_EPOCH,
        "labels": labels.names, "regionGroups": A.REGION_GROUPS,
        "heads": {"grid": head_rows, "chosen": best_h, "majority": majority,
                  "selection": "mean out-of-fold accuracy of region (grouped), modality and plane"},
        "priors": {"rows": prior_rows, "chosen": choice, "selection":
                   f"served strategy ({served}); CIDEr-D mean >= prior-off mean - 0.5 sd ({bar:.4f}); then max region (grouped) "
                   "+ modality top-1 agreement; ties -> higher CIDEr-D"},
        "agreementFloor": {k: ms([f[k] for f in floors]) for k in floors[0]},
        "similar": {"rows": similar_rows, "chosen": sim_choice, "floor": {k: ms([f[k] for f in sim_floor]) for k in AGREE_KEYS}},
        "hubness": {t: {k: ms([f[k] for f in v]) for k in v[0]} for t, v in hub.items()},
        "v2": {k: {"mean": v2_summary[k]["mean"], "sd": v2_summary[k]["sd"]} for k in cv.SUMMARY_KEYS},
        "retrieval200": {k: ms([f[k] for f in ret200]) for k in ret200[0]},
        "floors": ctx.floors(),
        "seconds": round(time.time() - t0),
        "finishedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(result, indent=1) + "\n")
    c = prior_rows[choice]["summary"]
    log(f"chosen heads {head_rows[best_h]['setting']}; prior {choice}: region {c['region']['mean']:.3f} modality "
        f"{c['modality']['mean']:.3f} plane {c['plane']['mean']:.3f} CIDEr {c['CIDEr']['mean']:.4f} ({result['seconds']}s)")
    return result
