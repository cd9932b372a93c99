// Builds the API and CLI into one ES module, `dist/medcap.js`, which production runs instead of
// TypeScript through tsx (no transpiler in the process, one file to load instead of hundreds).
//
// The bundle holds apps/api's sources and the @medcap/db workspace (TypeScript, generated Prisma
// client included); every npm package stays external and is loaded from node_modules as usual.
// Sources that find files relative to themselves (`import.meta.url`: the GraphQL SDL, the repo
// root, the migrations folder) keep doing so: each such use is rewritten to the source file's own
// URL, expressed relative to the bundle, so the bundle reads the very files the sources read and
// the checkout can still be moved.
//
// A stamp beside the bundle records a hash of every file that went into it; `ensureApiBuild()`
// rebuilds only when one changed, so every entry point (the medcap bin, npm start) can call it.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const apiRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = path.resolve(apiRoot, "..", "..");
const distDir = path.join(apiRoot, "dist");
export const bundlePath = path.join(distDir, "medcap.js");
const stampPath = path.join(distDir, "medcap.stamp.json");
/** Workspace sources bundled in; everything else that is not a relative import stays external. */
const BUNDLED = /^@medcap\/db(\/|$)/;
/** Files that shape the bundle without being part of it. */
const extraInputs = [
  "apps/api/scripts/build.mjs",
  "apps/api/package.json",
  "prisma/package.json",
  "apps/api/tsconfig.json",
  "tsconfig.base.json",
];

/** What the stamp keeps of one input: size and mtime to skip hashing when untouched, and the hash. */
function fingerprint(rel) {
  const file = path.join(repoRoot, rel);
  try {
    const { size, mtimeMs } = statSync(file);
    return { size, mtimeMs, sha256: createHash("sha256").update(readFileSync(file)).digest("base64url") };
  } catch {
    return null;
  }
}

function unchanged(rel, recorded) {
  if (!recorded) return false;
  try {
    const { size, mtimeMs } = statSync(path.join(repoRoot, rel));
    if (size === recorded.size && mtimeMs === recorded.mtimeMs) return true;
  } catch {
    return false;
  }
  // Touched (a checkout, a copy into an image): the content decides.
  return fingerprint(rel)?.sha256 === recorded.sha256;
}

/** True when the bundle exists and no file it was built from changed since. */
export function isBuildFresh() {
  if (!existsSync(bundlePath) || !existsSync(stampPath)) return false;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath, "utf8"));
  } catch {
    return false;
  }
  if (stamp.version !== 2 || typeof stamp.inputs !== "object") return false;
  return Object.entries(stamp.inputs).every(([rel, recorded]) => unchanged(rel, recorded));
}

/** esbuild plugin: npm packages external, `import.meta.url` of bundled sources pinned to the source file. */
const sourceLocation = {
  name: "medcap-source-location",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (BUNDLED.test(args.path)) return undefined;
      return { path: args.path, external: true };
    });
    build.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      let contents = await readFile(args.path, "utf8");
      if (contents.includes("import.meta.url")) {
        const rel = path.relative(distDir, args.path).split(path.sep).join("/");
        contents = contents.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      }
      return { contents, loader: "ts" };
    });
  },
};

/** Builds dist/medcap.js and its stamp; resolves with the bundle's path. */
export async function buildApi() {
  const esbuild = await import("esbuild");
  mkdirSync(distDir, { recursive: true });
  // Write beside the final names and rename: concurrent starts never load a half-written bundle.
  const tmp = path.join(distDir, `.medcap.${process.pid}.js`);
  const result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: [path.join(apiRoot, "src", "cli", "main.ts")],
    outfile: tmp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    tsconfig: path.join(apiRoot, "tsconfig.json"),
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    logLevel: "warning",
    plugins: [sourceLocation],
  });
  // The source map's name is the temporary file's; point the bundle at its final name.
  const code = readFileSync(tmp, "utf8").replace(/\/\/# sourceMappingURL=\S+\s*$/, "//# sourceMappingURL=medcap.js.map\n");
  writeFileSync(tmp, code);
  renameSync(`${tmp}.map`, `${bundlePath}.map`);
  renameSync(tmp, bundlePath);
  const inputs = {};
  for (const rel of [...Object.keys(result.metafile.inputs), ...extraInputs].sort()) inputs[rel] = fingerprint(rel);
  const stampTmp = `${stampPath}.${process.pid}`;
  writeFileSync(stampTmp, `${JSON.stringify({ version: 2, esbuild: esbuild.version, inputs }, null, 1)}\n`);
  renameSync(stampTmp, stampPath);
  return bundlePath;
}

/** The bundle's path, building it first when it is missing or out of date; true in `built` when it ran. */
export async function ensureApiBuild() {
  if (isBuildFresh()) return { path: bundlePath, built: false };
  return { path: await buildApi(), built: true };
}

export const bundleUrl = pathToFileURL(bundlePath).href;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  await buildApi();
  process.stderr.write(`built ${path.relative(process.cwd(), bundlePath)} in ${Math.round(performance.now() - t0)} ms\n`);
}
