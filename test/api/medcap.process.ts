// Runs the medcap CLI and server as separate processes, exactly as a user starts them.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const medpixDir = path.resolve(process.env.MEDPIX_DIR ?? path.join(repoRoot, "..", "shared", "data", "medpix-2.0"));
const bin = path.join(repoRoot, "node_modules", ".bin", "medcap");

export function medcap(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { env: { ...process.env, MEDCAP_LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export async function medcapJson<T>(args: string[], env: Record<string, string>): Promise<T> {
  const r = await medcap(args, env);
  if (r.code !== 0) throw new Error(`medcap ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Starts `medcap serve` on a free port and resolves once it prints its URL. */
export function serve(env: Record<string, string>): Promise<{ url: string; child: ChildProcess; logs: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["serve", "--port", "0"], {
      env: { ...process.env, MEDCAP_LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server did not start in 120 s:\n${out}`)), 120_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /ready at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1] as string, child, logs: () => out });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
}
