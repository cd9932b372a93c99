// medcap audit captions: the caption audit from the command line (issue #25).
import type { Command } from "commander";
import type { Split } from "@medcap/db";
import type { AuditRunReport, CaptionAuditService, SuspicionView } from "../audit/caption.audit.service.js";
import { isReasonCode } from "../audit/suspicion.reason.js";
import { loadConfig } from "../config/config.js";
import { type AppContext, openAppContext } from "../app/app.context.js";
import { commandServices } from "../app/commands.composition.js";
import { MedcapError } from "../core/errors.js";
import { activeModelFolder } from "../lifecycle/model.catalog.js";
import { progressBar } from "./progress.js";

const SPLITS: Record<string, Split> = { train: "TRAIN", dev: "DEV", test: "TEST" };

export function parseSplit(split: string | undefined): Split | undefined {
  if (!split) return undefined;
  const s = SPLITS[split.toLowerCase()];
  if (!s) throw new MedcapError("BAD_USER_INPUT", `unknown split "${split}" (expected train, dev or test)`);
  return s;
}

function parseNumber(value: string | undefined, what: string, min: number, max: number, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new MedcapError("BAD_USER_INPUT", `${what} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}, got ${value}`);
  return n;
}

export interface AuditCommandOptions {
  dataset?: string;
  split?: Split;
  /** Use the served model (vectors, attribute heads); false: text and metadata rules only. */
  model: boolean;
  modelDir?: string;
  force?: boolean;
  quiet?: boolean;
}

/** Runs the audit (changed captions only unless `force`) with a progress bar, with the active model unless told not to. */
export async function runAudit(ctx: AppContext, opts: AuditCommandOptions): Promise<AuditRunReport> {
  const bar = opts.quiet ? undefined : progressBar("auditing");
  const run = (service: CaptionAuditService) =>
    service.run({ dataset: opts.dataset, split: opts.split, force: opts.force, onProgress: (p) => bar?.update(p.done, p.total) });
  const services = commandServices(ctx);
  try {
    if (!opts.model) return await run(services.captionAudit());
    const r = await services.openRetrieval({ modelDir: opts.modelDir ?? (await activeModelFolder(ctx.db.prisma, ctx.config)) });
    try {
      return await run(services.captionAudit(services.auditModelOf(r)));
    } finally {
      await r.close();
    }
  } finally {
    bar?.stop();
  }
}

const jsonOf = (s: SuspicionView) => ({
  captionId: s.captionId,
  text: s.text,
  score: s.score,
  reasons: s.reasons.map((r) => ({ code: r.code, detail: r.detail })),
  images: s.images,
});

export function registerAuditCommands(program: Command) {
  const audit = program.command("audit").description("audits of the catalogue");
  audit
    .command("captions")
    .description(
      "rank every current caption by how likely it is wrong (junk text, contradictions with the image's metadata, the model's disagreement, shared texts), most suspicious first; re-checks only captions whose text, image or model changed",
    )
    .option("--json", "print [{captionId, text, score, reasons: [{code, detail}], images: [{id, externalId, case}]}]")
    .option("--limit <n>", "print at most n suspicions", "50")
    .option("--dataset <name>", "audit and list one dataset only")
    .option("--split <split>", "audit and list one split only (train, dev, test)")
    .option("--min-score <x>", "list suspicions scoring at least x (0..1)")
    .option("--reason <code>", "list suspicions with this reason code only")
    .option("--model <folder>", "model folder (default: the active version's folder)")
    .option("--no-model", "text and metadata rules only (no vectors, no attribute heads)")
    .option("--force", "re-check every caption, not only what changed")
    .action(
      async (opts: {
        json?: boolean;
        limit: string;
        dataset?: string;
        split?: string;
        minScore?: string;
        reason?: string;
        model: boolean | string;
        force?: boolean;
      }) => {
        const limit = parseNumber(opts.limit, "--limit", 1, 1_000_000, true);
        const minScore = parseNumber(opts.minScore, "--min-score", 0, 1);
        const split = parseSplit(opts.split);
        if (opts.reason && !isReasonCode(opts.reason)) throw new MedcapError("BAD_USER_INPUT", `unknown reason code "${opts.reason}"`);
        const ctx = await openAppContext(loadConfig());
        try {
          const report = await runAudit(ctx, {
            dataset: opts.dataset,
            split,
            model: opts.model !== false,
            modelDir: typeof opts.model === "string" ? opts.model : undefined,
            force: opts.force,
          });
          const service = commandServices(ctx).captionAudit();
          const list = await service.list({
            dataset: opts.dataset,
            split,
            minScore,
            reason: opts.reason && isReasonCode(opts.reason) ? opts.reason : undefined,
            limit,
          });
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(list.map(jsonOf))}\n`);
            return;
          }
          process.stderr.write(
            `audited ${report.captions} captions (${report.checked} checked, ${report.reused} unchanged) in ${report.seconds.toFixed(1)} s${report.modelVersionId ? "" : " without a model"}: ${report.suspicious} suspicious\n`,
          );
          for (const s of list) {
            const where = s.images.map((i) => `${i.case}/${i.externalId}`).join(", ");
            process.stdout.write(`${s.score.toFixed(3)}  ${where}  “${s.text.replace(/\s+/g, " ").slice(0, 100)}”\n`);
            for (const r of s.reasons) process.stdout.write(`       ${r.code}: ${r.detail}\n`);
          }
        } finally {
          await ctx.close();
        }
      },
    );

  audit
    .command("plant")
    .description(
      "measure the audit: import MedPix 2.0 (train + dev) with planted faults (swapped captions across regions, junk, another modality's captions) into this EMPTY data folder, index it, audit it and report recall within the first k suspicions and precision",
    )
    .requiredOption("--medpix <dir>", "a MedPix 2.0 copy")
    .option("--seed <n>", "seed of the planting", "13")
    .option("--k <list>", "cut-offs, comma-separated", "50,100,150,200")
    .option("--swapped-pairs <n>", "pairs of images of different regions whose captions are exchanged", "15")
    .option("--junk <n>", "captions replaced by junk", "20")
    .option("--other-modality <n>", "captions exchanged between images of different modalities of one region (pairs)", "26")
    .option("--model <folder>", "model folder (default MEDCAP_MODEL_DIR or the committed model)")
    .option("--json", "print the whole measurement, every planted fault with its rank")
    .action(
      async (opts: {
        medpix: string;
        seed: string;
        k: string;
        swappedPairs: string;
        junk: string;
        otherModality: string;
        model?: string;
        json?: boolean;
      }) => {
        const ks = opts.k.split(",").map((k) => parseNumber(k.trim(), "--k", 1, 1_000_000, true) as number);
        const counts = {
          swappedPairs: parseNumber(opts.swappedPairs, "--swapped-pairs", 0, 10_000, true) as number,
          junk: parseNumber(opts.junk, "--junk", 0, 10_000, true) as number,
          otherModality: parseNumber(opts.otherModality, "--other-modality", 0, 10_000, true) as number,
        };
        const seed = parseNumber(opts.seed, "--seed", 0, 2 ** 31, true) as number;
        const ctx = await openAppContext(loadConfig());
        try {
          const services = commandServices(ctx);
          const r = await services.openRetrieval({ modelDir: opts.model });
          const bars = { import: progressBar("importing"), index: progressBar("indexing "), audit: progressBar("auditing ") };
          try {
            const m = await services.measurePlantedFaults(r, {
              medpixDir: opts.medpix,
              seed,
              ks,
              counts,
              onPhase: (phase, done, total) => bars[phase].update(done, total),
            });
            for (const bar of Object.values(bars)) bar.stop();
            if (opts.json) {
              process.stdout.write(`${JSON.stringify(m)}\n`);
              return;
            }
            const pct = (x: number | undefined) => `${(100 * (x ?? 0)).toFixed(1)}%`;
            process.stdout.write(
              `${m.planted} planted faults in ${m.captions} captions (seed ${m.seed}); audit ${m.audit.seconds.toFixed(1)} s, ${m.audit.suspicious} suspicions\n`,
            );
            process.stdout.write(`| fault kind | planted | ${ks.map((k) => `recall@${k}`).join(" | ")} |\n`);
            process.stdout.write(`| --- | --- | ${ks.map(() => "---").join(" | ")} |\n`);
            for (const r of m.recall)
              process.stdout.write(`| ${r.kind} | ${r.planted} | ${ks.map((k) => `${pct(r.recall[k])} (${r.found[k]})`).join(" | ")} |\n`);
            process.stdout.write(`| precision (planted among first k) | | ${ks.map((k) => pct(m.precision[k])).join(" | ")} |\n`);
            process.stdout.write(
              `| precision (planted or the library's own junk) | | ${ks.map((k) => pct(m.precisionWithLibraryJunk[k])).join(" | ")} |\n`,
            );
            for (const [kind, tally] of Object.entries(m.reasonsByKind))
              process.stdout.write(
                `${kind}: ${Object.entries(tally)
                  .sort((a, b) => b[1] - a[1])
                  .map(([c, n]) => `${c} ${n}`)
                  .join(", ")}\n`,
              );
          } finally {
            await r.close();
          }
        } finally {
          await ctx.close();
        }
      },
    );
}
