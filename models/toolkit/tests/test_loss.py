import torch
from torch.nn import functional as F

from medcap_toolkit.loss import group_ids, multi_positive_infonce


def test_aligned_pairs_have_low_loss_and_random_pairs_high():
    torch.manual_seed(0)
    x = F.normalize(torch.randn(16, 32), dim=-1)
    groups = torch.arange(16)
    aligned = multi_positive_infonce(x, x, groups, torch.tensor(50.0))
    shuffled = multi_positive_infonce(x, x[torch.randperm(16)], groups, torch.tensor(50.0))
    assert aligned < 0.05
    assert shuffled > 1.0


def test_duplicate_captions_are_positives_not_negatives():
    # images 0 and 1 share one caption; their text embeddings are identical
    torch.manual_seed(1)
    img = F.normalize(torch.randn(4, 8), dim=-1)
    txt = img.clone()
    txt[1] = txt[0]
    img[1] = img[0]
    dup_aware = multi_positive_infonce(img, txt, group_ids(["a  caption", "a caption", "b", "c"]), torch.tensor(50.0))
    naive = multi_positive_infonce(img, txt, torch.arange(4), torch.tensor(50.0))
    # naive InfoNCE cannot go below log(2) for the duplicated rows; the multi-positive one can reach ~0
    assert dup_aware < 0.01
    assert naive > 0.3


def test_group_ids_normalise_whitespace():
    assert group_ids(["a  b", " a b\n", "a c"]).tolist() == [0, 0, 1]


def test_gradient_flows_to_temperature():
    img = F.normalize(torch.randn(6, 8), dim=-1)
    txt = F.normalize(torch.randn(6, 8), dim=-1)
    scale = torch.tensor(10.0, requires_grad=True)
    multi_positive_infonce(img, txt, torch.arange(6), scale).backward()
    assert scale.grad is not None and torch.isfinite(scale.grad)
