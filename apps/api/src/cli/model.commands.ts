// medcap model list | activate: which model versions exist, how complete their index is, and the
// explicit switch of the active version (the only CLI path that changes it, besides `index --activate`).
// Running servers on the same database follow an activation within MEDCAP_MODEL_POLL_MS.
import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../config/config.js";
import { type AppContext, openAppContext } from "../app/app.context.js";
import { MedcapError } from "../core/errors.js";
import { findModelFolder, readModelIdentity, registerModelFolders } from "../lifecycle/model.catalog.js";
import { activateIndexedVersion, indexGap, registerModelVersion } from "../lifecycle/model.registry.js";

async function withContext<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await openAppContext(loadConfig());
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/** A version id, or a model folder (registered on the way when it is new). */
async function resolveVersion(ctx: AppContext, target: string): Promise<string> {
  if (existsSync(path.join(target, "manifest.json"))) {
    const id = await readModelIdentity(target);
    if (!id) throw new MedcapError("BAD_USER_INPUT", `${target} has no valid manifest.json`);
    const ref = await registerModelVersion(
      ctx.db.prisma,
      { name: id.name, version: id.manifestVersion, manifestSha256: id.manifestSha256, dim: id.dim },
      "never",
    );
    return ref.modelVersionId;
  }
  const row = await ctx.db.prisma.modelVersion.findUnique({ where: { id: target } });
  if (!row) throw new MedcapError("NOT_FOUND", `no model version ${target} and no model folder there (see: medcap model list)`);
  return row.id;
}

export function registerModelCommands(program: Command) {
  const model = program.command("model").description("list model versions and switch the active one (the one servers answer with)");

  model
    .command("list")
    .description("every known model version (and every model folder beside MEDCAP_MODEL_DIR): active flag, folder, what is left to index")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withContext(async (ctx) => {
        await registerModelFolders(ctx.db.prisma, ctx.config);
        const rows = await ctx.db.prisma.modelVersion.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
        const out = [];
        for (const r of rows) {
          const gap = await indexGap(ctx.db.prisma, r.id);
          out.push({
            id: r.id,
            name: r.name,
            version: r.version,
            active: r.active,
            folder: (await findModelFolder(ctx.config, r)) ?? null,
            missing: gap,
          });
        }
        if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
        else
          for (const v of out)
            process.stdout.write(
              `${v.active ? "*" : " "} ${v.id}  ${v.name} ${v.version}  ${v.missing.images} images / ${v.missing.captions} captions left to index  ${v.folder ?? "(folder not found)"}\n`,
            );
      });
    });

  model
    .command("activate")
    .description(
      "make a model version the active one; refused while images or captions lack vectors under it (run medcap index --model <folder> first)",
    )
    .argument("<versionIdOrFolder>", "a model version id (medcap model list) or a model folder")
    .option("--json", "print the activated version as JSON")
    .action(async (target: string, opts: { json?: boolean }) => {
      await withContext(async (ctx) => {
        const id = await resolveVersion(ctx, target);
        const row = await ctx.db.prisma.modelVersion.findUniqueOrThrow({ where: { id } });
        // Servers load the version from its folder: refuse one nobody here could serve.
        if (!(await findModelFolder(ctx.config, row)))
          throw new MedcapError(
            "CONFLICT",
            `the folder of ${row.name} ${row.version} is not in ${ctx.config.modelDir} or under ${ctx.config.modelsDir}; servers could not load it`,
          );
        const after = await activateIndexedVersion(ctx.db.prisma, id, "cli");
        const out = { id: after.id, name: after.name, version: after.version, active: after.active };
        if (opts.json) process.stdout.write(`${JSON.stringify(out)}\n`);
        else process.stdout.write(`active: ${out.name} ${out.version} (${out.id}); running servers switch within MEDCAP_MODEL_POLL_MS\n`);
      });
    });
}
