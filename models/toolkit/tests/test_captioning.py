"""The captioning strategies on a tiny hand-made example (the shared spec in models/README.md)."""
import math

import numpy as np
import pytest

from medcap_toolkit.captioning import Strategy, rank, votes


def unit(*v):
    a = np.array(v, dtype=np.float64)
    return a / np.linalg.norm(a)


# three library captions; four library images (two carry caption 1)
TEXTS = ["axial ct of the brain", "axial ct of the chest", "sagittal mr of the knee"]
LIB_TXT = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1)])
LIB_IMG = np.stack([unit(1, 0.2, 0), unit(0.2, 1, 0), unit(0.3, 1, 0.1), unit(0, 0, 1)])
LIB_CAP = np.array([0, 1, 1, 2])
Q = unit(1, 0.8, 0)[None]


def test_text_strategy_is_plain_cosine():
    assert rank(Q, LIB_TXT, LIB_IMG, LIB_CAP, Strategy("text"), top=3)[0].tolist() == [0, 1, 2]


def test_votes_match_the_spec_by_hand():
    k, tau = 3, 1.0
    s = LIB_IMG @ Q[0]
    nn = np.argsort(-s)[:k]
    w = np.exp((s[nn] - s[nn].max()) / tau)
    expected = np.zeros(3)
    for j, wj in zip(nn, w):
        expected[LIB_CAP[j]] += wj / w.sum()
    got = votes(Q, LIB_IMG, LIB_CAP, 3, k, tau)[0]
    assert np.allclose(got, expected) and math.isclose(got.sum(), 1.0)
    # caption 1 is carried by two of the three nearest images: with a soft tau it out-votes caption 0
    assert got[1] > got[0] > 0 and got[2] == 0


def test_images_strategy_ranks_by_vote_then_cosine():
    # tau = 1: the two images of caption 1 out-vote the single nearest image (caption 0)
    st = Strategy("images", neighbours=3, temperature=1.0)
    assert rank(Q, LIB_TXT, LIB_IMG, LIB_CAP, st, top=3)[0].tolist() == [1, 0, 2]
    # tau = 0.1: the nearest image's weight dominates (s = 0.888 vs 0.819, 0.766)
    sharp = Strategy("images", neighbours=3, temperature=0.1)
    assert rank(Q, LIB_TXT, LIB_IMG, LIB_CAP, sharp, top=3)[0].tolist() == [0, 1, 2]
    # K = 1: only the nearest image votes; the rest tie at 0 and fall back to cos(q, t_c)
    one = rank(unit(0, 0.1, 1)[None], LIB_TXT, LIB_IMG, LIB_CAP, Strategy("images", 1, 0.1), top=3)[0].tolist()
    assert one == [2, 1, 0]


@pytest.mark.parametrize("beta", [0.0, 0.3, 1.0])
def test_fused_is_the_convex_blend(beta):
    st = Strategy("fused", neighbours=3, temperature=0.1, weight=beta)
    cos = (Q @ LIB_TXT.T)[0]
    v = votes(Q, LIB_IMG, LIB_CAP, 3, 3, 0.1)[0]
    expected = list(np.argsort(-((1 - beta) * cos + beta * v), kind="stable"))
    assert rank(Q, LIB_TXT, LIB_IMG, LIB_CAP, st, top=3)[0].tolist() == expected


def test_a_query_never_votes_for_itself():
    q = LIB_IMG[3:4]  # library image 3, caption 2
    with_self = votes(q, LIB_IMG, LIB_CAP, 3, 1, 0.1)[0]
    without = votes(q, LIB_IMG, LIB_CAP, 3, 1, 0.1, exclude=np.array([3]))[0]
    assert with_self[2] == 1.0 and without[2] == 0.0


def test_consensus_prefers_the_caption_the_others_agree_with():
    texts = ["left lung mass", "right lung mass", "left lung mass with effusion", "knee"]
    lib_txt = np.stack([unit(1, 0, 0, 0), unit(0.9, 0.1, 0, 0), unit(0.95, 0.05, 0.02, 0), unit(0, 0, 0, 1)])
    q = unit(0.2, 0.99, 0, 0)[None]  # text strategy alone picks "right lung mass"
    plain = rank(q, lib_txt, lib_txt, np.arange(4), Strategy("text"), top=1, texts=texts)[0, 0]
    cons = rank(q, lib_txt, lib_txt, np.arange(4), Strategy("text", consensus="3:0.9"), top=1, texts=texts)[0, 0]
    assert texts[plain] == "right lung mass"
    # mean ROUGE-L (beta 1.2) against the other two: 0.692 for "left lung mass", 0.655 for the
    # longer one, 0.57 for "right lung mass"; with w = 0.9 agreement dominates
    assert texts[cons] == "left lung mass"
    with pytest.raises(ValueError):
        rank(q, lib_txt, lib_txt, np.arange(4), Strategy("text", consensus="3:0.9"), top=1)
