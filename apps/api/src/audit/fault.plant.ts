// Planted faults for measuring the caption audit (issue #25): a copy of a dataset where known captions
// are made wrong in the ways real catalogues go wrong: captions swapped between images of different
// body regions, template junk, and captions of another modality. Pure and seeded, so a measurement
// reproduces exactly.
import { regionGroup } from "../core/anatomy.regions.js";
import { seededRandom } from "../core/seeded.random.js";
import type { DatasetReadResult, ImageRecord } from "../ingest/case.record.js";
import { normaliseText } from "./caption.duplicate.js";
import { junkReasons } from "./caption.junk.js";

export const FAULT_KINDS = ["SWAPPED_REGION", "JUNK", "OTHER_MODALITY"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface PlantedFault {
  /** The image (external id) whose caption was made wrong. */
  imageExternalId: string;
  kind: FaultKind;
  original: string;
  planted: string;
}

export interface PlantCounts {
  /** Pairs of images of different regions whose captions are exchanged (two faults each). */
  swappedPairs: number;
  junk: number;
  /** Captions exchanged between images of different modalities of one region (pairs, so an even number is used). */
  otherModality: number;
}

export const DEFAULT_PLANT: PlantCounts = { swappedPairs: 15, junk: 20, otherModality: 26 };

/** Junk as it occurs in the wild: template leftovers, figure numbers, type-of-picture labels, pointers, mojibake. */
const JUNK = [
  "Replace this - DESCRIPTION OF THE IMAGE OR FINDINGS.",
  "TBD",
  "see above",
  "Figure 2",
  "CT Image",
  "MRI images",
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
  "Image 3b",
  "Caption here",
  "Follow-up",
];

/** Mojibake of a real caption: UTF-8 read as Latin-1, the usual encoding accident. */
const mojibake = (text: string) => Buffer.from(text.replace(/ /g, " \u00e9"), "utf8").toString("latin1");

interface Slot {
  caseIndex: number;
  imageIndex: number;
  image: ImageRecord;
  group: string | null;
}

/**
 * A deep copy of `input` with faults planted in captions that the audit does not already find junk
 * (so every planted fault is new), and the list of what was planted.
 */
export function plantFaults(
  input: DatasetReadResult,
  counts: PlantCounts = DEFAULT_PLANT,
  seed = 13,
): { dataset: DatasetReadResult; faults: PlantedFault[] } {
  const random = seededRandom(seed);
  const dataset: DatasetReadResult = structuredClone(input);
  const slots: Slot[] = dataset.cases.flatMap((c, caseIndex) =>
    c.images.map((image, imageIndex) => ({
      caseIndex,
      imageIndex,
      image,
      group: regionGroup(dataset.dataset.name, image.locationCategory),
    })),
  );
  const shuffled = [...slots];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j] as Slot, shuffled[i] as Slot];
  }
  // Only captions whose text occurs once: a moved copy of a repeated text would be caught as a shared
  // text, which measures the planting, not the audit.
  const occurrences = new Map<string, number>();
  for (const s of slots) occurrences.set(normaliseText(s.image.caption), (occurrences.get(normaliseText(s.image.caption)) ?? 0) + 1);
  const used = new Set<string>();
  const usable = (s: Slot) =>
    !used.has(s.image.externalId) &&
    junkReasons(s.image.caption).length === 0 &&
    s.image.caption.length >= 25 &&
    occurrences.get(normaliseText(s.image.caption)) === 1;
  const faults: PlantedFault[] = [];
  const plant = (s: Slot, kind: FaultKind, text: string) => {
    faults.push({ imageExternalId: s.image.externalId, kind, original: s.image.caption, planted: text });
    used.add(s.image.externalId);
  };

  let pairs = 0;
  for (const a of shuffled) {
    if (pairs >= counts.swappedPairs) break;
    if (!usable(a) || !a.group) continue;
    const b = shuffled.find((s) => usable(s) && s !== a && s.group && s.group !== a.group && s.caseIndex !== a.caseIndex);
    if (!b) continue;
    const [ta, tb] = [a.image.caption, b.image.caption];
    plant(a, "SWAPPED_REGION", tb);
    plant(b, "SWAPPED_REGION", ta);
    pairs++;
  }
  let junk = 0;
  for (const s of shuffled) {
    if (junk >= counts.junk) break;
    if (!usable(s)) continue;
    const text = junk % (JUNK.length + 1) === JUNK.length ? mojibake(s.image.caption) : (JUNK[junk % (JUNK.length + 1)] as string);
    plant(s, "JUNK", text);
    junk++;
  }
  let other = 0;
  for (const a of shuffled) {
    if (other + 2 > counts.otherModality) break;
    if (!usable(a)) continue;
    // Exchanged with an image of another modality of the same region, so the modality is what is wrong.
    const b = shuffled.find(
      (s) => usable(s) && s !== a && s.image.modality !== a.image.modality && s.group === a.group && s.caseIndex !== a.caseIndex,
    );
    if (!b) continue;
    const [ta, tb] = [a.image.caption, b.image.caption];
    plant(a, "OTHER_MODALITY", tb);
    plant(b, "OTHER_MODALITY", ta);
    other += 2;
  }
  const byImage = new Map(faults.map((f) => [f.imageExternalId, f.planted]));
  for (const s of slots) {
    const text = byImage.get(s.image.externalId);
    if (text !== undefined) s.image.caption = text;
  }
  return { dataset, faults };
}

export interface FaultRecall {
  kind: FaultKind | "ALL";
  planted: number;
  /** Planted faults among the first k suspicions, per k. */
  found: Record<string, number>;
  recall: Record<string, number>;
}

/**
 * Recall of the planted faults within the first k suspicions (per kind and overall) and precision of the
 * first k, given the ranked image external ids of the suspicions.
 */
export function measurePlanted(
  ranked: readonly string[],
  faults: readonly PlantedFault[],
  ks: readonly number[],
): { recall: FaultRecall[]; precision: Record<string, number> } {
  const kindOf = new Map(faults.map((f) => [f.imageExternalId, f.kind]));
  const recall: FaultRecall[] = (["ALL", ...FAULT_KINDS] as const).map((kind) => {
    const planted = faults.filter((f) => kind === "ALL" || f.kind === kind).length;
    const found: Record<string, number> = {};
    const share: Record<string, number> = {};
    for (const k of ks) {
      found[k] = ranked.slice(0, k).filter((id) => kindOf.has(id) && (kind === "ALL" || kindOf.get(id) === kind)).length;
      share[k] = planted ? (found[k] as number) / planted : 0;
    }
    return { kind, planted, found, recall: share };
  });
  const precision: Record<string, number> = {};
  for (const k of ks) {
    const top = ranked.slice(0, k);
    precision[k] = top.length ? top.filter((id) => kindOf.has(id)).length / top.length : 0;
  }
  return { recall, precision };
}
