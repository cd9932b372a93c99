// Vitest global setup: one Qdrant server for the whole run, so the Qdrant halves of the vector-store
// contract, the index/search services and the end-to-end path run in `npm test` without a CI step.
// QDRANT_URL already set → that server is used and nothing is started. No binary → every Qdrant
// suite is skipped with this reason in its name, and the reason is printed here, loudly.
import type { TestProject } from "vitest/node";
import { qdrantBinary, type RunningQdrant, startQdrant } from "./qdrant.server.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the Qdrant server under test; empty when there is none. */
    qdrantUrl: string;
    /** Why the Qdrant suites are skipped; empty when they run. */
    qdrantSkipReason: string;
  }
}

export default async function setup(project: TestProject) {
  const external = process.env.QDRANT_URL;
  if (external) {
    project.provide("qdrantUrl", external);
    project.provide("qdrantSkipReason", "");
    return;
  }
  const bin = qdrantBinary();
  if (!bin.found) {
    const reason = `no Qdrant binary at ${bin.path} (set MEDCAP_QDRANT_BIN or QDRANT_URL)`;
    process.stdout.write(`\n::warning:: QDRANT TESTS SKIPPED: ${reason}\n\n`);
    project.provide("qdrantUrl", "");
    project.provide("qdrantSkipReason", reason);
    // Again at the end, beside the summary, where a reader of CI's log looks.
    return () => {
      process.stdout.write(`\n::warning:: QDRANT TESTS SKIPPED: ${reason}\n`);
    };
  }
  const server: RunningQdrant = await startQdrant({ binary: bin.path });
  process.stdout.write(`qdrant: ${bin.path} serving ${server.url} (pid ${server.pid}) for this test run\n`);
  project.provide("qdrantUrl", server.url);
  project.provide("qdrantSkipReason", "");
  return async () => {
    await server.stop();
  };
}
