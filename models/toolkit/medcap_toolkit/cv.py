"""Case-grouped k-fold cross-validation over train+dev on cached features. The cached trainer lives in
train.py (cached mode) and also produces the final model (same code path, so the CV estimate describes what is
shipped).

A *setting* fixes everything that needs training (backbone + resolution, frozen vs last-block
fine-tuned image tail, trainable MiniLM layers, loss weights, schedule); each is trained on 4 folds
and evaluated on the held-out fold with the DESIGN.md protocols (pools = the held-out fold):
`retrieval`, `caption-library` (library = the 4 training folds' captions and images) and
`seed-template`. Checkpoints inside one schedule (`eval_epochs`) are the "epochs" choice: the final
model uses the same total schedule and stops at the chosen epoch. Captioning strategies need no
training; they are evaluated on each fold's embeddings.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from . import captioning, features, metrics
from .train import TEXT_CFG, CachedModel, TextCache, embed_all, train_cached
from .model import build_bert

__all__ = ["TEXT_CFG", "CachedModel", "TextCache", "embed_all", "train_cached", "assign_folds", "run_cv"]

FOLD_SEED = 20261129

BASE_SETTING = {
    "arch": "efficientnet-lite1", "size": 240, "views": 2, "finetune_blocks": 0, "text_layers": 0,
    "embed_dim": 256, "epochs": 30, "eval_epochs": [10, 20, 30], "batch_size": 64,
    "template": 0.5, "aux": 0.1, "lr_heads": 1e-3, "lr_tail": 1e-4, "lr_text": 3e-5, "weight_decay": 0.01,
    "init_temperature": 0.07, "seed": 1234, "head": "linear",
}
# the caption-library strategy every training setting is compared with (the strategy grid itself
# runs on the selected setting only, to keep the CPU budget)
REFERENCE_STRATEGY = captioning.Strategy("fused", neighbours=10, temperature=0.05, weight=0.5)


def assign_folds(case_ids: list[str], k: int = 5, seed: int = FOLD_SEED) -> dict[str, int]:
    """Case → fold: distinct case ids sorted, shuffled with a fixed seed, dealt round-robin, so every
    image of a case is in one fold, folds differ by at most one case, and the result is deterministic."""
    cases = sorted(set(case_ids))
    order = np.random.default_rng(seed).permutation(len(cases))
    return {cases[j]: int(pos % k) for pos, j in enumerate(order)}


def select_score(summary: dict) -> float:
    """Model selection criterion (stated in the card): mean R@10 of both directions + CIDEr-D of the
    reference fused strategy, each the mean over folds."""
    return 0.5 * (summary["i2tR@10"]["mean"] + summary["t2iR@10"]["mean"]) + summary["captionCIDEr"]["mean"]


class FoldData:
    """Index sets, libraries and the model-independent floors/oracle of one fold."""

    def __init__(self, records, folds: dict[str, int], fold: int, text_cache: TextCache, cache_dir: Path):
        self.fold = fold
        self.test = np.array([i for i, r in enumerate(records) if folds[r.case_id] == fold])
        self.train = np.array([i for i, r in enumerate(records) if folds[r.case_id] != fold])
        idx = text_cache.index
        self.cap = np.array([idx[r.caption] for r in records])
        self.tmp = np.array([idx[r.template()] for r in records])
        self.lib_caps = np.array(sorted(set(self.cap[self.train].tolist())))
        pos = {c: j for j, c in enumerate(self.lib_caps)}
        self.lib_caption_of_image = np.array([pos[c] for c in self.cap[self.train]])
        self.lib_texts = [text_cache.texts[c] for c in self.lib_caps]
        self.refs = [records[i].caption for i in self.test]
        self.pool = np.array(sorted(set(self.tmp[self.test].tolist())))
        self.tmp_refs = [records[i].template() for i in self.test]
        self.floors = self._floors(cache_dir, text_cache)
        self.cider = metrics.CiderD(self.refs)
        self.tmp_cider = metrics.CiderD(self.tmp_refs)

    def _floors(self, cache_dir: Path, text_cache: TextCache) -> dict:
        key = f"cv-floors-{len(self.test)}-{int(self.test.sum())}-{len(self.lib_caps)}.json"
        file = cache_dir / key
        if file.exists():
            return json.loads(file.read_text())
        rng = np.random.default_rng(0)
        groups = self.cap[self.test]
        rand_lib = [self.lib_texts[i] for i in rng.integers(0, len(self.lib_texts), size=len(self.refs))]
        oracle = [self.lib_texts[k] for k in oracle_picks(self.lib_texts, self.refs)]
        pool_texts = [text_cache.texts[c] for c in self.pool]
        rand_tmp = [pool_texts[i] for i in rng.integers(0, len(pool_texts), size=len(self.tmp_refs))]
        rr = metrics.random_retrieval_floor(groups)
        out = {"retrievalR@10": rr["R@10"],
               "captionRandom": metrics.caption_scores(rand_lib, [[r] for r in self.refs]),
               "captionOracle": metrics.caption_scores(oracle, [[r] for r in self.refs]),
               "templateRandom": metrics.caption_scores(rand_tmp, [[r] for r in self.tmp_refs])}
        cache_dir.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(out))
        return out


def _f_rouge(lcs: int, n_cand: int, n_ref: int, beta: float = 1.2) -> float:
    if lcs == 0 or not n_cand or not n_ref:
        return 0.0
    p, r = lcs / n_cand, lcs / n_ref
    return ((1 + beta**2) * p * r) / (r + beta**2 * p)


def oracle_picks(library: list[str], refs: list[str]) -> list[int]:
    """For each reference, the library index with the best sentence ROUGE-L (lowest index on ties):
    the same answer as an exhaustive max, but candidates are visited in order of an upper bound
    (LCS <= bag-of-words overlap) and the search stops once the bound falls below the best."""
    from collections import Counter

    lib_tok = [metrics.caption_tokens(c).split() for c in library]
    lib_bag = [Counter(t) for t in lib_tok]
    out = []
    for ref in refs:
        rt = metrics.caption_tokens(ref).split()
        rb = Counter(rt)
        ub = np.array([_f_rouge(sum((b & rb).values()), len(t), len(rt)) for b, t in zip(lib_bag, lib_tok)])
        order = np.lexsort((np.arange(len(ub)), -ub))
        best, best_k = -1.0, 0
        for k in order:
            if ub[k] < best:
                break
            f = metrics.sentence_rouge_l(lib_tok[k], rt)
            if f > best or (f == best and k < best_k):
                best, best_k = f, int(k)
        out.append(best_k)
    return out


def evaluate_fold(img: np.ndarray, txt: np.ndarray, fd: FoldData, strategies: list[captioning.Strategy],
                  full: set[str] | None = None) -> dict:
    """img: embeddings of every record (rows = record index); txt: of every cached text. Caption-library
    CIDEr-D for every strategy (fast, cached references); BLEU-4/ROUGE-L (pycocoevalcap) for the labels
    in `full` (all when None)."""
    q = img[fd.test]
    groups = fd.cap[fd.test]
    ret = metrics.retrieval(q, txt[groups], groups)
    out = {"i2tR@10": ret["imageToText"]["R@10"], "t2iR@10": ret["textToImage"]["R@10"],
           "i2tMRR": ret["imageToText"]["MRR"], "t2iMRR": ret["textToImage"]["MRR"]}
    lib_txt, lib_img = txt[fd.lib_caps], img[fd.train]
    caps = {}
    for st in strategies:
        picks = captioning.rank(q, lib_txt, lib_img, fd.lib_caption_of_image, st, top=1, texts=fd.lib_texts)[:, 0]
        preds = [fd.lib_texts[p] for p in picks]
        caps[st.label()] = {"CIDEr": fd.cider.corpus(preds)}
        if full is None or st.label() in full:
            sc = metrics.caption_scores(preds, [[r] for r in fd.refs])
            caps[st.label()].update(BLEU_4=sc["BLEU_4"], ROUGE_L=sc["ROUGE_L"])
    out["captionLibrary"] = caps
    out["captionCIDEr"] = caps[strategies[0].label()]["CIDEr"]
    pool_picks = (q @ txt[fd.pool].T).argmax(axis=1)
    preds = [TEXTS_OF[0][fd.pool[p]] for p in pool_picks]
    out["templateBLEU_4"] = metrics.caption_scores_bleu(preds, [[r] for r in fd.tmp_refs])
    out["templateCIDEr"] = fd.tmp_cider.corpus(preds)
    return out


TEXTS_OF: list[list[str]] = [[]]  # set by run_cv (evaluate_fold reads the template texts from it)


def mean_sd(values: list[float]) -> dict:
    a = np.asarray(values, dtype=float)
    return {"mean": float(a.mean()), "sd": float(a.std(ddof=1)) if len(a) > 1 else 0.0, "folds": [float(v) for v in a]}


SUMMARY_KEYS = ["i2tR@10", "t2iR@10", "i2tMRR", "t2iMRR", "captionCIDEr", "templateBLEU_4", "templateCIDEr"]


def summarise(per_fold: list[dict]) -> dict:
    out = {k: mean_sd([f[k] for f in per_fold]) for k in SUMMARY_KEYS}
    labels = per_fold[0]["captionLibrary"].keys()
    out["captionLibrary"] = {lab: {m: mean_sd([f["captionLibrary"][lab][m] for f in per_fold])
                                   for m in ("CIDEr", "BLEU_4", "ROUGE_L") if m in per_fold[0]["captionLibrary"][lab]}
                             for lab in labels}
    return out


class CVContext:
    """Everything a CV run shares: records, folds, text cache, MiniLM, per-fold floors."""

    def __init__(self, k: int = 5, medpix_dir=None, limit_cases=None, cache_dir: Path = features.CACHE_DIR, log=print,
                 text_hidden: bool = False):
        self.records = features.all_records(medpix_dir, limit_cases)
        self.folds = assign_folds([r.case_id for r in self.records], k)
        self.k, self.cache_dir, self.log = k, cache_dir, log
        # text_layers > 0 settings need the hidden-state cache (hidden=True); the CPU grid uses frozen text
        tc = features.cache_text(self.records, {"embed_dim": 256, "text": dict(TEXT_CFG, trainable_layers=2)}, cache_dir,
                                 log, hidden=text_hidden)
        self.text_cache = TextCache(tc)
        TEXTS_OF[0] = self.text_cache.texts
        self.bert = build_bert(TEXT_CFG)
        self.fold_data = [FoldData(self.records, self.folds, f, self.text_cache, cache_dir) for f in range(k)]
        self._img: dict = {}
        self.embeddings: dict[str, dict[int, list]] = {}  # setting key → epoch → per-fold (img, txt)

    def image_cache(self, s: dict) -> dict:
        key = (s["arch"], s["size"], s["views"], max(1, s["finetune_blocks"]))
        if key not in self._img:
            self._img.clear()  # one backbone in RAM at a time
            self._img[key] = features.cache_trunk(self.records, s["arch"], s["size"], views=s["views"],
                                                  tail_blocks=max(1, s["finetune_blocks"]),
                                                  cache_dir=self.cache_dir, log=self.log)
        return self._img[key]

    def _row_files(self, s: dict) -> tuple[Path, Path]:
        import hashlib

        h = hashlib.sha256((setting_key(s) + f"|k{self.k}|{len(self.records)}").encode()).hexdigest()[:16]
        return self.cache_dir / f"cv-row-{h}.json", self.cache_dir / f"cv-emb-{h}.pt"

    def run_setting(self, name: str, overrides: dict, strategies: list[captioning.Strategy] | None = None) -> dict:
        """Trains and evaluates one setting on every fold. The row and the fold embeddings are stored in
        the cache folder, so a rerun (or a parallel process running another option) reuses them."""
        s = dict(BASE_SETTING, **overrides)
        row_file, emb_file = self._row_files(s)
        if row_file.exists() and emb_file.exists():
            row = json.loads(row_file.read_text())
            self.embeddings[setting_key(s)] = {int(e): v for e, v in torch.load(emb_file).items()}
            row["name"] = name
            self.log(f"{name}: reused {row_file.name}")
            return row
        strategies = strategies or [REFERENCE_STRATEGY, captioning.Strategy("text")]
        img_cache = self.image_cache(s)
        t0 = time.time()
        per_epoch: dict[int, list[dict]] = {e: [] for e in s["eval_epochs"]}
        embs = self.embeddings.setdefault(setting_key(s), {e: [] for e in s["eval_epochs"]})
        for fd in self.fold_data:
            def eval_fn(model, epoch, fd=fd):
                img, txt = embed_all(model, img_cache, self.text_cache)
                embs[epoch].append((img, txt))
                return evaluate_fold(img, txt, fd, strategies, full=set())
            _, res = train_cached(s, fd.train, self.records, img_cache, self.text_cache, self.bert, eval_fn, self.log)
            for e, r in res.items():
                per_epoch[e].append(r)
            self.log(f"  {name} fold {fd.fold}: " + ", ".join(
                f"e{e} i2t {r['i2tR@10']:.3f} t2i {r['t2iR@10']:.3f} cider {r['captionCIDEr']:.3f}" for e, r in res.items()))
        by_epoch = {str(e): {"summary": summarise(v), "perFold": v} for e, v in per_epoch.items()}
        best_e = max(by_epoch, key=lambda e: select_score(by_epoch[e]["summary"]))
        out = {"name": name, "setting": s, "byEpoch": by_epoch, "bestEpoch": int(best_e),
               "select": select_score(by_epoch[best_e]["summary"]), "seconds": round(time.time() - t0)}
        torch.save(embs, emb_file)
        row_file.write_text(json.dumps(out))
        sm = by_epoch[best_e]["summary"]
        self.log(f"{name}: best epoch {best_e}: i2t {sm['i2tR@10']['mean']:.3f}±{sm['i2tR@10']['sd']:.3f} "
                 f"t2i {sm['t2iR@10']['mean']:.3f}±{sm['t2iR@10']['sd']:.3f} cider {sm['captionCIDEr']['mean']:.3f}"
                 f"±{sm['captionCIDEr']['sd']:.3f} tmplB4 {sm['templateBLEU_4']['mean']:.3f} ({out['seconds']}s)")
        return out

    def frozen_baseline(self, arch: str, size: int) -> dict:
        """No training: caption = caption of the nearest library image by raw pooled Lite features."""
        img_cache = self.image_cache(dict(BASE_SETTING, arch=arch, size=size, views=1))
        feats = F.normalize(img_cache["pooled"][0], dim=-1).numpy()
        per_fold = []
        for fd in self.fold_data:
            picks = captioning.rank(feats[fd.test], np.zeros((len(fd.lib_caps), feats.shape[1])), feats[fd.train],
                                    fd.lib_caption_of_image, captioning.Strategy("images", neighbours=1, temperature=1.0))[:, 0]
            sc = metrics.caption_scores([fd.lib_texts[p] for p in picks], [[r] for r in fd.refs])
            per_fold.append({"CIDEr": sc["CIDEr"], "BLEU_4": sc["BLEU_4"], "ROUGE_L": sc["ROUGE_L"]})
        return {"name": f"frozen {arch}@{size} 1-NN image (no training)",
                "captionLibrary": {m: mean_sd([f[m] for f in per_fold]) for m in ("CIDEr", "BLEU_4", "ROUGE_L")}}

    def floors(self) -> dict:
        keys = {"retrievalR@10": lambda f: f["retrievalR@10"],
                "captionRandomCIDEr": lambda f: f["captionRandom"]["CIDEr"],
                "captionRandomBLEU_4": lambda f: f["captionRandom"]["BLEU_4"],
                "captionOracleCIDEr": lambda f: f["captionOracle"]["CIDEr"],
                "captionOracleBLEU_4": lambda f: f["captionOracle"]["BLEU_4"],
                "templateRandomBLEU_4": lambda f: f["templateRandom"]["BLEU_4"],
                "templateRandomCIDEr": lambda f: f["templateRandom"]["CIDEr"]}
        return {k: mean_sd([fn(fd.floors) for fd in self.fold_data]) for k, fn in keys.items()}


def setting_key(s: dict) -> str:
    return json.dumps({k: s[k] for k in sorted(s)}, sort_keys=True)


def strategy_grid(spec: dict) -> list[captioning.Strategy]:
    """`text` + `images`/`fused` over neighbours × temperature (× weight), consensus off; then the same
    for each consensus setting over the (smaller) `consensusGrid`, since consensus costs ~100x more."""
    def block(g: dict, consensus: str) -> list[captioning.Strategy]:
        out = [captioning.Strategy("text", consensus=consensus)]
        for k in g.get("neighbours", [10]):
            for tau in g.get("temperature", [0.05]):
                out.append(captioning.Strategy("images", k, tau, 1.0, consensus))
                out += [captioning.Strategy("fused", k, tau, beta, consensus) for beta in g.get("weight", [0.5])]
        return out
    out = block(spec, "off")
    for c in spec.get("consensus", []):
        out += block(spec.get("consensusGrid", spec), c)
    return out


def resolve_size(s: dict) -> dict:
    """`size` may be "native" or "x<factor>" (relative to the arch's native resolution, multiple of 16)."""
    from .lite import NATIVE_SIZE

    size = s["size"]
    if isinstance(size, str):
        native = NATIVE_SIZE[s["arch"]]
        size = native if size == "native" else int(round(native * float(size[1:]) / 16) * 16)
    return dict(s, size=size)


def run_cv(grid: dict, out_file: Path, medpix_dir=None, log=print) -> dict:
    """Greedy staged search: each stage tries its options on top of the current best setting and keeps
    the best by `select_score`; every row is kept in the results. Then the captioning-strategy grid
    runs on the selected setting's fold embeddings (no retraining)."""
    t0 = time.time()
    ctx = CVContext(grid.get("k", 5), medpix_dir, grid.get("limit_cases"), log=log)
    current = resolve_size(dict(BASE_SETTING, **grid.get("base", {})))
    rows: dict[str, dict] = {}
    stages = []

    def save(partial: dict) -> None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(json.dumps(partial, indent=1) + "\n")

    result = {"about": "case-grouped k-fold CV over MedPix 2.0 train+dev; mean ± sd over folds",
              "k": ctx.k, "foldSeed": FOLD_SEED, "limitCases": grid.get("limit_cases"), "images": len(ctx.records), "cases": len(ctx.folds),
              "foldSizes": [{"images": len(fd.test), "cases": len({ctx.records[i].case_id for i in fd.test})}
                            for fd in ctx.fold_data],
              "selection": "0.5 * (i2t R@10 + t2i R@10) + caption-library CIDEr-D of "
                           f"'{REFERENCE_STRATEGY.label()}', means over folds",
              "floors": ctx.floors(), "baselines": [], "stages": stages, "rows": rows}
    for arch, size in grid.get("baselines", []):
        result["baselines"].append(ctx.frozen_baseline(arch, size))
        log(f"baseline {result['baselines'][-1]['name']}: {result['baselines'][-1]['captionLibrary']['CIDEr']}")
        save(result)
    for stage in grid["stages"]:
        tried = []
        for opt in stage["options"]:
            s = resolve_size(dict(current, **opt))
            key = setting_key(s)
            if key not in rows:
                name = f"{stage['name']}: " + ", ".join(f"{k}={v}" for k, v in opt.items())
                rows[key] = ctx.run_setting(name, s)
                save(result)
            tried.append(key)
        best = max(tried, key=lambda k: rows[k]["select"])
        current = dict(rows[best]["setting"])
        stages.append({"name": stage["name"], "tried": [rows[k]["name"] for k in tried], "chosen": rows[best]["name"]})
        log(f"stage {stage['name']}: chose {rows[best]['name']} (select {rows[best]['select']:.4f})")
        save(result)
    final_key = setting_key(current)
    chosen = rows[final_key]
    epoch = chosen["bestEpoch"]
    # strategy grid on the chosen setting, stopped at its chosen epoch
    strategies = strategy_grid(grid.get("strategies", {}))
    fold_embs = ctx.embeddings[final_key][epoch]
    per_fold = []
    for fd, (img, txt) in zip(ctx.fold_data, fold_embs):
        per_fold.append(evaluate_fold(img, txt, fd, strategies, full=set()))
        log(f"strategy grid ({len(strategies)} strategies, CIDEr-D) fold {fd.fold} done")
    table = summarise(per_fold)["captionLibrary"]
    # BLEU-4 / ROUGE-L (pycocoevalcap, slower) for the best dozen and the plain baselines
    top = sorted(table, key=lambda lab: -table[lab]["CIDEr"]["mean"])[:12]
    full = set(top) | {st.label() for st in strategies if st.strategy == "text"}
    per_fold = [evaluate_fold(img, txt, fd, [st for st in strategies if st.label() in full], full=full)
                for fd, (img, txt) in zip(ctx.fold_data, fold_embs)]
    table.update(summarise(per_fold)["captionLibrary"])
    winner = max(table, key=lambda lab: table[lab]["CIDEr"]["mean"])
    win = next(st for st in strategies if st.label() == winner)
    result["chosen"] = {"name": chosen["name"], "setting": current, "epoch": epoch,
                        "summary": chosen["byEpoch"][str(epoch)]["summary"]}
    result["strategies"] = {"grid": {lab: v for lab, v in table.items()}, "winner": win.manifest(),
                            "winnerLabel": winner, "count": len(strategies),
                            "note": "picked as the max mean CIDEr-D over the grid on the same folds: "
                                    "expect a little selection optimism (see the sd)"}
    result["seconds"] = round(time.time() - t0)
    save(result)
    log(f"strategy winner: {winner}: CIDEr {table[winner]['CIDEr']['mean']:.3f}±{table[winner]['CIDEr']['sd']:.3f}")
    return result
