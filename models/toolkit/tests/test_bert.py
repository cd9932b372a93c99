import json
import struct

import numpy as np
import torch

from medcap_toolkit.bert import BertConfig, BertModel, load_bert_folder, mean_pool, read_safetensors, save_bert_folder


def write_safetensors(path, tensors: dict) -> None:
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.numpy().astype(np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def test_loads_a_saved_checkpoint_folder(tiny_bert_dir):
    model = load_bert_folder(tiny_bert_dir)
    assert model.config.hidden_size == 32 and len(model.encoder.layer) == 2
    ref = BertModel(model.config)
    ref.load_state_dict({k[5:]: v for k, v in torch.load(tiny_bert_dir / "pytorch_model.bin").items()})
    ids = torch.tensor([[101, 2000, 3000, 102, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 0]])
    torch.testing.assert_close(model(ids, mask), ref(ids, mask))


def test_loads_safetensors_without_prefix_and_ignores_heads(tmp_path):
    torch.manual_seed(3)
    cfg = BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                     max_position_embeddings=32)
    src = BertModel(cfg)
    tensors = dict(src.state_dict())
    tensors["pooler.dense.weight"] = torch.zeros(16, 16)  # extra head weights are ignored
    write_safetensors(tmp_path / "model.safetensors", tensors)
    (tmp_path / "config.json").write_text(json.dumps(dict(cfg.to_json(), model_type="bert")))
    loaded = load_bert_folder(tmp_path)
    ids = torch.tensor([[1, 5, 7, 2]])
    torch.testing.assert_close(loaded(ids, torch.ones_like(ids)), src(ids, torch.ones_like(ids)))
    assert set(read_safetensors(tmp_path / "model.safetensors")) == set(tensors)


def test_padding_does_not_change_the_pooled_embedding(tiny_bert_dir):
    model = load_bert_folder(tiny_bert_dir).eval()
    ids = torch.tensor([[101, 2000, 3000, 102]])
    padded = torch.tensor([[101, 2000, 3000, 102, 0, 0]])
    a = mean_pool(model(ids, torch.ones_like(ids)), torch.ones_like(ids))
    pm = torch.tensor([[1, 1, 1, 1, 0, 0]])
    b = mean_pool(model(padded, pm), pm)
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_packaged_minilm_loads_and_is_semantic(minilm_dir):
    from medcap_toolkit.tokenizer import WordPieceTokenizer

    model = load_bert_folder(minilm_dir).eval()
    tok = WordPieceTokenizer.from_vocab_file(minilm_dir / "vocab.txt")
    texts = ["axial CT of the chest shows a lung mass", "chest CT demonstrates a pulmonary mass",
             "the recipe needs two cups of flour"]
    ids, mask = tok.batch(texts)
    ids, mask = torch.tensor(ids), torch.tensor(mask)
    with torch.no_grad():
        e = torch.nn.functional.normalize(mean_pool(model(ids, mask), mask), dim=-1)
    sims = e @ e.t()
    assert sims[0, 1] > 0.6 and sims[0, 1] > sims[0, 2] + 0.3
