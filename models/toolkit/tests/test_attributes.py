"""Attribute labels, the attribute prior's arithmetic, and add-heads' graph surgery (heads appended to an
image graph give the torch heads' probabilities and leave the embedding output bit for bit)."""
from __future__ import annotations

import math

import numpy as np
import onnx
import onnxruntime as ort
import torch

from medcap_toolkit import attributes as A
from medcap_toolkit import captioning
from medcap_toolkit.data import ImageRecord
from medcap_toolkit.heads_export import append_heads, pooled_tensor


def rec(**kw) -> ImageRecord:
    base = dict(image_id="i", case_id="c", split="train", path=None, caption="x", type="MR", plane="Axial", location="",
                location_category="Head", modality="MR - T2 weighted", age="", sex="")
    base.update(kw)
    return ImageRecord(**base)


def test_labels_map_medpix_fields():
    rs = [rec(), rec(type="CT", plane="Transverse", location_category="Abdomen", modality="CT w/contrast (IV)"),
          rec(plane="3D Reconstruction", modality="MR - Montage", location_category=""), rec(plane="")]
    labels = A.Labels.of(rs)
    assert labels.names["modality"] == ["CT", "MR"]
    assert [A.plane_of(r) for r in rs] == ["Axial", "Axial", "Other", None]
    assert [A.sequence_of(r) for r in rs] == ["MR T2", "CT with contrast", None, "MR T2"]
    assert labels.targets["region"].tolist()[2] == -1  # no category: unlabelled, ignored by the loss
    assert A.group_of("Reproductive and Urinary System") == A.group_of("Abdomen") == "Abdomen and Pelvis"
    assert A.group_of("Head") == "Head"


def test_grouped_probabilities_sum_regions_that_share_anatomy():
    names = ["Abdomen", "Head", "Reproductive and Urinary System"]
    g, groups = A.grouped(np.array([[0.3, 0.4, 0.3]]), names)
    assert groups == ["Abdomen and Pelvis", "Head"]
    np.testing.assert_allclose(g, [[0.6, 0.4]])


def test_prior_penalises_contradicting_candidates_only_when_confident():
    # two queries: the first confidently region 0, the second unsure
    pred = A.confident(np.array([[0.95, 0.05], [0.6, 0.4]]), 0.9)
    assert pred.tolist() == [0, -1]
    values = [{0}, {1}, {0, 1}, set()]  # candidate 3 has no labelled image: it contradicts a confident prediction
    np.testing.assert_array_equal(A.contradiction(pred, values), [[0, 1, 0, 1], [0, 0, 0, 0]])
    pen = A.penalty_matrix(A.Prior(0.9, 0.1), [pred, pred], [values, values])
    np.testing.assert_allclose(pen[0], [0, 0.2, 0, 0.2])
    assert A.penalty_matrix(A.Prior(0.9, math.inf), [pred], [values])[0, 1] == 1e6
    assert A.OFF.label() == "off" and A.Prior(0.9, math.inf).manifest() == {"threshold": 0.9, "penalty": None}


def test_rank_subtracts_the_penalty_before_ranking():
    q = np.array([[1.0, 0.0]])
    lib_txt = np.array([[0.9, 0.436], [0.8, 0.6], [0.1, 0.995]])
    st = captioning.Strategy("text")
    assert captioning.rank(q, lib_txt, lib_txt, np.arange(3), st, top=3)[0].tolist() == [0, 1, 2]
    pen = np.array([[0.2, 0.0, 0.0]])
    assert captioning.rank(q, lib_txt, lib_txt, np.arange(3), st, top=3, penalty=pen)[0].tolist() == [1, 0, 2]


class TinyImage(torch.nn.Module):
    """pixel_values → pooled (Flatten of a global pool) → projection Gemm → L2 norm, like the Lite graphs."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 16, 3)
        self.proj = torch.nn.Linear(16, 8)

    def forward(self, x):
        pooled = torch.flatten(torch.nn.functional.adaptive_avg_pool2d(self.conv(x), 1), 1)
        e = self.proj(pooled)
        return e / e.norm(dim=-1, keepdim=True)

    def pooled(self, x):
        return torch.flatten(torch.nn.functional.adaptive_avg_pool2d(self.conv(x), 1), 1)


def test_append_heads_matches_torch_and_keeps_embeddings(tmp_path):
    torch.manual_seed(0)
    net = TinyImage().eval()
    path = tmp_path / "image.onnx"
    torch.onnx.export(net, (torch.randn(2, 3, 12, 12),), str(path), input_names=["pixel_values"], output_names=["embeddings"],
                      dynamic_axes={"pixel_values": {0: "batch"}, "embeddings": {0: "batch"}}, opset_version=17)
    x = torch.randn(5, 3, 12, 12)
    feats = net.pooled(x).detach()
    names = {"modality": ["CT", "MR"], "region": ["Abdomen", "Head", "Thorax"]}
    for hidden in (0, 6):
        heads = A.AttributeHeads(16, {a: len(n) for a, n in names.items()}, hidden=hidden).eval()
        with torch.no_grad():
            heads.mean.copy_(torch.randn(16))
            heads.std.copy_(torch.rand(16) + 0.5)
        model = onnx.load(str(path))
        assert pooled_tensor(model.graph)[0]  # found the projection's input
        block = append_heads(model, heads, names)
        assert block["width"] == 5 and [h["offset"] for h in block["heads"]] == [0, 2]
        out = tmp_path / f"with-heads-{hidden}.onnx"
        onnx.save(model, str(out))
        new = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        old = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        emb, att = new.run(["embeddings", "attributes"], {"pixel_values": x.numpy()})
        np.testing.assert_array_equal(emb, old.run(["embeddings"], {"pixel_values": x.numpy()})[0])
        ref = A.predict(heads, feats)
        np.testing.assert_allclose(att, np.concatenate([ref["modality"], ref["region"]], axis=1), atol=1e-5)
        np.testing.assert_allclose(att[:, :2].sum(1), 1, atol=1e-5)


def test_train_heads_learns_separable_attributes():
    torch.manual_seed(0)
    n = 200
    y = np.arange(n) % 2
    feats = torch.randn(1, n, 16) + torch.as_tensor(y, dtype=torch.float32)[None, :, None] * 3
    labels = A.Labels({"modality": ["CT", "MR"]}, {"modality": y})
    heads = A.train_heads(feats, np.arange(150), labels, {"hidden": 0, "epochs": 20})
    probs = A.predict(heads, feats[0, 150:])
    assert A.accuracy(probs["modality"], y[150:]) > 0.95
