// Fetches the public MedPix 2.0 repository archive when no local copy is given.
// Cannot run offline; it fails with a message that says what to do instead.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { MedcapError } from "../core/errors.js";

/** `url` undefined = downloads are off (MEDCAP_MEDPIX_DOWNLOAD_URL=off). */
export async function downloadMedpix(dataDir: string, log: (m: string) => void, url: string | undefined): Promise<string> {
  const target = path.join(dataDir, "datasets", "medpix-2.0");
  if (existsSync(path.join(target, "MedPix-2-0", "Descriptions.json"))) return target;
  if (!url)
    throw new MedcapError(
      "BAD_USER_INPUT",
      "downloading MedPix 2.0 is turned off (MEDCAP_MEDPIX_DOWNLOAD_URL=off); pass a local copy: medcap import medpix <dir> or set MEDPIX_DIR",
    );
  log(`downloading MedPix 2.0 from ${url}`);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new MedcapError(
      "BAD_USER_INPUT",
      `cannot download MedPix 2.0 (${(err as Error).message}). Without network access, pass a local copy: medcap import medpix <dir> or set MEDPIX_DIR`,
    );
  }
  if (!response.ok) throw new MedcapError("BAD_USER_INPUT", `MedPix 2.0 download failed: HTTP ${response.status}`);
  await mkdir(target, { recursive: true });
  const archive = path.join(target, "archive.tar.gz");
  await writeFile(archive, Buffer.from(await response.arrayBuffer()));
  const tar = spawnSync("tar", ["-xzf", archive, "-C", target, "--strip-components=1"], { stdio: "inherit" });
  await rm(archive, { force: true });
  if (tar.status !== 0) throw new MedcapError("INTERNAL_SERVER_ERROR", "could not extract the MedPix 2.0 archive (is tar installed?)");
  return target;
}
