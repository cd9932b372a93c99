// Where the folder of a model version lives. The database knows versions (name, version key,
// manifest hash), not paths, so a server that must serve whatever version is active looks among the
// model folders it can see: MEDCAP_MODEL_DIR and every folder beside it with a manifest.json (or
// under MEDCAP_MODELS_DIR). Only manifest.json is read here; loading verifies every file's hash.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseManifest, sha256 } from "../encoders/model.manifest.js";
import type { PrismaClient } from "@medcap/db";
import { registerModelVersion, versionKey } from "./model.registry.js";

export interface ModelFolderIdentity {
  dir: string;
  name: string;
  /** The version key as stored in ModelVersion.version (`<manifest version>+<hash prefix>`). */
  version: string;
  /** The manifest's own version string (what registerModelVersion takes). */
  manifestVersion: string;
  dim: number;
  manifestSha256: string;
}

/** Name, version key and dimension of a model folder from its manifest alone; undefined when it has none or it does not parse. */
export async function readModelIdentity(dir: string): Promise<ModelFolderIdentity | undefined> {
  try {
    const raw = await readFile(path.join(dir, "manifest.json"));
    const manifest = parseManifest(JSON.parse(raw.toString("utf8")));
    const manifestSha256 = sha256(raw);
    return {
      dir: path.resolve(dir),
      name: manifest.name,
      version: versionKey({ version: manifest.version, manifestSha256 }),
      manifestVersion: manifest.version,
      dim: manifest.embeddingDim,
      manifestSha256,
    };
  } catch {
    return undefined;
  }
}

/** The folders searched, in order: the configured model, then the subfolders of the models root. */
export async function listModelFolders(config: { modelDir: string; modelsDir: string }): Promise<ModelFolderIdentity[]> {
  const dirs = [config.modelDir];
  try {
    const entries = await readdir(config.modelsDir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name)))
      if (e.isDirectory()) dirs.push(path.join(config.modelsDir, e.name));
  } catch {
    // No models root: only the configured folder is known.
  }
  const seen = new Set<string>();
  const out: ModelFolderIdentity[] = [];
  for (const dir of dirs) {
    const id = await readModelIdentity(dir);
    if (id && !seen.has(id.dir)) {
      seen.add(id.dir);
      out.push(id);
    }
  }
  return out;
}

/** The folder holding exactly this version (same name and version key, hence the same manifest hash). */
export async function findModelFolder(
  config: { modelDir: string; modelsDir: string },
  version: { name: string; version: string },
): Promise<string | undefined> {
  const folders = await listModelFolders(config);
  return folders.find((f) => f.name === version.name && f.version === version.version)?.dir;
}

/** The folder of the active version when it can be found here (what servers answer with); undefined otherwise. */
export async function activeModelFolder(
  prisma: PrismaClient,
  config: { modelDir: string; modelsDir: string },
): Promise<string | undefined> {
  const active = await prisma.modelVersion.findFirst({ where: { active: true } });
  return active ? findModelFolder(config, active) : undefined;
}

/** Registers every visible model folder (never activating one), so each can be listed, indexed and activated. */
export async function registerModelFolders(prisma: PrismaClient, config: { modelDir: string; modelsDir: string }) {
  const folders = await listModelFolders(config);
  for (const f of folders) {
    try {
      await registerModelVersion(
        prisma,
        { name: f.name, version: f.manifestVersion, manifestSha256: f.manifestSha256, dim: f.dim },
        "never",
      );
    } catch {
      // A folder whose dimension clashes with stored vectors is refused when someone loads it.
    }
  }
  return folders;
}
