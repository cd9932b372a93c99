"""scripts/text_mixed.py (issue #14 item 1's second attempt): its graph builders compute what they claim,
checked on a two-layer toy graph named like the text encoder's MatMuls, with onnxruntime."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from text_mixed import build, kind_of, nbits_blocks, smooth  # noqa: E402

K, N = 64, 32


def toy(path: Path, rng) -> dict[str, np.ndarray]:
    """x → LayerNorm → query MatMul → intermediate MatMul; weights [K, N] and [N, K]."""
    w = {"wq": rng.standard_normal((K, N)).astype(np.float32), "wi": rng.standard_normal((N, K)).astype(np.float32)}
    nodes = [helper.make_node("LayerNormalization", ["x", "g", "b"], ["ln"], axis=-1),
             helper.make_node("MatMul", ["ln", "wq"], ["h"], name="/enc/bert/layer.0/attention/self/query/MatMul"),
             helper.make_node("MatMul", ["h", "wi"], ["y"], name="/enc/bert/layer.0/intermediate/dense/MatMul")]
    inits = [numpy_helper.from_array(v, k) for k, v in w.items()] + [
        numpy_helper.from_array(np.ones(K, np.float32), "g"), numpy_helper.from_array(np.zeros(K, np.float32), "b")]
    g = helper.make_graph(nodes, "toy", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, None, K])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, None, K])], inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return w


def run(path: Path, x: np.ndarray) -> np.ndarray:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(["y"], {"x": x})[0]


def test_kinds_follow_the_encoder_node_names() -> None:
    assert kind_of("/enc/bert/layer.3/attention/output/dense/MatMul") == "o"
    assert kind_of("/enc/bert/layer.3/output/dense/MatMul") == "f"
    assert kind_of("/enc/bert/layer.3/attention/self/MatMul") is None  # activation × activation


@pytest.mark.parametrize("bits", [4, 8])
def test_nbits_packing_is_what_matmulnbits_reads(tmp_path: Path, bits: int) -> None:
    rng = np.random.default_rng(bits)
    w, x = rng.standard_normal((K, N)).astype(np.float32), rng.standard_normal((3, K)).astype(np.float32)
    q, s = nbits_blocks(w, bits, 16)
    qmax = (1 << (bits - 1)) - 1
    sc = s.reshape(N, -1)
    deq = (np.clip(np.round(w.T.reshape(N, -1, 16) / sc[:, :, None]), -qmax, qmax) * sc[:, :, None]).reshape(N, K).T
    node = helper.make_node("MatMulNBits", ["x", "q", "s"], ["y"], domain="com.microsoft", K=K, N=N, bits=bits,
                            block_size=16, accuracy_level=0)
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, K])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, N])],
                          [numpy_helper.from_array(q, "q"), numpy_helper.from_array(s, "s")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    y = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_allclose(y, x @ deq, atol=1e-3)


def test_smoothing_leaves_the_float_function_unchanged(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    toy(tmp_path / "fp32.onnx", rng)
    x = rng.standard_normal((1, 7, K)).astype(np.float32) * np.linspace(0.1, 20, K, dtype=np.float32)
    model = onnx.load(str(tmp_path / "fp32.onnx"))
    amax = {"ln": np.linspace(0.1, 30, K, dtype=np.float32), "h": np.full(N, 3.0, np.float32)}
    smooth(model, {"q": "s", "i": "s"}, amax, 0.7)
    assert sum(n.op_type == "Mul" for n in model.graph.node) == 2
    onnx.save(model, str(tmp_path / "smooth.onnx"))
    np.testing.assert_allclose(run(tmp_path / "smooth.onnx", x), run(tmp_path / "fp32.onnx", x), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("spec", ["r=qi", "d=qi", "h=qi", "n8b32=qi"])
def test_quantised_forms_stay_close_to_fp32(tmp_path: Path, spec: str) -> None:
    rng = np.random.default_rng(1)
    toy(tmp_path / "fp32.onnx", rng)
    build(tmp_path / "fp32.onnx", spec, tmp_path / "q.onnx")
    x = rng.standard_normal((1, 9, K)).astype(np.float32)
    ref, got = run(tmp_path / "fp32.onnx", x), run(tmp_path / "q.onnx", x)
    cos = (ref * got).sum(-1) / np.linalg.norm(ref, axis=-1) / np.linalg.norm(got, axis=-1)
    assert cos.min() > 0.995, (spec, cos.min())
    assert not np.array_equal(ref, got)  # it really is a different graph
