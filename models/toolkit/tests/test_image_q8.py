"""quantize.image (issue #29): the static int8 image graph is reproducible byte for byte, keeps everything
after the pooled feature float32, and stays close to its float32 graph (a small synthetic Lite-like graph:
the real one takes minutes to calibrate; scripts/reproduce_v3.sh rebuilds that and compares hashes)."""
from __future__ import annotations

import hashlib

import numpy as np
import onnx
import pytest
import torch

from medcap_toolkit.quantize import image as Q


class TinyLite(torch.nn.Module):
    """stem conv + ReLU6, a depthwise/pointwise block with a residual, pooled, then a projection and a head
    (names mimic the exporter's, so block_of() sees `stem` and `trunk_blocks.0`)."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, 2, 1), torch.nn.ReLU6())
        self.trunk_blocks = torch.nn.ModuleList([torch.nn.Sequential(
            torch.nn.Conv2d(8, 8, 3, 1, 1, groups=8), torch.nn.ReLU6(), torch.nn.Conv2d(8, 8, 1))])
        self.proj = torch.nn.Linear(8, 4)
        self.head = torch.nn.Linear(8, 3)

    def forward(self, x):
        h = self.stem(x)
        h = h + self.trunk_blocks[0](h)
        pooled = torch.flatten(torch.nn.functional.adaptive_avg_pool2d(h, 1), 1)
        return torch.nn.functional.normalize(self.proj(pooled), dim=-1), torch.softmax(self.head(pooled), -1)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny") / "fp32.onnx"
    torch.onnx.export(TinyLite().eval(), (torch.zeros(2, 3, 32, 32),), str(path), input_names=["pixel_values"],
                      output_names=["embeddings", "attributes"], dynamic_axes={"pixel_values": {0: "b"}}, opset_version=17)
    calib = np.random.default_rng(1).uniform(-1, 1, (24, 3, 32, 32)).astype(np.float32)
    return path, calib


def run(path, x):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"]).run(None, {"pixel_values": x})


def test_same_inputs_give_the_same_bytes(tiny, tmp_path):
    fp32, calib = tiny
    a = Q.quantize_graph(fp32, tmp_path / "a.onnx", calib)
    b = Q.quantize_graph(fp32, tmp_path / "b.onnx", calib)
    assert a["sha256"] == b["sha256"] == hashlib.sha256((tmp_path / "a.onnx").read_bytes()).hexdigest()


def test_trunk_is_int8_and_everything_after_the_pooled_feature_float32(tiny, tmp_path):
    fp32, calib = tiny
    Q.quantize_graph(fp32, tmp_path / "q.onnx", calib)
    m = onnx.load(str(tmp_path / "q.onnx"))
    quantised_inputs = {n.output[0] for n in m.graph.node if n.op_type == "DequantizeLinear"}
    convs = [n for n in m.graph.node if n.op_type == "Conv"]
    assert convs and all(n.input[1] in quantised_inputs for n in convs)  # int8 weights
    gemms = [n for n in m.graph.node if n.op_type == "Gemm"]
    assert len(gemms) == 2 and not any(i in quantised_inputs for n in gemms for i in n.input[1:])
    assert {p.key: p.value for p in m.metadata_props}["medcap.image.form"] == Q.FORM
    x = calib[:8]
    (e32, a32), (e8, a8) = run(fp32, x), run(tmp_path / "q.onnx", x)
    assert (e32 * e8).sum(1).min() > 0.98
    assert np.abs(a32 - a8).max() < 0.05


def test_float_blocks_stay_float32(tiny, tmp_path):
    fp32, calib = tiny
    info = Q.quantize_graph(fp32, tmp_path / "q.onnx", calib, float_blocks=("stem",))
    m = onnx.load(str(tmp_path / "q.onnx"))
    dq = {n.output[0] for n in m.graph.node if n.op_type == "DequantizeLinear"}
    stem = [n for n in m.graph.node if n.op_type == "Conv" and Q.block_of(n.name) == "stem"]
    assert stem and not any(n.input[1] in dq for n in stem)
    assert info["floatBlocks"] == ["stem"]


def test_quantisers_import_neither_export_nor_text_graph():
    """issue #27 item 7: export → quantize and text_graph → quantize, never back (no import cycle)."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, medcap_toolkit.quantize.weights, medcap_toolkit.quantize.text_q8, medcap_toolkit.quantize.image; "
            "print(sorted(m for m in ('medcap_toolkit.export', 'medcap_toolkit.text_graph') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
