"""The int8 image encoder's cross-validated check (issue #29): the case-grouped 5-fold CV of cv_attributes.py
(same folds, v2's projection setting, v3's chosen heads and prior), where each fold's projection and heads are
trained on the float32 trunk features (the cache, as for v3) and every image is then embedded / classified
from the pooled feature of the graph under test, fed exactly as the service feeds it (the cached
resize+crop, manifest mean/std). That is what serving does after a re-index with that graph: the library
and the queries both come from it.

Columns: `float32` (the cached features the v3 CV used) and one per `--graph` (the pooled output of that
image graph). Figures per column, mean ± sd over folds: R@10 on 200-image pools (i2t/t2i), caption-library
CIDEr-D of the served strategy with v3's prior, top-1 caption region (grouped) / modality agreement, head
out-of-fold accuracy; plus the cosine of each graph's embeddings to the float32 graph's on every image.

Usage (models/toolkit): MEDCAP_THREADS=1 .venv/bin/python scripts/cv_image_q8.py \
    --graph int8=../medcap-base-v3/image_encoder.int8.onnx --out results/cv_image_q8.json
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from medcap_toolkit import attributes as A  # noqa: E402
from medcap_toolkit import captioning, cv, data, preprocess  # noqa: E402
from medcap_toolkit.cv_attributes import V2_EPOCH, V2_SETTING, Fold, agreement, ms, retrieval_200  # noqa: E402
from medcap_toolkit.train import embed_all, train_cached  # noqa: E402
from medcap_toolkit.quantize.image import cpu_session, row_cosine, with_pooled_output  # noqa: E402

MODEL = Path(__file__).resolve().parents[2] / "medcap-base-v3"


def graph_features(path: Path, squares: torch.Tensor, image: dict, batch: int = 32, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(pooled [N,1280], embeddings [N,256]) of `path` on the cached service squares; `noise` > 0 adds seeded
    Gaussian noise of that many grey levels (of 255) to the squares first (a float32 control)."""
    import onnx

    m = with_pooled_output(onnx.load(str(path)))
    sess = cpu_session(m.SerializeToString(), threads=torch.get_num_threads())
    pooled, emb = [], []
    rng = np.random.default_rng(0)
    for k in range(0, squares.shape[0], batch):
        sq = squares[k : k + batch].numpy()
        if noise:
            sq = (sq + rng.normal(0.0, noise / 255.0, sq.shape)).astype(np.float32)
        x = np.stack([preprocess.normalise(s, image["mean"], image["std"]) for s in sq])
        e, p = sess.run([image["output"], m.graph.output[-1].name], {image["input"]: x})
        pooled.append(p)
        emb.append(e)
    return np.concatenate(pooled), np.concatenate(emb)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--graph", action="append", default=[], help="name=path of an image graph to evaluate")
    ap.add_argument("--noise-control", type=float, default=0.0,
                    help="also a column of the float32 graph on inputs with this much Gaussian noise (grey levels)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("MEDCAP_THREADS", "1")))
    t0 = time.time()
    manifest = json.loads((MODEL / "manifest.json").read_text())
    image = manifest["image"]
    cv_v3 = json.loads((Path(__file__).resolve().parents[1] / "results" / "cv_v3.json").read_text())
    head_setting = cv_v3["heads"]["grid"][cv_v3["heads"]["chosen"]]["setting"]
    pr = cv_v3["priors"]["rows"][cv_v3["priors"]["chosen"]]["prior"]
    prior = A.Prior(pr["threshold"], math.inf if pr["penalty"] is None else pr["penalty"])
    served = captioning.Strategy("text", consensus="10:0.3")

    ctx = cv.CVContext(5)
    records = ctx.records
    labels = A.Labels.of(records)
    s = cv.resolve_size(dict(cv.BASE_SETTING, **V2_SETTING))
    img_cache = ctx.image_cache(cv.resolve_size(dict(s, views=2)))  # views 0/1: v3's heads train on both
    squares = data.build_image_cache(records, image["size"], ctx.cache_dir)

    feats = {"float32": img_cache["pooled"][0].numpy()}
    ref_pooled, ref_emb = graph_features(MODEL / image.get("reference", image)["file"], squares, image)
    cosine, check = {}, {"float32 graph vs cached pooled, max |diff|": float(np.abs(ref_pooled - feats["float32"]).max())}
    graphs = [(spec.split("=", 1)[0], Path(spec.split("=", 1)[1]), 0.0) for spec in args.graph]
    if args.noise_control:
        graphs.append((f"float32 + noise {args.noise_control:g}", MODEL / image.get("reference", image)["file"], args.noise_control))
    for name, path, noise in graphs:
        feats[name], emb = graph_features(path, squares, image, noise=noise)
        c = row_cosine(emb, ref_emb)
        dev = np.array([r.split == "dev" for r in records])
        cosine[name] = {"all": {"min": float(c.min()), "mean": float(c.mean())},
                        "dev": {"min": float(c[dev].min()), "mean": float(c[dev].mean())}}
        print(f"{name}: cosine to the float32 graph min {c.min():.5f} mean {c.mean():.5f} (dev min {c[dev].min():.5f})", flush=True)

    groups = sorted({A.group_of(n) for n in labels.names["region"]})
    reg = labels.targets["region"]
    vals = {"regionRaw": reg,
            "region": np.array([groups.index(A.group_of(labels.names["region"][t])) if t >= 0 else -1 for t in reg]),
            "modality": labels.targets["modality"], "plane": labels.targets["plane"]}
    s = dict(s, eval_epochs=[V2_EPOCH])  # the epoch-4 model: the schedule still spans s["epochs"]
    per_fold: dict[str, list[dict]] = {n: [] for n in feats}
    for fd in ctx.fold_data:
        model, _ = train_cached(s, fd.train, records, img_cache, ctx.text_cache, ctx.bert, log=lambda *_: None)
        heads = A.train_heads(img_cache["pooled"], fd.train, labels, head_setting)
        for name, f in feats.items():
            pooled = torch.from_numpy(f)
            cache = dict(img_cache, pooled=pooled[None])
            img, txt = embed_all(model, cache, ctx.text_cache)
            fold = Fold(fd, img, txt, records, vals)
            probs = A.predict(heads, pooled[torch.as_tensor(fd.test)])
            acc = {a: A.accuracy(p, labels.targets[a][fd.test]) for a, p in probs.items()}
            g, gnames = A.grouped(probs["region"], labels.names["region"])
            tgt_g = np.array([gnames.index(A.group_of(labels.names["region"][t])) if t >= 0 else -1
                              for t in labels.targets["region"][fd.test]])
            acc["regionGrouped"] = A.accuracy(g, tgt_g)
            preds = {"region": A.confident(g, prior.threshold), "modality": A.confident(probs["modality"], prior.threshold)}
            pen = A.penalty_matrix(prior, [preds["region"], preds["modality"]],
                                   [fold.candidate_values("region"), fold.candidate_values("modality")])
            q = img[fd.test]
            picks = captioning.rank(q, txt[fd.lib_caps], img[fd.train], fd.lib_caption_of_image, served, top=5,
                                    texts=fd.lib_texts, penalty=pen)
            agree = agreement(fold, picks, preds)
            r200 = retrieval_200(img, txt, fd)
            per_fold[name].append({"i2tR@10 (200)": r200["i2tR@10"], "t2iR@10 (200)": r200["t2iR@10"],
                                   "captionCIDEr": fd.cider.corpus([fd.lib_texts[p] for p in picks[:, 0]]),
                                   "captionRegion": agree["region"], "captionModality": agree["modality"],
                                   **{f"head {k}": v for k, v in acc.items()}})
        print(f"fold {fd.fold} done ({time.time() - t0:.0f}s): " + " | ".join(
            f"{n} " + " ".join(f"{k} {v:.3f}" for k, v in f[-1].items()) for n, f in per_fold.items()), flush=True)
    summary = {n: {k: ms([f[k] for f in rows]) for k in rows[0]} for n, rows in per_fold.items()}
    out = {"about": __doc__.split("\n\n")[0], "command": "scripts/cv_image_q8.py " + " ".join(sys.argv[1:]),
           "headSetting": head_setting, "prior": prior.label(), "strategy": served.label(),
           "cosine": cosine, "checks": check, "summary": summary, "seconds": round(time.time() - t0)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    for k in summary["float32"]:
        print(f"{k:24s} " + "  ".join(f"{n} {v[k]['mean']:.4f} ± {v[k]['sd']:.4f}" for n, v in summary.items()))


if __name__ == "__main__":
    main()
