// Which model a server answers with (issue #18 item 8): the active version, whose folder is found
// among the visible model folders (model.catalog.ts). A server picks up an activation made by
// another process (the CLI, a second replica) by polling the active version every
// MEDCAP_MODEL_POLL_MS (default 5 s; a cheap primary-key read), and work on a version it does not
// serve (a REINDEX or EVALUATION job) runs on a temporary second copy of that version.
import { MedcapError } from "../core/errors.js";
import type { AppContext } from "../core/app.context.js";
import type { EncoderHooks } from "../encoders/encoder.service.js";
import { findModelFolder, readModelIdentity, registerModelFolders } from "../lifecycle/model.catalog.js";
import { findModelVersion } from "../lifecycle/model.registry.js";
import { openRetrieval, type Retrieval } from "./retrieval.composition.js";
import { ServedModel } from "../lifecycle/served.model.js";

/** The folder of a version, or CONFLICT saying where it was looked for. */
export async function versionFolder(ctx: AppContext, modelVersionId: string): Promise<string> {
  const row = await findModelVersion(ctx.db.prisma, modelVersionId);
  const dir = await findModelFolder(ctx.config, row);
  if (!dir)
    throw new MedcapError(
      "CONFLICT",
      `the folder of model version ${row.name} ${row.version} is not on this server (looked in ${ctx.config.modelDir} and under ${ctx.config.modelsDir}); copy it there or set MEDCAP_MODELS_DIR`,
      { modelVersionId },
    );
  return dir;
}

/** Opens a version by id; CONFLICT when its folder is unknown or does not load. */
export async function openVersion(
  ctx: AppContext,
  modelVersionId: string,
  options: Omit<Parameters<typeof openRetrieval>[1], "modelDir"> = {},
): Promise<Retrieval> {
  const dir = await versionFolder(ctx, modelVersionId);
  let r: Retrieval;
  try {
    r = await openRetrieval(ctx, { ...options, modelDir: dir });
  } catch (err) {
    throw new MedcapError("CONFLICT", `model folder ${dir} does not load: ${(err as Error).message}`, { modelVersionId }, { cause: err });
  }
  if (r.model.modelVersionId !== modelVersionId) {
    await r.close();
    throw new MedcapError("CONFLICT", `model folder ${dir} changed on disk and no longer holds version ${modelVersionId}`);
  }
  return r;
}

/** Runs fn on the served model when it is that version, else on a temporary copy of the version. */
export async function onVersion<T>(
  ctx: AppContext,
  served: ServedModel<Retrieval>,
  modelVersionId: string | undefined,
  fn: (r: Retrieval) => Promise<T>,
  options: { loadStore?: boolean } = {},
): Promise<T> {
  if (!modelVersionId || modelVersionId === served.current.model.modelVersionId) return served.use(fn);
  const r = await openVersion(ctx, modelVersionId, { loadStore: options.loadStore, syncStore: false });
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

/**
 * The model a starting server serves: the active version; the configured folder when none is active
 * (a first start: it becomes the active one). When the active version's folder is nowhere to be found
 * (the model was replaced on disk) it serves the configured model, indexes it as start-up work and
 * activates it once complete (`replacing`); /readyz is not ready until then.
 */
export async function openServedModel(
  ctx: AppContext,
  hooks: EncoderHooks,
): Promise<{ served: ServedModel<Retrieval>; replacing: boolean }> {
  await registerModelFolders(ctx.db.prisma, ctx.config);
  const active = await ctx.db.prisma.modelVersion.findFirst({ where: { active: true } });
  const configured = await readModelIdentity(ctx.config.modelDir);
  const activeDir = active ? await findModelFolder(ctx.config, active) : undefined;
  const replacing = Boolean(active && !activeDir);
  const initial = await openRetrieval(ctx, { modelDir: activeDir ?? ctx.config.modelDir, hooks, activateWhenIndexed: replacing });
  if (replacing && active)
    ctx.logger.warn(
      { active: `${active.name} ${active.version}`, configured: configured && `${configured.name} ${configured.version}` },
      "the active model version's folder is not here: serving the configured model, which becomes active once indexed",
    );
  else if (configured && active && (configured.name !== active.name || configured.version !== active.version))
    ctx.logger.warn(
      `serving the active version ${active.name} ${active.version}, not MEDCAP_MODEL_DIR (${configured.name} ${configured.version}); ` +
        "to switch, index it (reindex mutation or medcap index --model) and activate it (activateModelVersion or medcap model activate)",
    );
  const served = new ServedModel<Retrieval>(initial, {
    load: (id) => openVersion(ctx, id, { hooks }),
    activeVersionId: async () => (await ctx.db.prisma.modelVersion.findFirst({ where: { active: true }, select: { id: true } }))?.id,
    logger: ctx.logger,
  });
  return { served, replacing };
}
