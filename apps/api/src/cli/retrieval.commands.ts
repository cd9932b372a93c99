// index, caption, search, similar, info: the retrieval core from the command line.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { Split } from "@medcap/db";
import { loadConfig } from "../config/config.js";
import { type AppContext, openAppContext } from "../app/app.context.js";
import { MedcapError } from "../core/errors.js";
import { activeModelFolder } from "../lifecycle/model.catalog.js";
import { activateIndexedVersion } from "../lifecycle/model.registry.js";
import { type CommandServices, commandServices } from "../app/commands.composition.js";
import type { Retrieval } from "../search/retrieval.js";
import type { VerifyFindings, VerifyReport } from "../search/verify.service.js";
import type { ImageQuery } from "../search/search.types.js";
import type { SearchFilter } from "../vectors/vector.store.js";
import type { QdrantVectorStore } from "../vectors/qdrant.store.js";
import { addCaptioningOptions, type CaptioningFlags, captioningOverrides } from "./captioning.options.js";
import { progressBar } from "./progress.js";
import { providerReport, providerSummary } from "../gpu/provider.report.js";

/** The folder of the active version when it can be found here (what servers answer with), else MEDCAP_MODEL_DIR. */
const activeModelDir = (ctx: AppContext) => activeModelFolder(ctx.db.prisma, ctx.config);

/** `model`: a folder; default MEDCAP_MODEL_DIR, or with `active` the active version's folder. */
async function withRetrieval<T>(
  fn: (ctx: AppContext, r: Retrieval, services: CommandServices) => Promise<T>,
  opts: { model?: string; syncStore?: boolean; active?: boolean } = { active: true },
): Promise<T> {
  const ctx = await openAppContext(loadConfig());
  try {
    const modelDir = opts.model ?? (opts.active ? await activeModelDir(ctx) : undefined);
    const services = commandServices(ctx);
    const r = await services.openRetrieval({ modelDir, syncStore: opts.syncStore });
    try {
      return await fn(ctx, r, services);
    } finally {
      await r.close();
    }
  } finally {
    await ctx.close();
  }
}

const SPLITS: Record<string, Split> = { train: "TRAIN", dev: "DEV", test: "TEST" };
function splitFilter(split?: string): SearchFilter | undefined {
  if (!split) return undefined;
  const s = SPLITS[split.toLowerCase()];
  if (!s) throw new MedcapError("BAD_USER_INPUT", `unknown split "${split}" (expected train, dev or test)`);
  return { splits: [s] };
}

function parseK(value: string): number {
  const k = Number.parseInt(value, 10);
  if (!Number.isInteger(k) || k < 1 || k > 1000)
    throw new MedcapError("BAD_USER_INPUT", `--k must be an integer from 1 to 1000, got ${value}`);
  return k;
}

async function readQueryFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch {
    throw new MedcapError("BAD_USER_INPUT", `cannot read ${file}`);
  }
}

export function registerRetrievalCommands(program: Command) {
  program
    .command("index")
    .description(
      "encode every image and current caption not yet embedded for the model, store the vectors, fill the vector store (resumable)",
    )
    .option("--model <folder>", "model folder (default MEDCAP_MODEL_DIR or the committed model)")
    .option(
      "--activate",
      "then make this version the active one (what servers answer with); without it the active version is left alone, unless none is active yet",
    )
    .option("--json", "print the report as JSON")
    .action(async (opts: { model?: string; activate?: boolean; json?: boolean }) => {
      await withRetrieval(
        async (ctx, r) => {
          const bars = { store: progressBar("store   "), images: progressBar("images  "), captions: progressBar("captions") };
          const report = await r.indexer.indexAll(r.model, (p) => bars[p.phase].update(p.done, p.total));
          for (const bar of Object.values(bars)) bar.stop();
          if (opts.activate) await activateIndexedVersion(ctx.db.prisma, r.model.modelVersionId, "cli:index");
          const active = (await ctx.db.prisma.modelVersion.findUnique({ where: { id: r.model.modelVersionId } }))?.active ?? false;
          if (opts.json) process.stdout.write(`${JSON.stringify({ model: r.model, active, ...report })}\n`);
          else
            process.stdout.write(
              `${r.model.name} ${r.model.version}${active ? " (active)" : ""}: ${report.images} images (${report.imagesPerSecond.toFixed(1)} images/s), ${report.captions} captions (${report.captionsReused} reused), ${report.restored} restored from Postgres into ${r.store.name}, ${report.removed} stale removed in ${report.seconds.toFixed(1)} s\n`,
            );
        },
        // indexAll restores the store itself, with its own progress bar.
        { model: opts.model, syncStore: false },
      );
    });

  program
    .command("verify")
    .description(
      "check that every image and current caption has exactly one vector of its current content under the active model version, in Postgres and the vector store; exit 1 when not",
    )
    .option("--repair", "re-index exactly the missing, stale and extra vectors, then check again")
    .option("--json", "print the report as JSON")
    .action(async (opts: { repair?: boolean; json?: boolean }) => {
      await withRetrieval(
        async (_ctx, r, services) => {
          const verifier = services.verifier(r);
          const before = await verifier.verify(r.model);
          const after = opts.repair && before.problems > 0 ? await verifier.repair(r.model, before) : undefined;
          const final = after ?? before;
          if (opts.json) process.stdout.write(`${JSON.stringify(verifyJson(before, after))}\n`);
          else {
            process.stdout.write(verifyText(before));
            if (after) process.stdout.write(`after --repair:\n${verifyText(after)}`);
          }
          if (final.problems > 0) process.exitCode = 1;
        },
        // Observe the store as it is: opening must not rebuild it first.
        { active: true, syncStore: false },
      );
    });

  addCaptioningOptions(
    program
      .command("caption")
      .description("caption images by retrieval: the best distinct captions of the library, with scores and provenance")
      .argument("<files...>", "image files (PNG, JPEG, WebP, TIFF, DICOM)")
      .option("--k <n>", "captions per image", "5")
      .option("--split <split>", "restrict the library (captions and voting images) to one split (train, dev, test)"),
  )
    .option("--no-attribute-prior", "do not demote captions whose images contradict the query's predicted region or modality")
    .option(
      "--json",
      "one JSON line per file: {file, strategy, attributes, restriction, captions:[{text, score, similarity, vote, contradicts, imageIds, caseIds, supportingImages}]}",
    )
    .action(async (files: string[], opts: CaptioningFlags & { k: string; split?: string; json?: boolean; attributePrior: boolean }) => {
      const k = parseK(opts.k);
      const filter = splitFilter(opts.split);
      const overrides = captioningOverrides(opts);
      await withRetrieval(async (_ctx, r) => {
        const settings = r.search.captioningFor(overrides);
        for (const file of files) {
          const captions = await r.search.captionImage(
            { bytes: await readQueryFile(file) },
            { k, filter, ...settings, attributePrior: opts.attributePrior },
          );
          const restriction = captions[0]?.restriction ?? null;
          if (opts.json) {
            const out = captions.map((c) => ({
              text: c.text,
              score: round(c.score),
              similarity: round(c.similarity),
              vote: round(c.vote),
              contradicts: c.contradicts ?? [],
              imageIds: c.imageIds,
              caseIds: c.caseIds,
              supportingImages: c.supportingImages.map((s) => ({ ...s, similarity: round(s.similarity), weight: round(s.weight) })),
            }));
            const model = `${r.model.name} ${r.model.version}`;
            const attributes = captions[0]?.queryAttributes ?? null;
            process.stdout.write(
              `${JSON.stringify({ file, model, strategy: settings.strategy, attributes, restriction, captions: out })}\n`,
            );
          } else {
            const why = restriction ? `; ${restriction.summary}` : "";
            process.stdout.write(`${file}  (${settings.strategy}${why}; score · cosine · caption)\n`);
            for (const c of captions) {
              const demoted = c.contradicts?.length ? `  [demoted: contradicts ${c.contradicts.join(", ")}]` : "";
              process.stdout.write(`  ${c.score.toFixed(3)}  ${c.similarity.toFixed(3)}  ${c.text}${demoted}\n`);
            }
          }
        }
      });
    });

  program
    .command("classify")
    .description(
      "predict an image's modality, region (location category and anatomical group), plane and MR sequence / CT contrast with the model's attribute heads",
    )
    .argument("<files...>", "image files (PNG, JPEG, WebP, TIFF, DICOM), or ids of catalogue images")
    .option(
      "--json",
      "one JSON line per file: {file, model, attributes:[{attribute, label, probability, alternatives:[{label, probability}]}]}",
    )
    .action(async (files: string[], opts: { json?: boolean }) => {
      await withRetrieval(async (ctx, r) => {
        for (const file of files) {
          const exists = await ctx.db.prisma.image.findUnique({ where: { id: file }, select: { id: true } });
          const query: ImageQuery = exists ? { imageId: file } : { bytes: await readQueryFile(file) };
          const { attributes } = await r.search.classifyImage(query);
          if (opts.json) {
            const model = `${r.model.name} ${r.model.version}`;
            process.stdout.write(`${JSON.stringify({ file, model, attributes })}\n`);
            continue;
          }
          process.stdout.write(`${file}\n`);
          for (const a of attributes) {
            const others = a.alternatives
              .slice(1, 3)
              .map((o) => `${o.label} ${o.probability.toFixed(2)}`)
              .join(", ");
            process.stdout.write(
              `  ${a.attribute.padEnd(12)} ${a.label} (p = ${a.probability.toFixed(2)})${others ? `  · then ${others}` : ""}\n`,
            );
          }
        }
      });
    });

  program
    .command("search")
    .description("find images for a clinical phrase (text → images)")
    .argument("<text>", 'e.g. "axial CT of the liver"')
    .option("--k <n>", "number of images", "10")
    .option("--split <split>", "restrict to one split")
    .option("--json", "print JSON")
    .action(async (text: string, opts: { k: string; split?: string; json?: boolean }) => {
      const k = parseK(opts.k);
      await withRetrieval(async (ctx, r) => {
        const matches = await r.search.searchImages(text, { k, filter: splitFilter(opts.split) });
        await printImages(ctx, r, matches, Boolean(opts.json), { query: text });
      });
    });

  program
    .command("similar")
    .description("find visually similar images for an image file or a catalogue image id (image → images)")
    .argument("<fileOrImageId>", "an image file, or the id of an image already in the catalogue")
    .option("--k <n>", "number of images", "10")
    .option("--include-same-case", "also return images of the query's own case")
    .option("--no-attribute-prior", "do not demote images that contradict the query's predicted region or modality")
    .option("--json", "print JSON")
    .action(async (target: string, opts: { k: string; includeSameCase?: boolean; json?: boolean; attributePrior: boolean }) => {
      const k = parseK(opts.k);
      await withRetrieval(async (ctx, r) => {
        const exists = await ctx.db.prisma.image.findUnique({ where: { id: target }, select: { id: true } });
        const query: ImageQuery = exists ? { imageId: target } : { bytes: await readQueryFile(target) };
        const matches = await r.search.similarImages(query, {
          k,
          excludeSameCase: !opts.includeSameCase,
          attributePrior: opts.attributePrior,
        });
        await printImages(ctx, r, matches, Boolean(opts.json), { query: target });
      });
    });

  program
    .command("info")
    .description("show the model (the active version, as servers answer with it), execution provider, vector store and counts")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withRetrieval(async (ctx, r, services) => {
        const info = r.encoder.info();
        const stats = await services.catalogStats().stats();
        const qdrant = r.store.name === "qdrant" ? (r.store as QdrantVectorStore) : undefined;
        const out = {
          model: { name: info.name, version: r.model.version, dim: info.dim, folder: (await activeModelDir(ctx)) ?? ctx.config.modelDir },
          provider: info.provider,
          unavailableProviders: info.unavailableProviders,
          providers: providerReport(ctx.config.providers, info, ctx.config.gpuDir),
          vectorStore: r.store.name,
          vectors: {
            images: await r.store.count(r.model.modelVersionId, "IMAGE"),
            captions: await r.store.count(r.model.modelVersionId, "CAPTION"),
          },
          ...(qdrant
            ? {
                qdrant: {
                  url: qdrant.url,
                  urls: qdrant.urls,
                  ...(await qdrant.serverVersion()),
                  cluster: await qdrant.clusterHealth(r.model.modelVersionId),
                },
              }
            : {}),
          database: ctx.db.embedded ? "embedded" : "external",
          catalogue: { datasets: stats.datasets, cases: stats.cases, images: stats.images, captions: stats.captions },
        };
        if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
        else {
          process.stdout.write(`model      ${out.model.name} ${out.model.version} (${out.model.dim}-d) from ${out.model.folder}\n`);
          process.stdout.write(`provider   ${providerSummary(info)}\n`);
          for (const p of out.providers.providers)
            process.stdout.write(`  ${p.name.padEnd(9)}${p.status}${p.reason ? `: ${p.reason}` : ""}\n`);
          process.stdout.write(`store      ${out.vectorStore}: ${out.vectors.images} image and ${out.vectors.captions} caption vectors\n`);
          if (out.qdrant)
            process.stdout.write(
              `qdrant     ${out.qdrant.url}: server ${out.qdrant.server}, client ${out.qdrant.client} (${out.qdrant.compatible ? "compatible" : "INCOMPATIBLE"})\n`,
            );
          if (out.qdrant?.cluster.distributed) {
            const c = out.qdrant.cluster;
            process.stdout.write(
              `cluster    ${c.status}: ${c.peers.length} peers, ${c.shards.length} shards of ${c.collection ?? "(no collection)"}\n`,
            );
            for (const p of c.configured)
              process.stdout.write(`  ${p.url.padEnd(26)}${p.reachable ? `peer ${p.peerId ?? "?"}` : "does not answer"}\n`);
            for (const s of c.shards)
              process.stdout.write(
                `  shard ${String(s.id).padEnd(3)}${s.replicas.map((x) => `peer ${x.peerId} ${x.state}${x.peerReachable ? "" : " (lost)"}`).join(", ")}\n`,
              );
            for (const p of c.problems) process.stdout.write(`  ! ${p}\n`);
          }
          process.stdout.write(`database   ${out.database}: ${stats.cases} cases, ${stats.images} images, ${stats.captions} captions\n`);
        }
      });
    });
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

async function printImages(
  ctx: AppContext,
  r: Retrieval,
  matches: { imageId: string; caseId: string; score: number }[],
  json: boolean,
  extra: Record<string, string>,
) {
  const images = await ctx.db.prisma.image.findMany({
    where: { id: { in: matches.map((m) => m.imageId) } },
    select: {
      id: true,
      externalId: true,
      modality: true,
      plane: true,
      case: { select: { externalId: true, title: true } },
      captions: { where: { isCurrent: true }, select: { text: true } },
    },
  });
  const byId = new Map(images.map((i) => [i.id, i]));
  const rows = matches.map((m) => {
    const i = byId.get(m.imageId);
    return {
      imageId: m.imageId,
      caseId: m.caseId,
      score: round(m.score),
      externalId: i?.externalId,
      case: i?.case.externalId,
      title: i?.case.title,
      modality: i?.modality,
      plane: i?.plane,
      caption: i?.captions[0]?.text,
    };
  });
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...extra, model: `${r.model.name} ${r.model.version}`, images: rows })}\n`);
    return;
  }
  for (const row of rows)
    process.stdout.write(`  ${row.score.toFixed(3)}  ${row.externalId}  ${row.modality} ${row.plane ?? ""}  ${row.title ?? ""}\n`);
}

const counts = (f: VerifyFindings) => ({ missing: f.missing.length, stale: f.stale.length, extra: f.extra.length });

/** Counts per kind and place (ids only up to 20 per finding, enough to look one up). */
function verifyJson(before: VerifyReport, after?: VerifyReport) {
  const shape = (r: VerifyReport) => ({
    model: r.model,
    store: r.store,
    ok: r.problems === 0,
    problems: r.problems,
    kinds: Object.fromEntries(
      Object.entries(r.kinds).map(([kind, k]) => [
        kind,
        {
          expected: k.expected,
          postgres: { ...counts(k.postgres), ids: sample(k.postgres) },
          store: { ...counts(k.store), ids: sample(k.store) },
        },
      ]),
    ),
  });
  return after ? { ...shape(before), repaired: shape(after) } : shape(before);
}

function sample(f: VerifyFindings) {
  return { missing: f.missing.slice(0, 20), stale: f.stale.slice(0, 20), extra: f.extra.slice(0, 20) };
}

function verifyText(r: VerifyReport): string {
  const lines = [
    `${r.model.name} ${r.model.version} (${r.model.modelVersionId}), store ${r.store}: ${r.problems ? `${r.problems} problem(s)` : "ok"}`,
  ];
  for (const [kind, k] of Object.entries(r.kinds)) {
    for (const [place, f] of [
      ["postgres", k.postgres],
      [r.store, k.store],
    ] as const) {
      const c = counts(f);
      lines.push(
        `  ${kind.toLowerCase().padEnd(8)} ${place.padEnd(9)} expected ${k.expected}  missing ${c.missing}  stale ${c.stale}  extra ${c.extra}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
