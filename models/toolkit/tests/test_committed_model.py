"""The committed default model: manifest contract, hashes, and parity.json reproduced by onnxruntime."""
import json
from pathlib import Path

import numpy as np
import pytest

from medcap_toolkit.evaluate import OnnxEmbedder
from medcap_toolkit.export import sha256_file

MODEL = Path(__file__).resolve().parents[2] / "medcap-base-v1"


@pytest.fixture(scope="module")
def manifest():
    return json.loads((MODEL / "manifest.json").read_text())


def test_manifest_contract(manifest):
    for key in ("name", "version", "createdAt", "embeddingDim", "image", "text", "logitScale", "files",
                "training", "metrics", "quantization", "licence"):
        assert key in manifest, key
    img, txt = manifest["image"], manifest["text"]
    assert img["file"] == "image_encoder.onnx" and img["input"] == "pixel_values" and img["output"] == "embeddings"
    assert img["resize"] == "shorter-side-triangle" and img["crop"] == "center"
    assert img["colorMode"] == "luminance-replicate-3" and len(img["mean"]) == len(img["std"]) == 3
    assert txt["file"] == "text_encoder.onnx" and txt["inputs"] == ["input_ids", "attention_mask"]
    tok = txt["tokenizer"]
    assert tok["type"] == "bert-wordpiece" and tok["vocab"] == "vocab.txt" and tok["lowercase"] is True
    assert {tok["clsToken"], tok["sepToken"], tok["padToken"], tok["unkToken"]} == {"[CLS]", "[SEP]", "[PAD]", "[UNK]"}
    assert manifest["training"]["dataset"] == "MedPix 2.0" and manifest["training"]["selectionSplit"] == "dev"
    assert manifest["quantization"] in ("int8-weights", "fp16", "none")  # int8-dynamic is batch-dependent


def test_every_file_is_hashed(manifest):
    on_disk = {p.relative_to(MODEL).as_posix() for p in MODEL.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert set(manifest["files"]) == on_disk
    for name, digest in manifest["files"].items():
        assert sha256_file(MODEL / name) == digest, name


def test_model_folder_is_small_enough():
    assert sum(p.stat().st_size for p in MODEL.rglob("*") if p.is_file()) < 42e6


def test_onnx_reproduces_parity_fixtures(manifest):
    emb = OnnxEmbedder(MODEL)
    parity = json.loads((MODEL / "parity.json").read_text())
    assert len(parity["images"]) >= 4 and len(parity["texts"]) >= 8
    got = emb.image_files([MODEL / item["file"] for item in parity["images"]])
    want = np.array([item["embedding"] for item in parity["images"]], dtype=np.float32)
    assert got.shape[1] == manifest["embeddingDim"]
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    assert (got * want).sum(1).min() >= 0.9999
    for item in parity["texts"]:
        assert emb.tokenizer.encode(item["text"]) == item["inputIds"]
        assert len(item["inputIds"]) <= manifest["text"]["tokenizer"]["maxLength"]
    texts = [item["text"] for item in parity["texts"]]
    got_t = emb.texts(texts)  # batched with padding, parity computed one by one
    want_t = np.array([item["embedding"] for item in parity["texts"]], dtype=np.float32)
    assert (got_t * want_t).sum(1).min() >= 0.9999
