// `medcap gpu install`: the CUDA execution provider from the package registries alone.
//
// onnxruntime-node's own CUDA route (ONNXRUNTIME_NODE_INSTALL=cuda12) downloads from a NuGet feed that
// air-gapped and registry-only networks cannot reach. The same provider libraries ship in PyPI's
// onnxruntime-gpu wheel of the same ORT version, and NVIDIA publishes the CUDA user-space libraries as
// wheels too. pip downloads them (hash-pinned, for a fixed platform tag, so the local Python's own
// version does not matter); a small Python zipfile step unpacks only the shared libraries.
import { existsSync } from "node:fs";
import { copyFile, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { MedcapError } from "../core/errors.js";
import {
  CUDA_MAJOR,
  CUDA_PROVIDER_LIB,
  cudaLibDir,
  gpuHome,
  onnxruntimeNode,
  ortBinDir,
  PROVIDER_LIBS,
  type PinnedWheel,
  REQUIREMENTS_FILE,
  readPinnedWheels,
} from "./gpu.paths.js";
import { lddMissing } from "./gpu.runtime.js";
import { downloadWheels, type FetchedWheel, run, sha256File, tail, type WheelOptions } from "./gpu.wheels.js";

export interface GpuInstallOptions extends WheelOptions {
  /** MEDCAP_GPU_DIR: the CUDA libraries go to <gpuDir>/cuda13/lib. */
  gpuDir: string;
  requirementsFile?: string;
}

export interface InstalledFile {
  file: string;
  bytes: number;
}

export interface GpuInstallReport {
  status: "installed" | "already installed";
  onnxruntime: string;
  cuda: number;
  wheels: FetchedWheel[];
  providerDir: string;
  providers: InstalledFile[];
  libDir: string;
  libs: InstalledFile[];
  /** Libraries `ldd` of the CUDA provider cannot find after the install (libcuda.so.1 without a driver). */
  lddMissing: string[] | null;
  seconds: number;
}

interface InstallRecord {
  requirementsSha256: string;
  onnxruntime: string;
  providerDir: string;
  providers: InstalledFile[];
  libs: InstalledFile[];
  wheels: GpuInstallReport["wheels"];
}

const EXTRACT_PY = `
import json, os, re, shutil, sys, zipfile
for job in json.loads(sys.argv[1]):
    os.makedirs(job["dest"], exist_ok=True)
    with zipfile.ZipFile(job["wheel"]) as z:
        for info in z.infolist():
            if not re.fullmatch(job["pattern"], info.filename):
                continue
            target = os.path.join(job["dest"], os.path.basename(info.filename))
            with z.open(info) as src, open(target + ".part", "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            os.chmod(target + ".part", 0o755)
            os.replace(target + ".part", target)
            print(json.dumps({"file": os.path.basename(target), "bytes": info.file_size}), flush=True)
`;

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export class GpuInstaller {
  private readonly requirementsFile: string;

  constructor(private readonly opts: GpuInstallOptions) {
    this.requirementsFile = opts.requirementsFile ?? REQUIREMENTS_FILE;
  }

  /** The pinned wheels, after checking that onnxruntime-gpu is exactly onnxruntime-node's version. */
  pinned(): PinnedWheel[] {
    const wheels = readPinnedWheels(this.requirementsFile);
    const ortGpu = wheels.find((w) => w.name === "onnxruntime-gpu");
    const ortNode = onnxruntimeNode().version;
    if (!ortGpu) throw new MedcapError("INTERNAL_SERVER_ERROR", `${this.requirementsFile} pins no onnxruntime-gpu wheel`);
    if (ortGpu.version !== ortNode) {
      throw new MedcapError(
        "VERSION_MISMATCH",
        `onnxruntime-node is ${ortNode} but ${path.basename(this.requirementsFile)} pins onnxruntime-gpu ${ortGpu.version}: ` +
          "the provider libraries must come from the same ONNX Runtime release. Pin onnxruntime-gpu==" +
          `${ortNode} there (pip download it, then pip hash it).`,
        { onnxruntimeNode: ortNode, onnxruntimeGpu: ortGpu.version },
      );
    }
    return wheels;
  }

  async install(): Promise<GpuInstallReport> {
    const started = performance.now();
    const { log } = this.opts;
    const wheels = this.pinned();
    const requirementsSha256 = await sha256File(this.requirementsFile);
    const providerDir = ortBinDir();
    const libDir = cudaLibDir(this.opts.gpuDir);
    const ortVersion = onnxruntimeNode().version;

    const record = await this.readRecord();
    if (
      record &&
      record.requirementsSha256 === requirementsSha256 &&
      record.providerDir === providerDir &&
      (await this.intact(record, libDir))
    ) {
      log(`already installed: onnxruntime-gpu ${ortVersion} providers in ${providerDir}, CUDA ${CUDA_MAJOR} libraries in ${libDir}`);
      return this.report("already installed", record, libDir, started);
    }

    await this.checkPip();
    const files = await downloadWheels(wheels, this.opts);

    // Unpack into staging folders first, so a failure leaves any earlier install as it was.
    const home = gpuHome(this.opts.gpuDir);
    const staging = path.join(home, "staging");
    await rm(staging, { recursive: true, force: true });
    const jobs = files.map(({ wheel, file }) =>
      wheel.name === "onnxruntime-gpu"
        ? {
            wheel: file,
            pattern: `onnxruntime/capi/(${PROVIDER_LIBS.map((l) => l.replace(/\./g, "\\.")).join("|")})`,
            dest: path.join(staging, "providers"),
          }
        : { wheel: file, pattern: "nvidia/[^/]+/lib/[^/]+\\.so[.0-9]*", dest: path.join(staging, "lib") },
    );
    log(`unpacking the shared libraries of ${jobs.length} wheels`);
    const out = await run(this.opts.python, ["-c", EXTRACT_PY, JSON.stringify(jobs)], {});
    if (out.code !== 0) throw new MedcapError("INTERNAL_SERVER_ERROR", `unpacking the wheels failed:\n${tail(out.stderr)}`);
    const unpacked = out.stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as InstalledFile);
    const providers = unpacked.filter((f) => (PROVIDER_LIBS as readonly string[]).includes(f.file));
    const libs = unpacked.filter((f) => !providers.includes(f)).sort((a, b) => a.file.localeCompare(b.file));
    if (providers.length !== PROVIDER_LIBS.length) {
      throw new MedcapError("MODEL_MISMATCH", `the onnxruntime-gpu wheel lacks ${PROVIDER_LIBS.join(" or ")}`);
    }

    await rm(libDir, { recursive: true, force: true });
    await rename(path.join(staging, "lib"), libDir);
    for (const p of providers) {
      // Copy then rename inside the target folder: node_modules may sit on another file system.
      const target = path.join(providerDir, p.file);
      await copyFile(path.join(staging, "providers", p.file), `${target}.part`);
      await rename(`${target}.part`, target);
    }
    await rm(staging, { recursive: true, force: true });
    const next: InstallRecord = {
      requirementsSha256,
      onnxruntime: ortVersion,
      providerDir,
      providers,
      libs,
      wheels: files.map((f) => f.report),
    };
    await writeFile(path.join(home, "installed.json"), `${JSON.stringify(next, null, 2)}\n`);
    for (const p of providers) log(`provider  ${path.join(providerDir, p.file)} (${MB(p.bytes)})`);
    log(`cuda libs ${libs.length} files in ${libDir} (${MB(libs.reduce((s, f) => s + f.bytes, 0))})`);
    return this.report("installed", next, libDir, started);
  }

  /** Removes the provider libraries from onnxruntime-node and the CUDA libraries; keeps the wheel cache. */
  async remove(): Promise<{ removed: string[] }> {
    const removed: string[] = [];
    const providerDir = ortBinDir();
    for (const lib of PROVIDER_LIBS) {
      const file = path.join(providerDir, lib);
      if (existsSync(file)) {
        await rm(file, { force: true });
        removed.push(file);
      }
    }
    const home = gpuHome(this.opts.gpuDir);
    if (existsSync(home)) {
      await rm(home, { recursive: true, force: true });
      removed.push(home);
    }
    return { removed };
  }

  private async report(
    status: GpuInstallReport["status"],
    record: InstallRecord,
    libDir: string,
    started: number,
  ): Promise<GpuInstallReport> {
    const missing = lddMissing(path.join(record.providerDir, CUDA_PROVIDER_LIB), libDir);
    return {
      status,
      onnxruntime: record.onnxruntime,
      cuda: CUDA_MAJOR,
      wheels: record.wheels,
      providerDir: record.providerDir,
      providers: record.providers,
      libDir,
      libs: record.libs,
      lddMissing: missing,
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  }

  private async readRecord(): Promise<InstallRecord | undefined> {
    try {
      return JSON.parse(await readFile(path.join(gpuHome(this.opts.gpuDir), "installed.json"), "utf8")) as InstallRecord;
    } catch {
      return undefined;
    }
  }

  /** Every recorded file is still there with its size (npm ci replaces node_modules, and with it the providers). */
  private async intact(record: InstallRecord, libDir: string): Promise<boolean> {
    const files = [
      ...record.providers.map((f) => ({ ...f, file: path.join(record.providerDir, f.file) })),
      ...record.libs.map((f) => ({ ...f, file: path.join(libDir, f.file) })),
    ];
    for (const f of files) {
      const s = await stat(f.file).catch(() => undefined);
      if (!s || s.size !== f.bytes) return false;
    }
    return files.length > 0;
  }

  private async checkPip(): Promise<void> {
    const { python } = this.opts;
    let out: Awaited<ReturnType<typeof run>>;
    try {
      out = await run(python, ["-m", "pip", "--version"], {});
    } catch {
      throw new MedcapError(
        "PREREQUISITE_MISSING",
        `${python} was not found; \`medcap gpu install\` downloads with pip (e.g. apt-get install python3-pip, or pass --python <path>)`,
      );
    }
    if (out.code !== 0) {
      throw new MedcapError(
        "PREREQUISITE_MISSING",
        `${python} has no pip (${tail(out.stderr, 1)}); install it (e.g. apt-get install python3-pip) or pass --python <path>`,
      );
    }
  }
}
