import type { Command } from "commander";
import { loadConfig } from "../config/config.js";
import { openAppContext } from "../app/app.context.js";
import { commandServices } from "../app/commands.composition.js";
import type { DatasetReadResult } from "../ingest/case.record.js";
import type { ImportReport } from "../ingest/import.service.js";
import { readJsonl } from "../ingest/jsonl.reader.js";
import { downloadMedpix } from "../ingest/medpix.download.js";
import { readMedpix } from "../ingest/medpix.reader.js";
import { progressBar } from "./progress.js";

async function runImport(read: (dataDir: string) => Promise<DatasetReadResult>, opts: { strict?: boolean; json?: boolean }) {
  const config = loadConfig();
  const ctx = await openAppContext(config);
  try {
    const input = await read(config.dataDir);
    const validate = progressBar("validating");
    const write = progressBar("importing ");
    const service = commandServices(ctx).importer();
    const report = await service.importDataset(input, {
      strict: opts.strict,
      actor: "cli",
      maxPixels: config.limits.maxPixels,
      onProgress: (e) => (e.phase === "validate" ? validate : write).update(e.done, e.total),
    });
    validate.stop();
    write.stop();
    printReport(report, Boolean(opts.json));
  } finally {
    await ctx.close();
  }
}

function printReport(report: ImportReport, json: boolean) {
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const { imported, alreadyPresent, invalid } = report.cases;
  process.stdout.write(
    `${report.dataset}: ${imported} case(s) imported (${report.images} images), ${alreadyPresent} already present, ${invalid} invalid\n`,
  );
  for (const p of report.problems) process.stdout.write(`  skipped ${p.id}: ${p.reason}\n`);
}

export function registerImportCommands(program: Command) {
  const cmd = program.command("import").description("import a dataset into the catalogue (idempotent, one transaction per case)");
  cmd
    .command("medpix")
    .description(
      "import MedPix 2.0 from a local copy of its repository layout; without <dir> uses MEDPIX_DIR, else downloads the public archive",
    )
    .argument("[dir]", "folder holding Descriptions.json, Case_topic.json, images/, splitted_dataset/ (or its parent)")
    .option("--strict", "fail before writing anything if any record is invalid")
    .option("--json", "print the import report as JSON")
    .action(async (dir: string | undefined, opts: { strict?: boolean; json?: boolean }) => {
      const config = loadConfig();
      const medpixDir = dir ?? config.medpixDir;
      const log = (m: string) => process.stderr.write(`${m}\n`);
      await runImport(async (dataDir) => readMedpix(medpixDir ?? (await downloadMedpix(dataDir, log, config.medpixDownloadUrl))), opts);
    });
  cmd
    .command("jsonl")
    .description(
      'import a generic JSON-lines dataset: one {"image","caption",...} object per line, image paths relative to the file (see docs/datasets.md)',
    )
    .argument("<file>", "the .jsonl file")
    .option("--dataset <name>", "dataset name (default: the file name)")
    .option("--source <text>", "where the data comes from")
    .option("--licence <text>", "licence of the data")
    .option("--split <split>", "split for lines without one (train, dev, test)", "train")
    .option("--strict", "fail before writing anything if any record is invalid")
    .option("--json", "print the import report as JSON")
    .action(
      async (
        file: string,
        opts: { dataset?: string; source?: string; licence?: string; split: string; strict?: boolean; json?: boolean },
      ) => {
        const name = opts.dataset ?? file.replace(/^.*[\\/]/, "").replace(/\.jsonl?$/i, "");
        await runImport(
          () => readJsonl(file, { dataset: name, source: opts.source, licence: opts.licence, defaultSplit: opts.split }),
          opts,
        );
      },
    );
}
