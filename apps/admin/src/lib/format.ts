// Display formatting shared by pages: dates, scores, metric names.

const dateFmt = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const dayFmt = new Intl.DateTimeFormat("en-GB", { day: "2-digit", month: "short", timeZone: "UTC" });

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${dateFmt.format(d)} UTC`;
}

export function formatDay(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dayFmt.format(d);
}

export function formatScore(score: number): string {
  return score.toFixed(3);
}

export function formatCount(n: number | null | undefined): string {
  return n == null ? "—" : n.toLocaleString("en-US");
}

export function formatMetric(value: number | null | undefined): string {
  if (value == null || Number.isNaN(value)) return "—";
  return Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(3);
}

export function humanize(value: string | null | undefined): string {
  if (!value) return "—";
  return value
    .toLowerCase()
    .split("_")
    .map((w, i) => (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w))
    .join(" ");
}

export const FLAG_REASONS = ["WRONG_FINDING", "WRONG_MODALITY", "WRONG_ANATOMY", "NOT_A_CAPTION", "PHI", "OTHER"] as const;
export const SPLITS = ["TRAIN", "DEV", "TEST"] as const;
export const MODALITIES = ["CT", "MR", "XR", "US", "OTHER"] as const;
/** Common MedPix values; the filters accept any text, these only feed the suggestions. */
export const PLANES = [
  "Axial",
  "Coronal",
  "Sagittal",
  "Transverse",
  "Lateral",
  "Frontal",
  "AP",
  "PA",
  "3D Reconstruction",
  "Multiple or Montage",
];
export const LOCATION_CATEGORIES = ["Head", "Spine and Muscles", "Thorax", "Abdomen", "Reproductive and Urinary System"];
