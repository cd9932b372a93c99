// `prisma generate` offline: the CLI insists on locating a native schema engine before it starts,
// although generate never runs it. Point it at a harmless executable unless one is configured.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const env = { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const candidate = ["/usr/bin/true", "/bin/true"].find((p) => existsSync(p));
  if (candidate) env.PRISMA_SCHEMA_ENGINE_BINARY = candidate;
}
const result = spawnSync("npx", ["--no-install", "prisma", "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
