// Evaluation metrics arrive as free-form JSON per protocol; this reads the headline numbers out of it.

export interface Headline {
  key: string;
  label: string;
  value: number;
}

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A number, or the point estimate of an interval object like `{ value, low, high }` / `{ mean, ci }`. */
function numberOf(v: Json): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (isRecord(v)) for (const k of ["value", "mean", "estimate", "point"]) if (typeof v[k] === "number") return v[k] as number;
  return undefined;
}

/** Flattens nested metric objects into dotted keys: `{ imageToText: { recallAt10: 0.2 } }` → `imageToText.recallAt10`. */
export function flattenMetrics(metrics: Json, prefix = "", out: Record<string, number> = {}): Record<string, number> {
  if (!isRecord(metrics)) return out;
  for (const [k, v] of Object.entries(metrics)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const n = numberOf(v);
    if (n !== undefined) out[key] = n;
    else if (isRecord(v)) flattenMetrics(v, key, out);
  }
  return out;
}

const PREFERRED: [RegExp, string][] = [
  [/(^|\.)(i2t|imageToText|image_to_text)[^.]*\.(r|recall)(@|At|_at_)?10$/i, "I→T R@10"],
  [/(^|\.)(t2i|textToImage|text_to_image)[^.]*\.(r|recall)(@|At|_at_)?10$/i, "T→I R@10"],
  [/(^|\.)(r|recall)(@|At|_at_)?10$/i, "R@10"],
  [/(^|\.)(r|recall)(@|At|_at_)?1$/i, "R@1"],
  [/(^|\.)(r|recall)(@|At|_at_)?5$/i, "R@5"],
  [/(^|\.)mrr$/i, "MRR"],
  [/(^|\.)(bleu4|bleu_4|bleu-4|BLEU-4)$/i, "BLEU-4"],
  [/(^|\.)(cider|ciderD|cider_d|CIDEr-D|CIDEr)$/i, "CIDEr"],
  [/(^|\.)(rougeL|rouge_l|ROUGE-L)$/i, "ROUGE-L"],
  [/(^|\.)(meteor|METEOR)$/i, "METEOR"],
  // Anatomy agreement (retrieval, caption-library): `{ value, floor, n }` per attribute, the floor its random baseline.
  [/(^|\.)anatomy\.top1\.regionGrouped$/, "Region@1"],
  [/(^|\.)anatomy\.top1\.regionRaw$/, "Region raw@1"],
  [/(^|\.)anatomy\.top1\.modality$/, "Modality@1"],
  [/(^|\.)anatomy\.top1\.plane$/, "Plane@1"],
  [/(^|\.)anatomy\.allOfTop5\.regionGrouped$/, "Region all@5"],
  [/(^|\.)anatomy\.allOfTop5\.modality$/, "Modality all@5"],
  [/(^|\.)anatomy\.allOfTop5\.plane$/, "Plane all@5"],
];

/** The few numbers worth charting for a run: recall@K for retrieval, BLEU-4 and CIDEr for captioning, anatomy agreement. */
export function headlines(metrics: Json): Headline[] {
  const flat = flattenMetrics(metrics);
  // Baselines and interval bounds are shown elsewhere; headlines are the model's own point estimates.
  const skip = /^(baselines?|random|oracle|floor|ci|ci95|interval|low|high|lower|upper|std|queries|n)$/i;
  const keys = Object.keys(flat).filter((k) => !k.split(".").some((part) => skip.test(part)));
  const out: Headline[] = [];
  const used = new Set<string>();
  for (const [re, label] of PREFERRED) {
    const key = keys.find((k) => re.test(k) && !used.has(k));
    if (key !== undefined && !out.some((h) => h.label === label)) {
      used.add(key);
      out.push({ key, label, value: flat[key] as number });
    }
  }
  return out;
}

/** One metric value by dotted key, for comparing runs side by side. */
export function metricValue(metrics: Json, key: string): number | undefined {
  return flattenMetrics(metrics)[key];
}

const BASELINES = ["random", "oracle"] as const;

/** The `floor` stored inside a figure object (`anatomy.top1.modality.floor`): that figure's random baseline. */
function floorAt(metrics: Json, key: string): number | undefined {
  let v: Json = metrics;
  for (const part of key.split(".")) v = isRecord(v) ? v[part] : undefined;
  return isRecord(v) && typeof v.floor === "number" ? v.floor : undefined;
}

/**
 * The same headline metrics for the run's baselines (a random caption, the oracle ceiling), which the
 * protocols store beside the model's own numbers: `random.imageToText.R10` or `random.BLEU_4` next to
 * `imageToText.R10` / `model.BLEU_4`; an anatomy figure carries its random floor inside (`floor`). Only
 * baselines the run actually has are returned.
 */
export function baselines(metrics: Json, heads: Headline[]): { name: (typeof BASELINES)[number]; values: (number | undefined)[] }[] {
  const flat = flattenMetrics(metrics);
  return BASELINES.map((name) => ({
    name,
    values: heads.map((h) => {
      const rest = h.key.split(".");
      const candidates = [`${name}.${h.key}`, [name, ...rest.slice(1)].join(".")];
      return candidates.map((k) => flat[k]).find((v) => v !== undefined) ?? (name === "random" ? floorAt(metrics, h.key) : undefined);
    }),
  })).filter((b) => b.values.some((v) => v !== undefined));
}
