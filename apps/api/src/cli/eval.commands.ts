// medcap eval and medcap score.
import type { Command } from "commander";
import type { Split } from "@medcap/db";
import { loadConfig } from "../config/config.js";
import { openAppContext } from "../app/app.context.js";
import { commandServices } from "../app/commands.composition.js";
import { MedcapError } from "../core/errors.js";
import { PROTOCOLS, type Protocol } from "../eval/eval.protocols.js";
import { readAnatomyAgreement } from "../eval/anatomy.agreement.js";
import { runScoreCommand } from "./score.command.js";
import { readMedpix } from "../ingest/medpix.reader.js";
import { activeModelFolder } from "../lifecycle/model.catalog.js";
import { addCaptioningOptions, type CaptioningFlags, captioningOverrides } from "./captioning.options.js";
import { progressBar } from "./progress.js";

const SPLITS: Record<string, Split> = { train: "TRAIN", dev: "DEV", test: "TEST" };

function flatten(obj: Record<string, unknown>, prefix = ""): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? flatten(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

/** The anatomy agreement block: each figure on one line with its random floor and how many queries count. */
function anatomyLines(metrics: Record<string, unknown>): string[] {
  const anatomy = readAnatomyAgreement(metrics);
  if (!anatomy) return [];
  const num = (v: number | null) => (v === null ? "—" : v.toFixed(4));
  const lines = [`  anatomy agreement: ${anatomy.basis}`];
  for (const [scope, figures] of [
    ["top1", anatomy.top1],
    ["allOfTop5", anatomy.allOfTop5],
  ] as const) {
    for (const [attribute, f] of Object.entries(figures ?? {}))
      lines.push(`  ${`anatomy.${scope}.${attribute}`.padEnd(34)} ${num(f.value)}  (random floor ${num(f.floor)}, n ${f.n})`);
  }
  return lines;
}

export function registerEvalCommands(program: Command) {
  addCaptioningOptions(
    program
      .command("eval")
      .description(
        "evaluate the model with a named protocol (retrieval, caption-library, seed-template) and store the run; retrieval and caption-library also report anatomy agreement",
      )
      .requiredOption("--protocol <protocol>", `one of ${PROTOCOLS.join(", ")}`)
      .requiredOption("--split <split>", "split to evaluate: dev, test or train (tune on dev only)")
      .option("--dataset-dir <dir>", "import this MedPix 2.0 copy first (idempotent); the evaluation covers that dataset")
      .option("--dataset <name>", "restrict to one dataset by name")
      .option("--model <folder>", "model folder (default: the active version's folder, as servers answer with it; else MEDCAP_MODEL_DIR)"),
    "caption-library: ",
  )
    .option("--seed <n>", "seed for random baselines and bootstrap intervals", "13")
    .option(
      "--no-attribute-prior",
      "without the attribute prior (models with attribute heads apply it by default, as captionImage and similarImages do)",
    )
    .option("--json", "print the full result, with every item's prediction and references")
    .addHelpText(
      "after",
      `
Anatomy agreement (retrieval, caption-library; metrics.anatomy in --json, docs/results.md "Anatomy agreement"):
the share of query images whose retrieved image has the query's region (raw Location Category, and
grouped: MedPix Abdomen + Reproductive/Urinary = one region), modality and plane, each beside its
exact random floor and the number n of queries with that attribute known.
  caption-library  anatomy.top1.*       the top-1 caption's first provenance image
                   anatomy.allOfTop5.*  the first provenance images of all top-5 captions (floor: p^5)
  retrieval        anatomy.top1.*       the nearest other image of the split (image → image)`,
    )
    .action(
      async (
        opts: CaptioningFlags & {
          protocol: string;
          split: string;
          datasetDir?: string;
          dataset?: string;
          model?: string;
          seed: string;
          json?: boolean;
          attributePrior: boolean;
        },
      ) => {
        if (!PROTOCOLS.includes(opts.protocol as Protocol))
          throw new MedcapError("BAD_USER_INPUT", `unknown protocol "${opts.protocol}" (expected ${PROTOCOLS.join(", ")})`);
        const split = SPLITS[opts.split.toLowerCase()];
        if (!split) throw new MedcapError("BAD_USER_INPUT", `unknown split "${opts.split}" (expected train, dev or test)`);
        const captioning = captioningOverrides(opts);
        const ctx = await openAppContext(loadConfig());
        const services = commandServices(ctx);
        try {
          let dataset = opts.dataset;
          if (opts.datasetDir) {
            const read = await readMedpix(opts.datasetDir);
            await services.importer().importDataset(read, { actor: "cli:eval" });
            dataset ??= read.dataset.name;
          }
          const r = await services.openRetrieval({ modelDir: opts.model ?? (await activeModelFolder(ctx.db.prisma, ctx.config)) });
          try {
            const bar = progressBar(opts.protocol);
            const result = await services.evaluation(r).run({
              protocol: opts.protocol as Protocol,
              split,
              dataset,
              ...captioning,
              seed: Number(opts.seed),
              attributePrior: opts.attributePrior,
              onProgress: (f) => bar.update(Math.round(f * 100), 100),
            });
            bar.stop();
            if (opts.json) {
              process.stdout.write(`${JSON.stringify(result)}\n`);
              return;
            }
            process.stdout.write(
              `${result.protocol} on ${opts.split} · ${result.model.name} ${result.model.version} · run ${result.runId}\n`,
            );
            const { anatomy: _, ...rest } = result.metrics;
            for (const [k, v] of flatten(rest))
              process.stdout.write(`  ${k.padEnd(34)} ${typeof v === "number" ? v.toFixed(4) : String(v)}\n`);
            for (const line of anatomyLines(result.metrics)) process.stdout.write(`${line}\n`);
          } finally {
            await r.close();
          }
        } finally {
          await ctx.close();
        }
      },
    );

  program
    .command("score")
    .description(
      'score candidate captions against references with coco-caption metrics; input: JSON array of {"id","candidate","references":[…]}',
    )
    .argument("<file>", "the JSON file")
    .option("--json", "print one JSON object with BLEU_1…BLEU_4, METEOR, ROUGE_L, CIDEr")
    .option("--pretokenized", "texts are already tokenised and lowercased: split on whitespace, skip the PTB step")
    .option(
      "--meteor-paraphrase-table <file>",
      "Meteor 1.5 paraphrase table (paraphrase-en.gz, e.g. from pycocoevalcap) for METEOR's paraphrase module; without it METEOR reads slightly low",
    )
    .action(async (file: string, opts: { json?: boolean; pretokenized?: boolean; meteorParaphraseTable?: string }) => {
      await runScoreCommand(
        file,
        {
          json: Boolean(opts.json),
          tokenize: !opts.pretokenized,
          ...(opts.meteorParaphraseTable ? { meteorParaphraseTable: opts.meteorParaphraseTable } : {}),
        },
        process.stdout,
      );
    });
}
