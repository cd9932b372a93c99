"""text_q8 (issue #14 item 1, third attempt): GPTQ rounding, the int8-per-token graph and its float32 twin,
checked on toy graphs named like the text encoder's MatMuls and on a tiny random BERT, with onnxruntime."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from medcap_toolkit import text_graph  # noqa: E402
from medcap_toolkit.quantize import text_q8  # noqa: E402

K, N = 64, 48
NAME = "/enc/bert/layer.0/output/dense/MatMul"  # kind f
KEY = "encoder.layer.0.output.dense.weight"


def session(path: Path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def toy(path: Path, w: np.ndarray) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "t", K])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", "t", N])
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name=NAME)], "toy", [x], [y],
                          [numpy_helper.from_array(w, "w")])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))


def correlated(rng, rows: int) -> np.ndarray:
    """Activations with correlated channels and a few loud ones, like a transformer's."""
    x = rng.standard_normal((rows, K)) @ rng.standard_normal((K, K)) * 0.3
    x[:, :3] *= 8.0
    return x


@pytest.mark.parametrize("block", [0, 16])
def test_gptq_rounds_to_int8_on_its_scales_and_beats_plain_rounding(block):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((N, K)) / np.sqrt(K)
    x = correlated(rng, 512)
    q, scales = text_q8.gptq(w, x.T @ x, block)
    assert q.dtype == np.int8 and q.shape == (N, K) and np.abs(q.astype(int)).max() <= 127
    assert scales.shape == ((N, K // block) if block else (N,))
    col = np.repeat(scales, block, axis=1) if block else scales[:, None]
    plain = np.clip(np.round(w / col), -127, 127) * col
    err_gptq = np.linalg.norm(x @ (q * col - w).T)
    err_plain = np.linalg.norm(x @ (plain - w).T)
    assert err_gptq < 0.8 * err_plain  # error compensation along K pays off on correlated inputs


def test_hadamard_is_orthonormal_and_symmetric():
    h = text_q8.hadamard(16)
    np.testing.assert_allclose(h @ h.T, np.eye(16), atol=1e-12)
    np.testing.assert_array_equal(h, h.T)
    assert set(np.unique(np.abs(h))) == {0.25}
    with pytest.raises(ValueError):
        text_q8.hadamard(12)


@pytest.mark.parametrize("block,outliers,rotate", [(0, 0, 0), (16, 0, 0), (0, 3, 0), (0, 0, 16)])
def test_per_token_graph_matches_fp32_is_batch_invariant_and_folds_back(tmp_path, block, outliers, rotate):
    rng = np.random.default_rng(1)
    w = (rng.standard_normal((K, N)) / np.sqrt(K)).astype(np.float32)
    toy(tmp_path / "fp32.onnx", w)
    s = np.exp(rng.uniform(-1, 1, K))  # smoothing factors: x/s into the quantiser, W·diag(s) into the weights
    idx = np.arange(outliers, dtype=np.int64)  # the loud channels of `correlated`, kept float32
    if outliers:
        s[:] = 1.0  # text_q8 splits outliers only on the (unsmoothed) FFN output
    h = np.eye(K)
    h[idx, idx] = 0.0
    r = np.kron(np.eye(K // rotate), text_q8.hadamard(rotate)) if rotate else np.eye(K)
    q, scales = text_q8.gptq((w * s[:, None]).T @ r, r.T @ h @ r, block)  # X' = X diag(1/s) R, W' = R^T diag(s) W
    plan = {KEY: {"q": np.ascontiguousarray(q.T), "scale": np.ascontiguousarray(scales.T), "block": block,
                  "inv_smooth": (1 / s).astype(np.float32), "outliers": idx if outliers else None,
                  "rotate": text_q8.hadamard(rotate).astype(np.float32) if rotate else None,
                  "outlier_w": np.ascontiguousarray(w[idx]) if outliers else None}}
    stats = text_q8.per_token_graph(tmp_path / "fp32.onnx", plan, tmp_path / "q8.onnx")
    assert stats["perTokenMatMuls"] == 1 and stats["quantisedInputs"] == 1
    model = onnx.load(str(tmp_path / "q8.onnx"))
    assert {n.op_type for n in model.graph.node} >= {"QuantizeLinear", "MatMulIntegerToFloat"}
    assert sum(n.op_type == "MatMul" for n in model.graph.node) == bool(rotate) + bool(outliers)
    assert {p.key: p.value for p in model.metadata_props}["medcap.text.form"] == text_q8.FORM

    x = correlated(rng, 3 * 5).reshape(3, 5, K).astype(np.float32)
    x[2] *= 40.0  # a loud batch-mate: per-token scales keep it from moving the others
    sess = session(tmp_path / "q8.onnx")
    got = sess.run(["y"], {"x": x})[0]
    ref = x @ w
    cos = (got * ref).sum(-1) / np.linalg.norm(got, axis=-1) / np.linalg.norm(ref, axis=-1)
    assert cos.min() > 0.999
    alone = sess.run(["y"], {"x": x[:1]})[0]
    np.testing.assert_allclose(alone, got[:1], rtol=1e-6, atol=1e-6)

    # the float32 twin: one MatMul again, with the int8 weights dequantised, un-rotated and the smoothing divided out
    info = text_graph.to_fp32(tmp_path / "q8.onnx", tmp_path / "back.onnx", pretrained={})
    assert info["dequantised"] == [NAME]
    back = onnx.load(str(tmp_path / "back.onnx"))
    assert [n.op_type for n in back.graph.node] == ["MatMul"] and not back.metadata_props
    w_back = numpy_helper.to_array(back.graph.initializer[0])
    col = np.repeat(scales, block, axis=1).T if block else scales[None, :]
    expected = r @ (q.T * col) / s[:, None]
    expected[idx] = w[idx]  # the outlier rows come back from the float32 part, exactly
    np.testing.assert_allclose(w_back, expected, rtol=1e-5, atol=1e-6)
    # with the tower's float32 weights at hand, the twin takes them by name
    restored = text_graph.to_fp32(tmp_path / "q8.onnx", tmp_path / "ref.onnx", pretrained={KEY: w.T.copy()})
    assert restored["restoredPretrained"] == 1
    np.testing.assert_allclose(session(tmp_path / "ref.onnx").run(["y"], {"x": x})[0], ref, rtol=1e-4, atol=1e-4)


def test_plan_on_a_tiny_bert_shares_smoothing_and_rotation_across_qkv(tiny_bert_dir, monkeypatch):
    from medcap_toolkit.bert import load_bert_folder
    from medcap_toolkit.tokenizer import WordPieceTokenizer

    monkeypatch.setattr(text_q8, "BLOCK", 16)
    bert = load_bert_folder(tiny_bert_dir).eval()
    tok = WordPieceTokenizer.from_vocab_file(tiny_bert_dir / "vocab.txt", max_length=32)
    texts = ["axial ct of the liver", "ring enhancing lesion in the left frontal lobe"]
    plan = text_q8.plan(bert, tok, texts)  # the served defaults: rotate 16 on q/k/v, i, f; smooth q/k/v, i
    assert len(plan) == 6 * bert.config.num_hidden_layers
    layer = "encoder.layer.0"
    qkv = [plan[f"{layer}.attention.self.{p}.weight"]["inv_smooth"] for p in ("query", "key", "value")]
    assert all(np.array_equal(qkv[0], v) for v in qkv[1:])
    assert all(np.array_equal(plan[f"{layer}.attention.self.{p}.weight"]["rotate"], text_q8.hadamard(16))
               for p in ("query", "key", "value"))
    f, o = plan[f"{layer}.output.dense.weight"], plan[f"{layer}.attention.output.dense.weight"]
    assert f["inv_smooth"] is None and f["rotate"] is not None and f["block"] == 0  # f: rotated, not smoothed
    assert o["inv_smooth"] is None and o["rotate"] is None  # o: plain per-token int8
    with pytest.raises(ValueError, match="outlier split"):  # it picks channels of the unrotated FFN output
        text_q8.plan(bert, tok, texts, outliers=2)
    # the blocked option: one scale per token and block of BLOCK channels on the FFN output
    blocked = text_q8.plan(bert, tok, texts, blocked="f", rotate=0)
    assert blocked[f"{layer}.output.dense.weight"]["block"] == 16
    assert blocked[f"{layer}.output.dense.weight"]["scale"].shape == (bert.config.intermediate_size // 16, 32)
    assert blocked[f"{layer}.intermediate.dense.weight"]["block"] == 0
