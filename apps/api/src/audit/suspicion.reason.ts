// What the caption audit says about one caption (issue #25): reasons, each with a strength, combined
// into one score. Pure, so every rule is unit-tested on hand-made data.

export const REASON_CODES = [
  "PLACEHOLDER",
  "FIGURE_NUMBER",
  "TOO_SHORT",
  "NO_CLINICAL_CONTENT",
  "ENCODING_GARBAGE",
  "MODALITY_MISMATCH",
  "SEQUENCE_MISMATCH",
  "PLANE_MISMATCH",
  "ANATOMY_MISMATCH",
  "MODEL_DISAGREES",
  "PREDICTED_ATTRIBUTE_MISMATCH",
  "DUPLICATE_ACROSS_CASES",
  "DUPLICATE_ACROSS_REGIONS",
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export interface SuspicionReason {
  code: ReasonCode;
  /** A sentence for people: what is wrong and with what. */
  detail: string;
  /** How much this reason alone makes the caption likely wrong, 0..1. */
  strength: number;
  /** The words of the caption that contradict (highlighted by the admin). */
  words?: string[];
}

export const isReasonCode = (value: string): value is ReasonCode => (REASON_CODES as readonly string[]).includes(value);

/**
 * Noisy-OR of the reasons' strengths: independent pieces of evidence add up, none alone exceeds its
 * own strength, and the score stays in [0, 1]. Reasons are returned strongest first.
 */
export function combineReasons(reasons: readonly SuspicionReason[]): { score: number; reasons: SuspicionReason[] } {
  const sorted = [...reasons].sort((a, b) => b.strength - a.strength || (a.code < b.code ? -1 : 1));
  let keep = 1;
  for (const r of sorted) keep *= 1 - Math.min(1, Math.max(0, r.strength));
  return { score: Math.round((1 - keep) * 1e6) / 1e6, reasons: sorted };
}
