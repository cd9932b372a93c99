"""Image preprocessing shared by training, evaluation, export and the parity fixtures.

This is the contract with the TypeScript service (see models/README.md): every step is plain
float32 numpy so that a port can produce the same tensor bit for bit (up to float rounding).
PIL is only used to decode; never to resize.
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np

LUMA = (0.299, 0.587, 0.114)


def decode_gray(path: str | Path) -> np.ndarray:
    """Decode an image file to a float32 luminance array in [0, 1]."""
    from PIL import Image

    with Image.open(path) as im:
        im.load()
        mode = im.mode
        if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
            arr = np.asarray(im, dtype=np.uint16).astype(np.float32) / np.float32(65535.0)
        elif mode == "I":
            # PIL decodes 16-bit PNGs as mode "I" (int32) on some versions
            arr = np.asarray(im, dtype=np.int32).astype(np.float32) / np.float32(65535.0)
        elif mode == "L":
            arr = np.asarray(im, dtype=np.uint8).astype(np.float32) / np.float32(255.0)
        elif mode in ("RGB", "RGBA"):
            rgb = np.asarray(im, dtype=np.uint8)[..., :3].astype(np.float32)
            arr = to_luminance(rgb) / np.float32(255.0)
        elif mode == "LA":
            arr = np.asarray(im, dtype=np.uint8)[..., 0].astype(np.float32) / np.float32(255.0)
        else:
            rgb = np.asarray(im.convert("RGB"), dtype=np.uint8).astype(np.float32)
            arr = to_luminance(rgb) / np.float32(255.0)
    return np.ascontiguousarray(arr, dtype=np.float32)


def to_luminance(rgb: np.ndarray) -> np.ndarray:
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    return (np.float32(LUMA[0]) * r + np.float32(LUMA[1]) * g + np.float32(LUMA[2]) * b).astype(np.float32)


@lru_cache(maxsize=256)
def triangle_weights(in_len: int, out_len: int) -> np.ndarray:
    """[out_len, in_len] float32 matrix of the antialiased triangle (bilinear) filter.

    center = (i + 0.5) * scale, support = max(scale, 1); taps j in
    [floor(center - support), ceil(center + support)) clipped to the image,
    w = max(0, 1 - |j + 0.5 - center| / support), normalised to sum 1.
    """
    scale = in_len / out_len
    support = max(scale, 1.0)
    w = np.zeros((out_len, in_len), dtype=np.float32)
    for i in range(out_len):
        center = (i + 0.5) * scale
        lo = max(int(math.floor(center - support)), 0)
        hi = min(int(math.ceil(center + support)), in_len)
        js = np.arange(lo, hi, dtype=np.float64)
        taps = np.maximum(0.0, 1.0 - np.abs(js + 0.5 - center) / support)
        total = taps.sum()
        if total <= 0:  # cannot happen for in_len >= 1, kept for safety
            taps = np.ones_like(taps)
            total = taps.sum()
        w[i, lo:hi] = (taps / total).astype(np.float32)
    return w


def resize_shorter_side(img: np.ndarray, size: int) -> np.ndarray:
    h, w = img.shape
    if h <= w:
        out_h, out_w = size, int(round(w * size / h))
    else:
        out_h, out_w = int(round(h * size / w)), size
    out_w = max(out_w, 1)
    out_h = max(out_h, 1)
    horizontal = img.astype(np.float32) @ triangle_weights(w, out_w).T  # [h, out_w]
    return (triangle_weights(h, out_h) @ horizontal).astype(np.float32)  # [out_h, out_w]


def center_crop(img: np.ndarray, size: int) -> np.ndarray:
    h, w = img.shape
    top = (h - size) // 2
    left = (w - size) // 2
    return img[top : top + size, left : left + size]


def gray_to_square(img: np.ndarray, size: int) -> np.ndarray:
    """Luminance [H, W] in [0,1] → [size, size] float32 (resize + center crop, not normalised)."""
    return np.ascontiguousarray(center_crop(resize_shorter_side(img, size), size), dtype=np.float32)


def normalise(square: np.ndarray, mean: list[float], std: list[float]) -> np.ndarray:
    """[S, S] → [3, S, S] replicated and normalised per channel."""
    chans = [(square - np.float32(m)) / np.float32(s) for m, s in zip(mean, std)]
    return np.stack(chans, axis=0).astype(np.float32)


def preprocess_file(path: str | Path, size: int, mean: list[float], std: list[float]) -> np.ndarray:
    return normalise(gray_to_square(decode_gray(path), size), mean, std)
