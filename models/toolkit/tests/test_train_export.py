"""Train a tiny random-weight model on a MedPix subset, export it, and check the exported folder."""
import json

import numpy as np
import pytest
import torch

from medcap_toolkit import export as exporter
from medcap_toolkit.evaluate import OnnxEmbedder, TorchEmbedder, evaluate_embedder
from medcap_toolkit.common import load_checkpoint
from medcap_toolkit.train import run_training

EXPECTED_FILES = {"image_encoder.onnx", "text_encoder.onnx", "vocab.txt", "manifest.json", "parity.json", "MODEL_CARD.md"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_bert_dir, medpix_dir):
    from conftest import TINY_CONFIG
    import copy

    cfg = copy.deepcopy(TINY_CONFIG)
    cfg["text"]["pretrained"] = str(tiny_bert_dir)
    out = tmp_path_factory.mktemp("run")
    cfg["cache_dir"] = str(out / "cache")
    ckpt = run_training(cfg, out, str(medpix_dir), log=lambda *_: None)
    return out / "best.pt", ckpt


def test_training_logs_and_selects_on_dev(trained):
    path, ckpt = trained
    assert path.is_file()
    assert ckpt["epoch"] == 1 and len(ckpt["history"]) == 1
    h = ckpt["history"][0]
    assert np.isfinite(h["loss"]["caption"]) and "template" in h["loss"] and "aux_plane" in h["loss"]
    # frozen bottom layer: only the top BERT layer changed
    model, _ = load_checkpoint(path)
    assert model.text.split_layer == 1


@pytest.mark.parametrize("quantize", ["none", "int8-weights", "nbits8"])
def test_export_folder_format_and_parity(trained, tmp_path, quantize):
    path, _ = trained
    out = tmp_path / "model"
    manifest = exporter.export_model(path, out, quantize=quantize, evaluate_dev=False)
    assert {p.name for p in out.iterdir() if p.is_file()} == EXPECTED_FILES
    checks = manifest["exportChecks"]["torchVsOnnxFp32"]
    assert checks["imageMinCosine"] >= 0.9999 and checks["textMinCosine"] >= 0.9999
    on_disk = json.loads((out / "manifest.json").read_text())
    for name, digest in on_disk["files"].items():
        assert exporter.sha256_file(out / name) == digest
    assert set(on_disk["files"]) | {"manifest.json"} >= EXPECTED_FILES
    parity = json.loads((out / "parity.json").read_text())
    assert len(parity["images"]) >= 4 and len(parity["texts"]) >= 8

    # the exported graphs reproduce the torch module on real inputs of other batch/sequence sizes
    torch_emb, onnx_emb = TorchEmbedder(path), OnnxEmbedder(out)
    gray = np.random.default_rng(0).random((5, 32, 32)).astype(np.float32)
    cos_img = (torch_emb.images(gray) * onnx_emb.images(gray)).sum(1)
    texts = ["axial ct", "Sagittal T1 MR of the lumbar spine shows a disc herniation at L4-L5", "é 脑"]
    cos_txt = (torch_emb.texts(texts) * onnx_emb.texts(texts)).sum(1)
    assert cos_img.min() >= 0.9999
    assert cos_txt.min() >= (0.9999 if quantize == "none" else 0.99)


def test_eval_protocols_on_a_subset(trained, medpix_dir):
    path, _ = trained
    res = evaluate_embedder(TorchEmbedder(path), "dev", str(medpix_dir), meteor=False, limit_cases=3)
    for direction in ("imageToText", "textToImage"):
        r = res["retrieval"][direction]
        assert 0 <= r["R@1"] <= r["R@5"] <= r["R@10"] <= 1 and r["medianRank"] >= 1
        lo, hi = r["R@10ci95"]
        assert lo <= r["R@10"] <= hi
    cl = res["caption-library"]
    # the oracle maximises per-caption ROUGE-L, so its (mean) ROUGE-L bounds every other picker
    assert cl["oracle"]["ROUGE_L"] >= max(cl["model"]["ROUGE_L"], cl["random"]["ROUGE_L"])
    assert set(res["seed-template"]["model"]) >= {"BLEU_1", "BLEU_4", "ROUGE_L", "CIDEr"}


def test_production_recipe_resnet50_and_local_bert_folder(tmp_path, tiny_bert_dir, medpix_dir):
    """ResNet50 from a local torchvision state dict + a local HF BERT folder, all layers trained,
    device picked automatically (cuda when present, with autocast), exported to the same format."""
    import copy

    from conftest import TINY_CONFIG
    from torchvision.models import resnet50

    from medcap_toolkit.common import pick_device

    weights = tmp_path / "resnet50.pth"
    torch.save(resnet50().state_dict(), weights)
    cfg = copy.deepcopy(TINY_CONFIG)
    cfg.update(name="prod-test", limit_cases=2, batch_size=4, amp=True, device="auto", aux_weight=0.0, extra_texts={})
    cfg["image"] = {"arch": "resnet50", "weights": str(weights), "size": 32, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
    cfg["text"] = {"pretrained": str(tiny_bert_dir), "trainable_layers": "all", "max_length": 16}
    cfg["cache_dir"] = str(tmp_path / "cache")
    assert pick_device(cfg).type == ("cuda" if torch.cuda.is_available() else "cpu")
    ckpt = run_training(cfg, tmp_path / "run", str(medpix_dir), log=lambda *_: None)
    model, _ = load_checkpoint(tmp_path / "run" / "best.pt")
    assert model.image.in_channels == 3 and model.text.split_layer == 0
    manifest = exporter.export_model(tmp_path / "run" / "best.pt", tmp_path / "prod", quantize="none", evaluate_dev=False)
    assert manifest["image"]["mean"] == [0.485, 0.456, 0.406]
    assert manifest["exportChecks"]["torchVsOnnxFp32"]["imageMinCosine"] >= 0.9999
