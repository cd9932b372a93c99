"""The committed model cards are hashed into the model version keys (manifest `files`), so the one card
writer must render them byte for byte from the committed inputs: the manifests, the folders' files and
results/ (cv_v2.json with its side files, cv_v3.json, cv_v3_towers.json). No training, no checkpoint:
the only checkpoint field the v2 card shows besides the manifest's is the cached-vs-exported cosine,
printed to six places (1.000000)."""
import json
import os
from pathlib import Path

import pytest

from medcap_toolkit import card

TOOLKIT = Path(__file__).resolve().parents[1]
MODELS = TOOLKIT.parent
RESULTS = TOOLKIT / "results"


def mirror(name: str, tmp_path: Path) -> Path:
    """The committed folder without its card: links to the committed files (sizes and hashes as committed),
    the manifest included, as export_model and add_heads have it on disk when they write the card."""
    src, dst = MODELS / name, tmp_path / name
    if not (src / "MODEL_CARD.md").is_file():
        pytest.skip(f"{name} is not in the tree")
    for p in src.rglob("*"):
        if p.is_file() and p.name != "MODEL_CARD.md":
            q = dst / p.relative_to(src)
            q.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(p, q)
    return dst


def assert_same(rendered: Path, committed: Path) -> None:
    got, want = rendered.read_text().splitlines(), committed.read_text().splitlines()
    diff = [(i + 1, g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w]
    assert not diff and len(got) == len(want), (diff[:3], len(got), len(want))
    assert rendered.read_bytes() == committed.read_bytes()


def test_v2_card_renders_byte_for_byte(tmp_path):
    out = mirror("medcap-base-v2", tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    cv = json.loads((RESULTS / "cv_v2.json").read_text())
    ckpt = {"durationSeconds": manifest["training"]["durationSeconds"], "cachedVsFullCosine": 1.0}
    card.write_cv_card(out, manifest, ckpt, cv, card.cv_card_side(RESULTS / "cv_v2.json"))
    assert_same(out / "MODEL_CARD.md", MODELS / "medcap-base-v2" / "MODEL_CARD.md")


def test_v3_card_renders_byte_for_byte(tmp_path):
    out = mirror("medcap-base-v3", tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    res = json.loads((RESULTS / "cv_v3.json").read_text())
    card.write_heads_card(out, manifest, res, card.heads_card_towers(RESULTS / "cv_v3.json"))
    assert_same(out / "MODEL_CARD.md", MODELS / "medcap-base-v3" / "MODEL_CARD.md")


def test_size_counts_the_card_itself(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"x" * 1000)
    lines = card.sized(tmp_path, lambda mb: [f"size {mb * 1e6:.0f}", ""])
    card.write_card(tmp_path, lines)
    assert lines[0] == f"size {1000 + (tmp_path / 'MODEL_CARD.md').stat().st_size}"
