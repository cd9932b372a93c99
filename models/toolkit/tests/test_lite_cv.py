"""EfficientNet-Lite tower, case-grouped folds, and the cached trainer → exported graph path."""
import copy

import numpy as np
import pytest
import torch

from medcap_toolkit import cv, export as exporter, features
from medcap_toolkit.lite import LITE_MEAN, LITE_STD, LiteBackbone, resolve_lite_weights
from medcap_toolkit.model import DualEncoder


def test_folds_are_case_grouped_balanced_and_deterministic():
    cases = [f"case{i % 37}" for i in range(200)]  # 37 cases, several images each
    a = cv.assign_folds(cases, 5)
    assert a == cv.assign_folds(list(reversed(cases)), 5)  # order of records does not matter
    assert set(a) == set(cases) and set(a.values()) == set(range(5))
    sizes = np.bincount(list(a.values()))
    assert sizes.max() - sizes.min() <= 1
    assert cv.assign_folds(cases, 5, seed=1) != a  # the seed is what fixes it


def test_real_folds_keep_every_case_in_one_fold(medpix_dir):
    recs = features.all_records(medpix_dir)
    folds = cv.assign_folds([r.case_id for r in recs], 5)
    by_fold = [{r.image_id for r in recs if folds[r.case_id] == f} for f in range(5)]
    assert sum(len(f) for f in by_fold) == len(recs)
    cases_per_fold = [{r.case_id for r in recs if folds[r.case_id] == f} for f in range(5)]
    for i in range(5):
        for j in range(i + 1, 5):
            assert not cases_per_fold[i] & cases_per_fold[j]


def test_lite_loads_locally_supplied_weights(tmp_path):
    from efficientnet_lite_pytorch import EfficientNet

    torch.manual_seed(3)
    ref = EfficientNet.from_name("efficientnet-lite0", image_size=64)
    path = tmp_path / "lite0.pth"
    torch.save(ref.state_dict(), path)
    net = LiteBackbone("efficientnet-lite0", 64, str(path))
    assert torch.equal(net.head[0].weight, ref._conv_head.weight)
    assert torch.equal(net.tail_blocks_[0]._project_conv.weight, ref._blocks[-1]._project_conv.weight)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        want = torch.flatten(torch.nn.functional.adaptive_avg_pool2d(ref.eval().extract_features(x), 1), 1)
        assert torch.allclose(net(x), want, atol=1e-5)
    with pytest.raises(ValueError):
        LiteBackbone("efficientnet-lite9", 64, None)


def test_packaged_imagenet_weights_resolve_and_load():
    path = resolve_lite_weights("efficientnet-lite0", "package")
    assert path.name.startswith("efficientnet-lite0") and path.suffix == ".pth"
    state = torch.load(path, map_location="cpu", weights_only=True)
    net = LiteBackbone("efficientnet-lite0", 224, "package")
    assert torch.equal(net.head[0].weight, state["_conv_head.weight"])
    net.train()
    assert not net.training and not net.head[1].training  # BN statistics stay frozen


@pytest.mark.parametrize("head", ["linear", "mlp"])
def test_tiny_random_lite_exports_with_parity(tmp_path, tiny_bert_dir, head):
    cfg = {"embed_dim": 16, "image": {"arch": "efficientnet-lite0", "size": 64, "weights": None,
                                      "mean": LITE_MEAN, "std": LITE_STD, "head": head},
           "text": {"pretrained": str(tiny_bert_dir), "trainable_layers": 1, "max_length": 24, "head": head}}
    torch.manual_seed(0)
    model = DualEncoder(cfg).eval()
    img, txt = exporter.export_onnx(model, tmp_path, 64)
    from medcap_toolkit.tokenizer import WordPieceTokenizer

    tok = WordPieceTokenizer.from_vocab_file(tiny_bert_dir / "vocab.txt", max_length=24)
    checks = exporter.torch_vs_onnx(model, img, txt, 64, tok)
    assert checks["imageMinCosine"] >= 0.9999 and checks["textMinCosine"] >= 0.9999
    import onnxruntime as ort

    sess = ort.InferenceSession(str(img), providers=["CPUExecutionProvider"])
    out = sess.run(["embeddings"], {"pixel_values": np.random.default_rng(0).random((3, 3, 64, 64), dtype=np.float32)})[0]
    assert out.shape == (3, 16) and np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)


def test_cached_training_matches_the_exported_encoder(tmp_path, medpix_dir, tiny_bert_dir):
    """Train 1 epoch on cached trunk activations (tail fine-tuned) of a 2-case subset, convert to a
    DualEncoder and check it embeds the raw images like the cached path does."""
    from medcap_toolkit.final import to_dual_encoder
    from medcap_toolkit.common import to_input
    from medcap_toolkit import data

    recs = features.all_records(medpix_dir, limit_cases=2)
    size = 64
    img_cache = features.cache_trunk(recs, "efficientnet-lite0", size, views=2, cache_dir=tmp_path, log=lambda *_: None)
    assert img_cache["trunk"].shape[:2] == (2, len(recs))
    text_cfg = {"pretrained": str(tiny_bert_dir), "trainable_layers": 1, "max_length": 24}
    tc = cv.TextCache(features.cache_text(recs, {"embed_dim": 16, "text": text_cfg}, tmp_path, log=lambda *_: None))
    from medcap_toolkit.model import build_bert

    s = dict(cv.BASE_SETTING, arch="efficientnet-lite0", size=size, views=2, finetune_blocks=1, text_layers=1,
             embed_dim=16, epochs=2, eval_epochs=[1], batch_size=4)
    seen = {}
    old = copy.deepcopy(cv.TEXT_CFG)
    cv.TEXT_CFG.update(text_cfg)
    try:
        model, res = cv.train_cached(s, np.arange(len(recs)), recs, img_cache, tc, build_bert(text_cfg),
                                     eval_fn=lambda m, e: seen.setdefault(e, m.history if hasattr(m, "history") else e))
        assert list(res) == [1] and len(model.history) == 1  # stopped after the last eval epoch
        dual, cfg = to_dual_encoder(model, s, "tiny")
    finally:
        cv.TEXT_CFG.clear()
        cv.TEXT_CFG.update(old)
    img_c, txt_c = cv.embed_all(model, img_cache, tc)
    gray = data.build_image_cache(recs, size, tmp_path)
    with torch.no_grad():
        img_d = dual.image(to_input(gray.float().unsqueeze(1), LITE_MEAN, LITE_STD)).numpy()
    assert (img_c * img_d).sum(1).min() >= 0.999  # fp16 cache vs fp32 graph
    ids, mask = tc.bank.batch_ids([0, 1], "cpu")
    with torch.no_grad():
        assert np.allclose(dual.text(ids, mask).numpy(), txt_c[:2], atol=1e-4)


def test_pruned_oracle_equals_the_exhaustive_max(medpix_dir):
    from medcap_toolkit import metrics

    recs = features.all_records(medpix_dir, limit_cases=12)
    library = sorted({r.caption for r in recs[: len(recs) // 2]})
    refs = [r.caption for r in recs[len(recs) // 2 :]] + ["", "no overlap whatsoever zzz"]
    toks = [metrics.caption_tokens(c).split() for c in library]
    slow = [max(range(len(toks)), key=lambda k: metrics.sentence_rouge_l(toks[k], metrics.caption_tokens(r).split()))
            for r in refs]
    assert cv.oracle_picks(library, refs) == slow


def test_cached_cider_equals_pycocoevalcap(medpix_dir):
    from medcap_toolkit import metrics

    recs = features.all_records(medpix_dir, limit_cases=12)
    refs = [r.caption for r in recs]
    preds = [recs[(i * 7) % len(recs)].caption for i in range(len(recs))] [:-1] + ["", ]
    want = metrics.caption_scores(preds, [[r] for r in refs])["CIDEr"]
    got = metrics.CiderD(refs).corpus(preds)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12) and want > 0
