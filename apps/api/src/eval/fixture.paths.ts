import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (the folder holding apps/), found from this file so tests run from any cwd. */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** shared/ sits beside the repository, as DESIGN.md's `../shared/...` paths assume. */
export const SHARED_DIR = join(REPO_ROOT, "..", "shared");

export const CAPTION_METRICS_FIXTURE = join(SHARED_DIR, "fixtures", "caption-metrics.json");
