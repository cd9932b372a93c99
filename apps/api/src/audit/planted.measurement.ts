// The planted-fault measurement (issue #25, docs/caption-audit.md): import a copy of MedPix with planted
// faults into an empty catalogue, index it with the model, audit it, and report recall within the first
// k suspicions and precision, per fault kind and per reason.
import type { AppContext } from "../core/app.context.js";
import { MedcapError } from "../core/errors.js";
import type { ImportService } from "../ingest/import.service.js";
import { readMedpix } from "../ingest/medpix.reader.js";
import type { Retrieval } from "../search/retrieval.js";
import type { AuditRunReport, CaptionAuditService } from "./caption.audit.service.js";
import { DEFAULT_PLANT, type FaultRecall, measurePlanted, type PlantCounts, type PlantedFault, plantFaults } from "./fault.plant.js";

export interface PlantedMeasurement {
  captions: number;
  planted: number;
  counts: PlantCounts;
  seed: number;
  ks: number[];
  recall: FaultRecall[];
  precision: Record<string, number>;
  /** Share of the first k that are planted faults or the library's own junk captions. */
  precisionWithLibraryJunk: Record<string, number>;
  /** Per planted fault kind: how often each reason code fired on its faults. */
  reasonsByKind: Record<string, Record<string, number>>;
  audit: AuditRunReport;
  faults: (PlantedFault & { rank: number | null })[];
}

/** The services the measurement drives; the composition root builds them (app/commands.composition.ts). */
export interface PlantedMeasurementServices {
  importer: Pick<ImportService, "importDataset">;
  /** The audit service running with the measured model (auditModelOf the same retrieval core). */
  audit: Pick<CaptionAuditService, "run" | "list">;
}

export async function measurePlantedFaults(
  ctx: AppContext,
  services: PlantedMeasurementServices,
  r: Retrieval,
  options: {
    medpixDir: string;
    seed: number;
    ks: number[];
    counts?: PlantCounts;
    onPhase?: (phase: "import" | "index" | "audit", done: number, total: number) => void;
  },
): Promise<PlantedMeasurement> {
  if ((await ctx.db.prisma.case.count()) > 0)
    throw new MedcapError("BAD_USER_INPUT", "the catalogue is not empty: run the planted-fault measurement on a fresh MEDCAP_DATA_DIR");
  const read = await readMedpix(options.medpixDir);
  const counts = options.counts ?? DEFAULT_PLANT;
  const { dataset, faults } = plantFaults(read, counts, options.seed);
  await services.importer.importDataset(dataset, {
    actor: "cli:audit-plant",
    maxPixels: ctx.config.limits.maxPixels,
    onProgress: (e) => options.onPhase?.("import", e.done, e.total),
  });
  await r.indexer.indexAll(r.model, (p) => options.onPhase?.("index", p.done, p.total));
  const { audit } = services;
  const report = await audit.run({ force: true, onProgress: (p) => options.onPhase?.("audit", p.done, p.total) });
  const ranked = (await audit.list({})).map((s) => ({ externalId: s.images[0]?.externalId ?? "", reasons: s.reasons.map((x) => x.code) }));
  const order = ranked.map((s) => s.externalId);
  const rankOf = new Map(order.map((id, i) => [id, i + 1]));
  const reasonsOf = new Map(ranked.map((s) => [s.externalId, s.reasons]));
  const reasonsByKind: Record<string, Record<string, number>> = {};
  for (const f of faults) {
    const tally = (reasonsByKind[f.kind] ??= {});
    for (const code of reasonsOf.get(f.imageExternalId) ?? []) tally[code] = (tally[code] ?? 0) + 1;
  }
  const { recall, precision } = measurePlanted(order, faults, options.ks);
  // The untouched library has its own junk ("Replace this - …", "CT image 4"), ranked high too: precision
  // counting those as right answers says what an annotator meets in the first k.
  const planted = new Set(faults.map((f) => f.imageExternalId));
  const junk = new Set<string>(["PLACEHOLDER", "FIGURE_NUMBER", "NO_CLINICAL_CONTENT", "TOO_SHORT", "ENCODING_GARBAGE"]);
  const precisionWithLibraryJunk: Record<string, number> = {};
  for (const k of options.ks) {
    const top = ranked.slice(0, k);
    precisionWithLibraryJunk[k] = top.length
      ? top.filter((s) => planted.has(s.externalId) || s.reasons.some((c) => junk.has(c))).length / top.length
      : 0;
  }
  return {
    captions: report.captions,
    planted: faults.length,
    counts,
    seed: options.seed,
    ks: options.ks,
    recall,
    precision,
    precisionWithLibraryJunk,
    reasonsByKind,
    audit: report,
    faults: faults.map((f) => ({ ...f, rank: rankOf.get(f.imageExternalId) ?? null })),
  };
}
