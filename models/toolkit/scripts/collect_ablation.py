"""Collect runs/<name>/dev.json (from scripts/ablation.sh) into results/ablation.json for the card."""
import json
import sys
from pathlib import Path

toolkit = Path(__file__).resolve().parents[1]
RUNS = [
    ("scratch", "from scratch: small ResNet-18 + 2-layer BERT (random init), caption only"),
    ("ablation-minilm-frozen", "+ pretrained MiniLM text encoder, frozen"),
    ("ablation-minilm-frozen-template-aux", "+ templated captions as extra positives + aux heads (MiniLM frozen)"),
    ("ablation-minilm-frozen-template-aux-ema", "+ weight EMA (decay 0.98/step) for evaluation and selection"),
    ("base", "top 2 MiniLM layers fine-tuned instead of frozen (templates + aux heads, no EMA)"),
]
COLUMNS = ["i2t R@10", "t2i R@10", "i2t MRR", "t2i MRR", "caption-library CIDEr-D", "caption-library BLEU-4",
           "seed-template BLEU-4", "seed-template CIDEr", "selected epoch", "train min"]
rows = []
for name, label in RUNS:
    f = toolkit / "runs" / name / "dev.json"
    if not f.exists():
        continue
    d = json.loads(f.read_text())
    log = [json.loads(line) for line in (toolkit / "runs" / name / "log.jsonl").read_text().splitlines()]
    best = max(log, key=lambda e: e["select"])
    r, cl, st = d["retrieval"], d["caption-library"]["model"], d["seed-template"]["model"]
    rows.append({"name": f"`{name}`: {label}", "i2t R@10": r["imageToText"]["R@10"], "t2i R@10": r["textToImage"]["R@10"],
                 "i2t MRR": r["imageToText"]["MRR"], "t2i MRR": r["textToImage"]["MRR"],
                 "caption-library CIDEr-D": cl["CIDEr"], "caption-library BLEU-4": cl["BLEU_4"],
                 "seed-template BLEU-4": st["BLEU_4"], "seed-template CIDEr": st["CIDEr"],
                 "selected epoch": str(best["epoch"]), "train min": f"{sum(e['seconds'] for e in log) / 60:.0f}"})
out = {"about": "Each row: `python -m medcap_toolkit train --config configs/<name>.json` then `eval --checkpoint "
                "runs/<name>/best.pt --split dev` (torch, fp32). 12 epochs, seed 1234, 96 px, batch 64. Train minutes were "
                "measured on a shared 2-core CPU (other jobs running), so they overstate the cost.",
       "columns": COLUMNS, "rows": rows, "notes": sys.argv[1:]}
(toolkit / "results").mkdir(exist_ok=True)
(toolkit / "results" / "ablation.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
print(json.dumps(out, indent=1))
