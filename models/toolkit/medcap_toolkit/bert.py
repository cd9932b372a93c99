"""A minimal BERT encoder in plain torch that loads Hugging Face checkpoint folders.

One code path for the packaged all-MiniLM-L6-v2, Bio_ClinicalBERT (production recipe) and tiny
random configs in tests. Avoids `transformers`, whose current releases need torch 2 while Debian
ships torch 1.13. Attention is written with plain matmul/softmax so it exports to ONNX opset 17.
"""
from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, asdict
from pathlib import Path

import numpy as np
import torch
from torch import nn


@dataclass
class BertConfig:
    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_act: str = "gelu"

    @classmethod
    def from_json(cls, path: str | Path) -> "BertConfig":
        raw = json.loads(Path(path).read_text())
        known = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
        return cls(**known)

    def to_json(self) -> dict:
        return asdict(self)


class BertEmbeddings(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        seq = input_ids.shape[1]
        positions = torch.arange(seq, device=input_ids.device).unsqueeze(0)
        # single-segment input: token type 0 everywhere
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions) + self.token_type_embeddings.weight[0]
        return self.LayerNorm(x)


class BertSelfAttention(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.heads = cfg.num_attention_heads
        self.head_dim = cfg.hidden_size // cfg.num_attention_heads
        self.query = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.key = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.value = nn.Linear(cfg.hidden_size, cfg.hidden_size)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        q, k, v = self._split(self.query(x)), self._split(self.key(x)), self._split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim) + additive_mask
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3)
        b, s = ctx.shape[0], ctx.shape[1]
        return ctx.reshape(b, s, self.heads * self.head_dim)


class BertSelfOutput(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(h) + x)


class BertAttention(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = BertSelfOutput(cfg)

    def forward(self, x: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(x, additive_mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.intermediate_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.gelu(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.intermediate_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(h) + x)


class BertLayer(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertOutput(cfg)

    def forward(self, x: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        a = self.attention(x, additive_mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg.num_hidden_layers)])


class BertModel(nn.Module):
    """Token-level BERT; `forward` returns the last hidden states [N, L, H]."""

    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.config = cfg
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)

    @staticmethod
    def additive_mask(attention_mask: torch.Tensor) -> torch.Tensor:
        return (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, start_layer: int = 0,
                hidden: torch.Tensor | None = None) -> torch.Tensor:
        """With `hidden` given, run only layers from `start_layer` on (used to cache frozen layers)."""
        mask = self.additive_mask(attention_mask)
        x = self.embeddings(input_ids) if hidden is None else hidden
        for layer in self.encoder.layer[start_layer:]:
            x = layer(x, mask)
        return x

    def run_layers(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, stop_layer: int) -> torch.Tensor:
        mask = self.additive_mask(attention_mask)
        x = self.embeddings(input_ids)
        for layer in self.encoder.layer[:stop_layer]:
            x = layer(x, mask)
        return x


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


# --- checkpoint loading -------------------------------------------------------------------

_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path: str | Path) -> dict[str, torch.Tensor]:
    """Minimal reader of the safetensors format (8-byte header length, JSON header, raw data)."""
    data = Path(path).read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    out: dict[str, torch.Tensor] = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        dtype = meta["dtype"]
        start, end = meta["data_offsets"]
        buf = data[base + start : base + end]
        if dtype == "BF16":
            raw = np.frombuffer(buf, dtype=np.uint16).astype(np.uint32) << 16
            arr = raw.view(np.float32)
        else:
            arr = np.frombuffer(buf, dtype=_SAFETENSORS_DTYPES[dtype])
        out[name] = torch.from_numpy(arr.reshape(meta["shape"]).astype(np.float32 if arr.dtype.kind == "f" else arr.dtype))
    return out


def load_state_dict_file(folder: Path) -> dict[str, torch.Tensor]:
    if (folder / "model.safetensors").exists():
        return read_safetensors(folder / "model.safetensors")
    if (folder / "pytorch_model.bin").exists():
        return torch.load(folder / "pytorch_model.bin", map_location="cpu")
    raise FileNotFoundError(f"no model.safetensors or pytorch_model.bin in {folder}")


def normalise_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map HF key variants (bert./model. prefixes, old gamma/beta LayerNorm names) to ours."""
    out = {}
    for key, value in state.items():
        k = key
        for prefix in ("bert.", "model.", "0.auto_model."):
            if k.startswith(prefix):
                k = k[len(prefix):]
        k = k.replace("LayerNorm.gamma", "LayerNorm.weight").replace("LayerNorm.beta", "LayerNorm.bias")
        out[k] = value
    return out


def load_bert_folder(folder: str | Path) -> BertModel:
    """Load a Hugging Face BERT-family folder (config.json + model.safetensors|pytorch_model.bin)."""
    folder = Path(folder)
    cfg = BertConfig.from_json(folder / "config.json")
    model = BertModel(cfg)
    state = normalise_keys(load_state_dict_file(folder))
    own = model.state_dict()
    wanted = {k: v for k, v in state.items() if k in own}
    missing = [k for k in own if k not in wanted]
    if missing:
        raise ValueError(f"checkpoint {folder} lacks {len(missing)} weights, e.g. {missing[:3]}")
    model.load_state_dict(wanted, strict=True)
    return model


def save_bert_folder(model: BertModel, folder: str | Path, vocab: list[str] | None = None) -> None:
    """Write an HF-style folder (used by tests to build tiny random checkpoints)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cfg = dict(model.config.to_json(), model_type="bert", architectures=["BertModel"])
    (folder / "config.json").write_text(json.dumps(cfg, indent=2))
    torch.save({"bert." + k: v for k, v in model.state_dict().items()}, folder / "pytorch_model.bin")
    if vocab is not None:
        (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
