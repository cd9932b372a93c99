"""Our use of the coco-caption scorers reproduces the shared reference vectors."""
import json
from pathlib import Path

import numpy as np
import pytest

from medcap_toolkit import metrics

FIXTURE = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "caption-metrics.json"


@pytest.mark.skipif(not FIXTURE.exists(), reason="shared/fixtures/caption-metrics.json not present")
def test_matches_shared_caption_metric_fixtures():
    for case in json.loads(FIXTURE.read_text())["cases"]:
        res = {it["id"]: [it["candidate"]] for it in case["items"]}
        gts = {it["id"]: it["references"] for it in case["items"]}
        got = metrics.caption_scores_tokenized(res, gts)
        for key in ("BLEU_1", "BLEU_2", "BLEU_3", "BLEU_4", "ROUGE_L", "CIDEr"):
            if key in case["expected"]:
                assert got[key] == pytest.approx(case["expected"][key], abs=2e-6), (case["name"], key)


def test_retrieval_counts_duplicate_captions_as_correct():
    groups = np.array([0, 0, 1])
    img = np.eye(3, dtype=np.float32)
    # texts 0 and 1 are the same caption; image 0 is closest to text 1, image 1 to text 0
    txt = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=np.float32)
    r = metrics.retrieval(img, txt, groups)
    assert r["imageToText"]["R@1"] == 1.0 and r["textToImage"]["R@1"] == 1.0
    strict = metrics.retrieval(img, txt, np.arange(3))  # without the duplicate rule both would miss
    assert strict["imageToText"]["R@1"] == pytest.approx(1 / 3)


def test_caption_tokens_drop_punctuation_and_case():
    assert metrics.caption_tokens("Axial CT: 3.5 cm mass, L4-L5.") == "axial ct 3.5 cm mass l4 l5"
