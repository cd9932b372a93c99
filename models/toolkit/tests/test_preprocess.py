import math

import numpy as np
import pytest
from PIL import Image

from medcap_toolkit import preprocess


def naive_resize_axis(row: np.ndarray, out_len: int) -> np.ndarray:
    """The written spec, one output sample at a time (slow, obviously correct)."""
    in_len = len(row)
    scale = in_len / out_len
    support = max(scale, 1.0)
    out = []
    for i in range(out_len):
        center = (i + 0.5) * scale
        lo, hi = max(math.floor(center - support), 0), min(math.ceil(center + support), in_len)
        ws = [max(0.0, 1 - abs(j + 0.5 - center) / support) for j in range(lo, hi)]
        out.append(sum(w * row[j] for w, j in zip(ws, range(lo, hi))) / sum(ws))
    return np.array(out)


@pytest.mark.parametrize("in_len,out_len", [(131, 96), (96, 96), (40, 96), (512, 96), (7, 3)])
def test_triangle_weights_match_the_spec(in_len, out_len):
    rng = np.random.default_rng(0)
    row = rng.random(in_len)
    got = preprocess.triangle_weights(in_len, out_len) @ row.astype(np.float32)
    np.testing.assert_allclose(got, naive_resize_axis(row, out_len), atol=1e-5)
    np.testing.assert_allclose(preprocess.triangle_weights(in_len, out_len).sum(1), 1.0, atol=1e-6)


def test_identity_size_is_a_no_op():
    img = np.random.default_rng(1).random((96, 96)).astype(np.float32)
    np.testing.assert_allclose(preprocess.gray_to_square(img, 96), img, atol=1e-6)


@pytest.mark.parametrize("h,w,expect", [(97, 131, (96, 130)), (300, 211, (136, 96)), (120, 150, (96, 120))])
def test_shorter_side_resize_and_center_crop(h, w, expect):
    img = np.random.default_rng(2).random((h, w)).astype(np.float32)
    resized = preprocess.resize_shorter_side(img, 96)
    assert resized.shape == expect
    crop = preprocess.gray_to_square(img, 96)
    top, left = (expect[0] - 96) // 2, (expect[1] - 96) // 2
    np.testing.assert_array_equal(crop, resized[top : top + 96, left : left + 96])


def test_decode_8bit_16bit_and_rgb(tmp_path):
    g8 = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    Image.fromarray(g8, mode="L").save(tmp_path / "g8.png")
    np.testing.assert_allclose(preprocess.decode_gray(tmp_path / "g8.png"), g8 / 255.0, atol=1e-7)

    g16 = np.array([[0, 65535], [1000, 40000]], dtype=np.uint16)
    Image.fromarray(g16, mode="I;16").save(tmp_path / "g16.png")
    np.testing.assert_allclose(preprocess.decode_gray(tmp_path / "g16.png"), g16 / 65535.0, atol=1e-7)

    rgb = np.array([[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [10, 20, 30]]], dtype=np.uint8)
    Image.fromarray(rgb, mode="RGB").save(tmp_path / "rgb.png")
    lum = (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]) / 255.0
    np.testing.assert_allclose(preprocess.decode_gray(tmp_path / "rgb.png"), lum, atol=1e-6)

    rgba = np.concatenate([rgb, np.zeros((2, 2, 1), np.uint8)], -1)
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "rgba.png")
    np.testing.assert_allclose(preprocess.decode_gray(tmp_path / "rgba.png"), lum, atol=1e-6)  # alpha ignored


def test_normalise_replicates_three_channels():
    sq = np.full((4, 4), 0.5, np.float32)
    x = preprocess.normalise(sq, [0.25, 0.25, 0.25], [0.5, 0.5, 0.5])
    assert x.shape == (3, 4, 4) and x.dtype == np.float32
    np.testing.assert_allclose(x, 0.5)
