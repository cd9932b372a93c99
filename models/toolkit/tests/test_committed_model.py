"""The committed models: manifest contract, hashes, and parity.json reproduced by onnxruntime."""
import json
from pathlib import Path

import numpy as np
import pytest

from medcap_toolkit.evaluate import OnnxEmbedder
from medcap_toolkit.export import sha256_file

MODELS_DIR = Path(__file__).resolve().parents[2]
# the committed model folders (medcap-base-v1 is retired; commit 89c3fe5 keeps it)
FOLDERS = ["medcap-base-v2", "medcap-base-v3"]
SIZE_LIMIT = {"medcap-base-v2": 45e6, "medcap-base-v3": 45e6}


@pytest.fixture(scope="module", params=FOLDERS)
def model_dir(request) -> Path:
    return MODELS_DIR / request.param


@pytest.fixture(scope="module")
def manifest(model_dir):
    return json.loads((model_dir / "manifest.json").read_text())


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
    assert manifest["training"]["dataset"] == "MedPix 2.0"
    assert manifest["training"]["selectionSplit"] in ("dev", "5-fold CV over train+dev")
    # int8-dynamic is batch-dependent, so never committed
    assert manifest["quantization"] in ("int8-per-token", "nbits8", "int8-weights", "fp16", "none")
    cap = manifest["captioning"]  # the service's defaults (shared spec)
    assert cap["strategy"] in ("text", "images", "fused") and cap["neighbours"] >= 1
    assert cap["temperature"] > 0 and 0 <= cap["weight"] <= 1
    assert cap["consensus"] == "off" or (int(cap["consensus"].split(":")[0]) >= 2
                                         and 0 <= float(cap["consensus"].split(":")[1]) <= 1)
    est = manifest["crossValidation"]["estimate"]
    assert {"i2tR@10", "t2iR@10", "templateBLEU_4"} <= set(est)


def test_every_file_is_hashed(manifest, model_dir):
    on_disk = {p.relative_to(model_dir).as_posix() for p in model_dir.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert set(manifest["files"]) == on_disk
    for name, digest in manifest["files"].items():
        assert sha256_file(model_dir / name) == digest, name


def test_card_file_table_matches_the_files(model_dir):
    """The card's "Files and hashes" rows (| `file` | bytes | `sha256` |) state the files as committed."""
    import re

    rows = re.findall(r"^\| `([^`]+)` \| (\d+) \| `([0-9a-f]{64})` \|$", (model_dir / "MODEL_CARD.md").read_text(), re.M)
    for name, size, digest in rows:
        assert (int(size), digest) == ((model_dir / name).stat().st_size, sha256_file(model_dir / name)), name


def test_model_folder_is_small_enough(model_dir):
    assert sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file()) < SIZE_LIMIT[model_dir.name]


def test_onnx_reproduces_parity_fixtures(manifest, model_dir):
    emb = OnnxEmbedder(model_dir)
    parity = json.loads((model_dir / "parity.json").read_text())
    assert len(parity["images"]) >= 4 and len(parity["texts"]) >= 8
    got = emb.image_files([model_dir / item["file"] for item in parity["images"]])
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


def test_attribute_heads_reproduce_parity_and_are_distributions(manifest, model_dir):
    """Models with attribute heads: the graph's `attributes` output reproduces parity.json, each head is a
    softmax over its labels, and the manifest's prior is well formed."""
    att = manifest["image"].get("attributes")
    if att is None:
        pytest.skip(f"{manifest['name']} has no attribute heads")
    import onnxruntime as ort

    from medcap_toolkit import preprocess

    img = manifest["image"]
    sess = ort.InferenceSession(str(model_dir / img["file"]), providers=["CPUExecutionProvider"])
    parity = json.loads((model_dir / "parity.json").read_text())
    names = {h["name"] for h in att["heads"]}
    assert {"modality", "region", "plane"} <= names
    for item in parity["images"]:
        x = preprocess.preprocess_file(model_dir / item["file"], img["size"], img["mean"], img["std"])[None]
        emb, probs = sess.run([img["output"], att["output"]], {img["input"]: x})
        np.testing.assert_allclose(probs[0], item["attributes"], atol=1e-5)
        assert probs.shape[1] == att["width"]
        for h in att["heads"]:
            assert abs(float(probs[0, h["offset"]: h["offset"] + len(h["labels"])].sum()) - 1) < 1e-4
    for block in (manifest["captioning"].get("prior"), manifest.get("similarImages", {}).get("prior")):
        assert block is not None and 0 <= block["threshold"] <= 2
        assert block["penalty"] is None or block["penalty"] >= 0
