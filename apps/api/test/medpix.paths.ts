// Where tests find MedPix 2.0: MEDPIX_DIR, else the shared read-only copy beside the repository.
import { existsSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../src/config/config.js";

export const medpixDir = path.resolve(process.env.MEDPIX_DIR ?? path.join(repoRoot, "..", "shared", "data", "medpix-2.0"));

export function requireMedpix(): string {
  if (!existsSync(medpixDir)) throw new Error(`MedPix 2.0 not found at ${medpixDir}; set MEDPIX_DIR`);
  return medpixDir;
}
