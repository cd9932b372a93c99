"""Captioning through a caption library: the `text`, `images` and `fused` strategies + consensus.

This is the shared spec that the TypeScript service implements (models/README.md, "Captioning
strategies"); cross-validation selects the strategy and its parameters with this code.

Inputs per query: q (unit image vector); the caption library = distinct whitespace-normalised texts
with unit vectors t_c; the image library = unit vectors v_j, each with its caption index c_j.
- text:   score(c) = cos(q, t_c)
- images: K nearest library images by s_j = cos(q, v_j); w_j = exp((s_j - s_max) / tau);
          vote(c) = sum_{j: c_j = c} w_j / sum_j w_j; score(c) = vote(c), ties broken by cos(q, t_c)
- fused:  candidates = captions of the K nearest images ∪ top-N captions by cos (N = max(k, 32));
          score(c) = (1 - beta) * cos(q, t_c) + beta * vote(c)
- attribute prior (optional, attributes.py): score(c) -= penalty for each confident predicted attribute
  of the query that none of c's images carries
- consensus m:w (optional, after the strategy): among its top m, (1 - w) * score + w * mean sentence
  ROUGE-L of the caption against the other m - 1 (Devlin et al. 2015).
A query never votes for itself: pass its library position in `exclude`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metrics import caption_tokens, sentence_rouge_l


@dataclass(frozen=True)
class Strategy:
    strategy: str = "text"  # text | images | fused
    neighbours: int = 10
    temperature: float = 0.05
    weight: float = 0.5
    consensus: str = "off"  # "m:w" or "off"

    def manifest(self) -> dict:
        return {"strategy": self.strategy, "neighbours": self.neighbours, "temperature": self.temperature,
                "weight": self.weight, "consensus": self.consensus}

    def label(self) -> str:
        if self.strategy == "text":
            core = "text"
        elif self.strategy == "images":
            core = f"images K={self.neighbours} tau={self.temperature}"
        else:
            core = f"fused K={self.neighbours} tau={self.temperature} beta={self.weight}"
        return core + ("" if self.consensus == "off" else f" consensus {self.consensus}")


def votes(q: np.ndarray, lib_img: np.ndarray, lib_caption: np.ndarray, n_captions: int, k: int, tau: float,
          exclude: np.ndarray | None = None) -> np.ndarray:
    """[Q, C] normalised neighbour votes (rows sum to 1 over the K nearest library images)."""
    sims = q @ lib_img.T
    if exclude is not None:
        rows = np.nonzero(exclude >= 0)[0]
        sims[rows, exclude[rows]] = -np.inf
    k = min(k, lib_img.shape[0] - (1 if exclude is not None and (exclude >= 0).any() else 0))
    nn = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    s = np.take_along_axis(sims, nn, axis=1)
    w = np.exp((s - s.max(axis=1, keepdims=True)) / tau)
    w = w / w.sum(axis=1, keepdims=True)
    out = np.zeros((q.shape[0], n_captions), dtype=np.float64)
    np.add.at(out, (np.repeat(np.arange(q.shape[0]), k), lib_caption[nn].ravel()), w.ravel())
    return out


def rank(q: np.ndarray, lib_txt: np.ndarray, lib_img: np.ndarray, lib_caption: np.ndarray, st: Strategy,
         top: int = 1, exclude: np.ndarray | None = None, texts: list[str] | None = None,
         penalty: np.ndarray | None = None) -> np.ndarray:
    """[Q, top] caption indices, best first. `texts` (the library captions) is needed for consensus.
    `penalty` ([Q, C], the attribute prior of attributes.py) is subtracted from the strategy's score
    before the ranking and before consensus."""
    cos = q @ lib_txt.T
    n = lib_txt.shape[0]
    if st.strategy == "text":
        primary, secondary = cos, np.zeros_like(cos)
    else:
        vote = votes(q, lib_img, lib_caption, n, st.neighbours, st.temperature, exclude)
        if st.strategy == "images":
            primary, secondary = vote, cos
        elif st.strategy == "fused":
            primary, secondary = (1 - st.weight) * cos + st.weight * vote, np.zeros_like(cos)
        else:
            raise ValueError(f"unknown strategy {st.strategy!r}")
    if penalty is not None:
        primary = primary - penalty
    m = 0
    if st.consensus != "off":
        m_s, w_s = st.consensus.split(":")
        m, w = int(m_s), float(w_s)
    want = max(top, m)
    # lexicographic (primary desc, secondary desc, index asc)
    order = np.stack([np.lexsort((np.arange(n), -secondary[i], -primary[i]))[:want] for i in range(q.shape[0])])
    if not m:
        return order[:, :top]
    if texts is None:
        raise ValueError("consensus needs the library texts")
    out = np.zeros((q.shape[0], top), dtype=np.int64)
    for i in range(q.shape[0]):
        cand = order[i, :m]
        toks = [caption_tokens(texts[c]).split() for c in cand]
        agree = np.array([np.mean([sentence_rouge_l(toks[a], toks[b]) for b in range(len(cand)) if b != a])
                          if len(cand) > 1 else 0.0 for a in range(len(cand))])
        blended = (1 - w) * primary[i, cand] + w * agree
        re = cand[np.argsort(-blended, kind="stable")]
        out[i] = np.concatenate([re, order[i, m:]])[:top]
    return out
