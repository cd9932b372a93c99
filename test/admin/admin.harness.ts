// Starts what the admin's browser tests need, for real: the medcap API on embedded Postgres with a
// small MedPix subset imported and indexed, API keys for each role, the built admin (`next start`)
// pointed at that API, and Debian's Chromium driven by playwright-core.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort } from "@medcap/db";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

const run = promisify(execFile);

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const medcapBin = path.join(repoRoot, "apps/api/bin/medcap.mjs");
export const adminDir = path.join(repoRoot, "apps/admin");
// MEDPIX_DIR (as CI sets it) names the dataset folder; its files sit in MedPix-2-0/ inside it.
const medpixRoot = path.resolve(process.env.MEDPIX_DIR ?? path.join(repoRoot, "../shared/data/medpix-2.0"));
export const medpixDir = existsSync(path.join(medpixRoot, "Descriptions.json")) ? medpixRoot : path.join(medpixRoot, "MedPix-2-0");
export const artifactsDir = path.join(repoRoot, "test-results", "admin");
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export type RoleName = "viewer" | "annotator" | "curator" | "admin";

export interface Stack {
  apiUrl: string;
  adminUrl: string;
  keys: Record<RoleName, string>;
  /** A case of the subset, with its first image, for tests that need a known target. */
  sample: { externalId: string; title: string; imagePath: string; caption: string };
  browser: Browser;
  stop(): Promise<void>;
}

interface Description {
  Type: string;
  U_id: string;
  image: string;
  Description: Record<string, string | null>;
  Location?: string | null;
  "Location Category"?: string | null;
}
interface Topic {
  U_id: string;
  MRI?: string[];
  Case: Record<string, string | null>;
  Topic: Record<string, string | null>;
}

/**
 * Writes a small jsonl dataset (the documented generic format) from real MedPix records:
 * `cases` cases, two of them in the dev split, so the browser tests start in seconds.
 */
export function writeMedpixSubset(dir: string, cases = 12): { file: string; sample: Stack["sample"] } {
  const descriptions = JSON.parse(readFileSync(path.join(medpixDir, "Descriptions.json"), "utf8")) as Description[];
  const topics = JSON.parse(readFileSync(path.join(medpixDir, "Case_topic.json"), "utf8")) as Topic[];
  // The first cases of the file, half with MR images, so both modalities show up.
  const withMr = topics.filter((t) => t.MRI?.length);
  const ctOnly = topics.filter((t) => !t.MRI?.length);
  const chosen = [...ctOnly.slice(0, Math.ceil(cases / 2)), ...withMr.slice(0, Math.floor(cases / 2))];
  const lines: string[] = [];
  chosen.forEach((t, i) => {
    for (const d of descriptions.filter((x) => x.U_id === t.U_id)) {
      lines.push(
        JSON.stringify({
          id: d.image,
          image: path.join(medpixDir, "images", `${d.image}.png`),
          caption: d.Description.Caption,
          case: t.U_id,
          split: i >= cases - 2 ? "dev" : "train",
          modality: d.Type,
          modalityDetail: d.Description.Modality,
          plane: d.Description.Plane,
          location: d.Location,
          locationCategory: d["Location Category"],
          age: d.Description.Age,
          sex: d.Description.Sex,
          acrCodes: d.Description["ACR Codes"],
          title: t.Case.Title,
          history: t.Case.History,
          findings: t.Case.Findings,
          diagnosis: t.Case["Case Diagnosis"],
        }),
      );
    }
  });
  const file = path.join(dir, "medpix-subset.jsonl");
  writeFileSync(file, `${lines.join("\n")}\n`);
  const first = chosen[0] as Topic;
  const firstImage = descriptions.find((x) => x.U_id === first.U_id) as Description;
  return {
    file,
    sample: {
      externalId: first.U_id,
      title: first.Case.Title ?? first.U_id,
      imagePath: path.join(medpixDir, "images", `${firstImage.image}.png`),
      caption: firstImage.Description.Caption ?? "",
    },
  };
}

async function medcap(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await run(process.execPath, [medcapBin, ...args], { env, cwd: repoRoot, maxBuffer: 16 << 20, timeout: 240_000 });
  return stdout;
}

/** A plain GraphQL call, for setup and for checking what the API itself allows. */
export async function graphql<T>(url: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    const e = body.errors[0] as { message: string; extensions?: { code?: string } };
    throw Object.assign(new Error(e.message), { code: e.extensions?.code });
  }
  return body.data as T;
}

function waitForHttp(url: string, child: ChildProcess, what: string, timeoutMs: number, logs: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let exited = false;
    child.once("exit", (code) => {
      exited = true;
      reject(new Error(`${what} exited with ${code} before it was ready:\n${logs()}`));
    });
    const poll = async () => {
      if (exited) return;
      try {
        const res = await fetch(url);
        if (res.status < 500) return resolve();
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) return reject(new Error(`${what} not ready at ${url} after ${timeoutMs} ms:\n${logs()}`));
      setTimeout(poll, 250);
    };
    void poll();
  });
}

function stopChild(child: ChildProcess | undefined, timeoutMs = 15_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Everything up, in order; whatever started is stopped again if a later step fails. */
/** Newest modification time under a folder (the admin's sources), to tell whether its build is stale. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Tests must drive the admin as it is now: build it when there is no build or the sources are newer. */
async function ensureAdminBuilt(): Promise<void> {
  const buildId = path.join(adminDir, ".next", "BUILD_ID");
  const sources = Math.max(newestMtime(path.join(adminDir, "src")), statSync(path.join(adminDir, "next.config.ts")).mtimeMs);
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= sources) return;
  const nextBin = path.join(repoRoot, "node_modules", "next", "dist", "bin", "next");
  await run(process.execPath, [nextBin, "build"], {
    cwd: adminDir,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    maxBuffer: 64 << 20,
    timeout: 300_000,
  });
}

export async function startStack(): Promise<Stack> {
  if (!existsSync(chromiumPath))
    throw new Error(`Chromium not found at ${chromiumPath}: apt-get install -y chromium (never playwright install)`);
  await ensureAdminBuilt();
  const tmp = mkdtempSync(path.join(os.tmpdir(), "medcap-admin-e2e-"));
  // Run as root, embedded Postgres runs as the postgres user, which must reach its data folder.
  chmodSync(tmp, 0o755);
  const dataDir = path.join(tmp, "data");
  mkdirSync(dataDir, { mode: 0o755 });
  mkdirSync(artifactsDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MEDCAP_DATA_DIR: dataDir,
    MEDCAP_LOG_LEVEL: "warn",
    MEDCAP_RATE_LIMIT_PER_MIN: "0",
    INIT_CWD: repoRoot,
    DATABASE_URL: "",
    MEDCAP_VECTOR_STORE: "embedded",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const children: ChildProcess[] = [];
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    for (const c of children.reverse()) await stopChild(c);
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const { file, sample } = writeMedpixSubset(tmp);
    await medcap(["import", "jsonl", file, "--dataset", "medpix-subset", "--json"], env);
    await medcap(["index", "--json"], env);
    // The first key comes from the CLI, as in the README; the others through the API with it.
    const created = await medcap(["keys", "create", "--role", "admin", "--label", "e2e admin", "--json"], env);
    const keys = { admin: (JSON.parse(created.trim().split("\n").at(-1) as string) as { secret: string }).secret } as Record<
      RoleName,
      string
    >;

    const apiPort = await freePort();
    let apiLog = "";
    const api = spawn(process.execPath, [medcapBin, "serve", "--port", String(apiPort), "--host", "127.0.0.1"], {
      env,
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(api);
    api.stdout?.on("data", (d) => (apiLog += d));
    api.stderr?.on("data", (d) => (apiLog += d));
    const apiOrigin = `http://127.0.0.1:${apiPort}`;
    // Ready, not just alive: the API listens at once and answers 503 on /readyz while it starts.
    await waitForHttp(`${apiOrigin}/readyz`, api, "medcap serve", 180_000, () => apiLog);
    for (const role of ["viewer", "annotator", "curator"] as const) {
      const body = await graphql<{ createApiKey: { secret: string } }>(
        `${apiOrigin}/graphql`,
        keys.admin,
        "mutation($label: String!, $role: Role!) { createApiKey(label: $label, role: $role) { secret } }",
        { label: `e2e ${role}`, role: role.toUpperCase() },
      );
      keys[role] = body.createApiKey.secret;
    }

    const adminPort = await freePort();
    let adminLog = "";
    const nextBin = path.join(repoRoot, "node_modules", "next", "dist", "bin", "next");
    const admin = spawn(process.execPath, [nextBin, "start", "-p", String(adminPort), "-H", "127.0.0.1"], {
      env: { ...env, API_URL: `${apiOrigin}/graphql`, PORT: String(adminPort) },
      cwd: adminDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(admin);
    admin.stdout?.on("data", (d) => (adminLog += d));
    admin.stderr?.on("data", (d) => (adminLog += d));
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    await waitForHttp(`${adminUrl}/login`, admin, "next start", 60_000, () => adminLog);

    // launch() gives Chromium a fresh temporary --user-data-dir of its own (and refuses one in args).
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    return { apiUrl: `${apiOrigin}/graphql`, adminUrl, keys, sample, browser, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function newPage(stack: Stack): Promise<{ context: BrowserContext; page: Page }> {
  const context = await stack.browser.newContext({ baseURL: stack.adminUrl, viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return { context, page };
}

/**
 * Runs `fn` on a fresh page in its own browser context. When it fails, a `FAILED-<name>` screenshot
 * (by default the test's name) is saved before the error goes on; the context is closed either way.
 */
export async function withPage<T>(
  stack: Stack,
  fn: (page: Page, context: BrowserContext) => Promise<T>,
  name: string = expect.getState().currentTestName ?? "test",
): Promise<T> {
  const { context, page } = await newPage(stack);
  try {
    return await fn(page, context);
  } catch (err) {
    await screenshot(page, `FAILED-${name}`).catch(() => undefined);
    throw err;
  } finally {
    await context.close();
  }
}

/** Signs in through the login form, as a person would. */
export async function login(page: Page, key: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  // Lazy images load only when scrolled to; load them all so the artifact shows the page as seen.
  // (A string expression: this workspace type-checks without the DOM library.)
  await page.evaluate(`(async () => {
    window.scrollTo(0, 0);
    for (const img of document.images) img.loading = "eager";
    const pending = Array.from(document.images).filter((img) => !img.complete);
    await Promise.all(pending.map((img) => new Promise((done) => {
      img.addEventListener("load", done, { once: true });
      img.addEventListener("error", done, { once: true });
    })));
  })()`);
  const file = path.join(artifactsDir, `${name.replace(/[^\w.-]+/g, "-").slice(0, 80)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
