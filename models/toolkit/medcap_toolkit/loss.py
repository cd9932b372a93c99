"""Symmetric multi-positive InfoNCE (CLIP loss that tolerates duplicate captions in a batch)."""
from __future__ import annotations

import torch


def multi_positive_infonce(img: torch.Tensor, txt: torch.Tensor, groups: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """img, txt: [B, D] L2-normalised; groups[i] identifies text i (equal id = identical caption
    after whitespace normalisation). Every pair with equal group ids is a positive, so a duplicate
    caption is never pushed away as a negative. Each direction: -log(sum_pos exp / sum_all exp)."""
    logits = scale * img @ txt.t()
    pos = groups[:, None] == groups[None, :]
    neg_inf = torch.finfo(logits.dtype).min
    def one_way(lg: torch.Tensor) -> torch.Tensor:
        return (torch.logsumexp(lg, dim=1) - torch.logsumexp(lg.masked_fill(~pos, neg_inf), dim=1)).mean()
    return 0.5 * (one_way(logits) + one_way(logits.t()))


def group_ids(texts: list[str]) -> torch.Tensor:
    from .data import normalise_ws

    index: dict[str, int] = {}
    return torch.tensor([index.setdefault(normalise_ws(t), len(index)) for t in texts], dtype=torch.long)
