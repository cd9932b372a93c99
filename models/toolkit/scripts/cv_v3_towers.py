"""v3's tower rows (issue #24): on top of v2's setting, train the attribute heads jointly with the
contrastive loss (aux weight 1.0 instead of 0.1) and fine-tune the image tower's last block, each by the
same case-grouped 5-fold CV as v2 (cv.py). Writes results/cv_v3_towers.json; the card renders it.

Usage (models/toolkit): MEDCAP_THREADS=1 .venv/bin/python scripts/cv_v3_towers.py --out results/cv_v3_towers.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from medcap_toolkit import cv  # noqa: E402
from medcap_toolkit.cv_attributes import V2_SETTING  # noqa: E402

ROWS = {
    "v2 setting (reference)": {},
    "heads trained jointly (aux 1.0)": {"aux": 1.0},
    "image tail fine-tuned (last block, lr 1e-4)": {"finetune_blocks": 1},
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("MEDCAP_THREADS", "1")))
    ctx = cv.CVContext(5)
    rows = {}
    for name, over in ROWS.items():
        s = cv.resolve_size(dict(cv.BASE_SETTING, **dict(V2_SETTING, **over)))
        row = ctx.run_setting(name, s)
        e = str(row["bestEpoch"])
        rows[name] = {"setting": over, "bestEpoch": row["bestEpoch"], "select": row["select"],
                      "summary": {k: {m: v[m] for m in ("mean", "sd")} for k, v in row["byEpoch"][e]["summary"].items()
                                  if k != "captionLibrary"}, "seconds": row.get("seconds")}
        Path(args.out).write_text(json.dumps({"about": __doc__.split("\n\n")[0], "selection": "cv.select_score", "rows": rows},
                                             indent=1) + "\n")


if __name__ == "__main__":
    main()
