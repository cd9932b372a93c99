"""Evaluation protocols of DESIGN.md: `retrieval`, `caption-library`, `seed-template`.

Caption scores use the coco-caption scorers from pycocoevalcap (BLEU 1-4 with closest reference
length, ROUGE-L beta=1.2, CIDEr-D sigma=6 x10 with document frequencies from the evaluated
references, METEOR 1.5 through Java) on text tokenised by `caption_tokens` (lowercase, punctuation
dropped, like coco-caption's PTB tokenizer for this data).
"""
from __future__ import annotations

import re

import numpy as np

_TOKEN = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


def caption_tokens(text: str) -> str:
    return " ".join(_TOKEN.findall(text.lower()))


def _ranks(scores: np.ndarray, correct: np.ndarray) -> np.ndarray:
    """1-based rank of the best-scoring correct item per row (ties count against the model)."""
    best = np.where(correct, scores, -np.inf).max(axis=1)
    return 1 + (np.where(~correct, scores, -np.inf) >= best[:, None]).sum(axis=1)


def _summary(ranks: np.ndarray) -> dict:
    return {
        "R@1": float(np.mean(ranks <= 1)),
        "R@5": float(np.mean(ranks <= 5)),
        "R@10": float(np.mean(ranks <= 10)),
        "MRR": float(np.mean(1.0 / ranks)),
        "medianRank": float(np.median(ranks)),
    }


def bootstrap_ci(hits: np.ndarray, reps: int = 2000, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    n = len(hits)
    means = hits[rng.integers(0, n, size=(reps, n))].mean(axis=1)
    return [float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))]


def retrieval(img: np.ndarray, txt: np.ndarray, groups: np.ndarray) -> dict:
    """img[i] and txt[i] belong to image i (one caption per image, duplicates kept in the pool);
    text j is correct for image i when groups[j] == groups[i] (identical normalised caption)."""
    correct = groups[:, None] == groups[None, :]
    sims = img @ txt.T
    i2t = _ranks(sims, correct)
    t2i = _ranks(sims.T, correct)
    out = {"imageToText": _summary(i2t), "textToImage": _summary(t2i)}
    out["imageToText"]["R@10ci95"] = bootstrap_ci((i2t <= 10).astype(float))
    out["textToImage"]["R@10ci95"] = bootstrap_ci((t2i <= 10).astype(float))
    return out


def random_retrieval_floor(groups: np.ndarray, reps: int = 200, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    correct = groups[:, None] == groups[None, :]
    acc: dict[str, list[float]] = {}
    for _ in range(reps):
        s = rng.random(correct.shape)
        for k, v in _summary(_ranks(s, correct)).items():
            acc.setdefault(k, []).append(v)
    return {k: float(np.mean(v)) for k, v in acc.items()}


def caption_scores(predictions: list[str], references: list[list[str]], meteor: bool = False) -> dict:
    gts = {i: [caption_tokens(r) or "empty" for r in refs] for i, refs in enumerate(references)}
    res = {i: [caption_tokens(p) or "empty"] for i, p in enumerate(predictions)}
    return caption_scores_tokenized(res, gts, meteor)


def caption_scores_bleu(predictions: list[str], references: list[list[str]]) -> float:
    """BLEU-4 alone (pycocoevalcap), for loops that must not pay for CIDEr/ROUGE."""
    import contextlib
    import io

    from pycocoevalcap.bleu.bleu import Bleu

    gts = {i: [caption_tokens(r) or "empty" for r in refs] for i, refs in enumerate(references)}
    res = {i: [caption_tokens(p) or "empty"] for i, p in enumerate(predictions)}
    with contextlib.redirect_stdout(io.StringIO()):
        bleu, _ = Bleu(4).compute_score(gts, res)
    return float(bleu[3])


def caption_scores_tokenized(res: dict, gts: dict, meteor: bool = False) -> dict:
    import contextlib
    import io

    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.rouge.rouge import Rouge

    with contextlib.redirect_stdout(io.StringIO()):  # Bleu prints its internal ratio
        bleu, _ = Bleu(4).compute_score(gts, res)
    out = {f"BLEU_{i + 1}": float(b) for i, b in enumerate(bleu)}
    out["ROUGE_L"] = float(Rouge().compute_score(gts, res)[0])
    out["CIDEr"] = float(Cider().compute_score(gts, res)[0])
    if meteor:
        from pycocoevalcap.meteor.meteor import Meteor

        m = Meteor()
        out["METEOR"] = float(m.compute_score(gts, res)[0])
        with contextlib.suppress(Exception):
            m.close()
    return out


def sentence_rouge_l(candidate: list[str], reference: list[str], beta: float = 1.2) -> float:
    if not candidate or not reference:
        return 0.0
    prev = [0] * (len(reference) + 1)
    for c in candidate:
        cur = [0]
        for j, r in enumerate(reference):
            cur.append(prev[j] + 1 if c == r else max(prev[j + 1], cur[j]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p, r = lcs / len(candidate), lcs / len(reference)
    return ((1 + beta**2) * p * r) / (r + beta**2 * p)


def caption_library(img: np.ndarray, library_txt: np.ndarray, library: list[str], references: list[str],
                    seed: int = 0) -> dict:
    """Caption each query image with its nearest library (train) caption; also a random library
    caption and the oracle (library caption with the best sentence ROUGE-L vs the reference)."""
    picks = (img @ library_txt.T).argmax(axis=1)
    model = [library[i] for i in picks]
    rng = np.random.default_rng(seed)
    rand = [library[i] for i in rng.integers(0, len(library), size=len(references))]
    lib_tok = [caption_tokens(c).split() for c in library]
    oracle = []
    for ref in references:
        rt = caption_tokens(ref).split()
        best = max(range(len(library)), key=lambda k: sentence_rouge_l(lib_tok[k], rt))
        oracle.append(library[best])
    refs = [[r] for r in references]
    keep = ("BLEU_4", "CIDEr", "ROUGE_L")
    pick = lambda d: {k: d[k] for k in keep}
    return {
        "model": pick(caption_scores(model, refs)),
        "random": pick(caption_scores(rand, refs)),
        "oracle": pick(caption_scores(oracle, refs)),
    }


def seed_template(img: np.ndarray, pool_txt: np.ndarray, pool: list[str], references: list[str],
                  meteor: bool = True, seed: int = 0) -> dict:
    """Top-1 templated caption from the evaluated split's own templated captions."""
    picks = (img @ pool_txt.T).argmax(axis=1)
    refs = [[r] for r in references]
    rng = np.random.default_rng(seed)
    rand = [pool[i] for i in rng.integers(0, len(pool), size=len(references))]
    return {
        "model": caption_scores([pool[i] for i in picks], refs, meteor=meteor),
        "random": caption_scores(rand, refs, meteor=meteor),
        "seedNotebook": {"BLEU_1": 0.567, "BLEU_4": 0.347, "METEOR": 0.267, "ROUGE_L": 0.582, "CIDEr": 0.428},
    }


class CiderD:
    """pycocoevalcap's `Cider` (CIDEr-D: n = 1..4, sigma = 6, clipped, x10, document frequencies from the
    references), with the references cooked once so that many candidate captionings of the same
    references (a strategy grid) cost a dictionary lookup each. Scores equal `Cider().compute_score`
    for one reference per item (checked in tests/test_lite_cv.py)."""

    def __init__(self, references: list[str], n: int = 4, sigma: float = 6.0) -> None:
        from pycocoevalcap.cider.cider_scorer import precook

        self.n, self.sigma, self._precook = n, sigma, precook
        refs = [precook(caption_tokens(r) or "empty", n) for r in references]
        self.df: dict = {}
        for cnt in refs:
            for g in cnt:
                self.df[g] = self.df.get(g, 0.0) + 1.0
        self.ref_len = np.log(float(len(refs)))
        self.refs = [self._vec(c) for c in refs]
        self._hyp: dict[str, tuple] = {}
        self._memo: dict[tuple[int, str], float] = {}

    def _vec(self, cnts):
        vec = [dict() for _ in range(self.n)]
        norm = [0.0] * self.n
        length = 0
        for g, tf in cnts.items():
            df = np.log(max(1.0, self.df.get(g, 0.0)))
            k = len(g) - 1
            vec[k][g] = float(tf) * (self.ref_len - df)
            norm[k] += vec[k][g] ** 2
            if k == 1:  # (sic) pycocoevalcap counts bigrams as the length
                length += tf
        return vec, [np.sqrt(v) for v in norm], length

    def score(self, i: int, hypothesis: str) -> float:
        key = (i, hypothesis)
        if key not in self._memo:
            if hypothesis not in self._hyp:
                self._hyp[hypothesis] = self._vec(self._precook(caption_tokens(hypothesis) or "empty", self.n))
            vh, nh, lh = self._hyp[hypothesis]
            vr, nr, lr = self.refs[i]
            pen = np.e ** (-(float(lh - lr) ** 2) / (2 * self.sigma**2))
            val = 0.0
            for k in range(self.n):
                v = sum(min(w, vr[k].get(g, 0.0)) * vr[k].get(g, 0.0) for g, w in vh[k].items())
                if nh[k] != 0 and nr[k] != 0:
                    v /= nh[k] * nr[k]
                val += v * pen
            self._memo[key] = val / self.n * 10.0
        return self._memo[key]

    def corpus(self, hypotheses: list[str]) -> float:
        return float(np.mean([self.score(i, h) for i, h in enumerate(hypotheses)]))
