// The same caption text on images of different cases, or of different body regions: copied text that
// at most one of them can be right about.
import { regionGroup } from "../core/anatomy.regions.js";
import type { SuspicionReason } from "./suspicion.reason.js";

export interface CaptionPlacement {
  captionId: string;
  text: string;
  caseId: string;
  dataset: string | null;
  locationCategory: string | null;
}

/** Texts are compared case-, space- and punctuation-insensitively. */
export const normaliseText = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim();

/** Captions too short to carry a finding are left to the junk rules (many cases say "Axial FLAIR"). */
const MIN_CHARS = 25;

/** Reasons per caption id, for every caption whose text is shared across cases or regions. */
export function duplicateReasons(captions: readonly CaptionPlacement[]): Map<string, SuspicionReason[]> {
  const byText = new Map<string, CaptionPlacement[]>();
  for (const c of captions) {
    const key = normaliseText(c.text);
    if (key.length < MIN_CHARS) continue;
    const list = byText.get(key);
    if (list) list.push(c);
    else byText.set(key, [c]);
  }
  const out = new Map<string, SuspicionReason[]>();
  for (const group of byText.values()) {
    if (group.length < 2) continue;
    const cases = new Set(group.map((c) => c.caseId));
    const regions = new Set(group.map((c) => regionGroup(c.dataset, c.locationCategory) ?? "unknown"));
    for (const c of group) {
      const reasons: SuspicionReason[] = [];
      if (regions.size > 1)
        reasons.push({
          code: "DUPLICATE_ACROSS_REGIONS",
          detail: `The same text captions ${group.length} images of ${regions.size} body regions (${[...regions].join(", ")}).`,
          strength: 0.6,
        });
      if (cases.size > 1)
        reasons.push({
          code: "DUPLICATE_ACROSS_CASES",
          detail: `The same text captions ${group.length} images of ${cases.size} different cases.`,
          strength: 0.45,
        });
      if (reasons.length) out.set(c.captionId, reasons);
    }
  }
  return out;
}
