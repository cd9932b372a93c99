// Content-addressed image files: the same bytes are stored once, under images/ab/cd/<sha256>.<ext>.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile, rm } from "node:fs/promises";
import path from "node:path";

export interface StoredImage {
  sha256: string;
  /** Relative to the store root, portable between machines and volumes. */
  storedPath: string;
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class ImageStore {
  constructor(readonly root: string) {}

  pathFor(sha256: string, ext: string): string {
    return path.posix.join(sha256.slice(0, 2), sha256.slice(2, 4), `${sha256}.${ext}`);
  }

  absolute(storedPath: string): string {
    const abs = path.resolve(this.root, storedPath);
    if (!abs.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`stored path escapes the image store: ${storedPath}`);
    return abs;
  }

  /** Writes atomically (temp file + rename) so a crash never leaves a half-written image in place. */
  async put(bytes: Uint8Array, ext: string): Promise<StoredImage> {
    const sha256 = sha256Hex(bytes);
    const storedPath = this.pathFor(sha256, ext);
    const target = this.absolute(storedPath);
    const existing = await stat(target).catch(() => undefined);
    if (existing?.size === bytes.byteLength) return { sha256, storedPath };
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { sha256, storedPath };
  }

  read(storedPath: string): Promise<Buffer> {
    return readFile(this.absolute(storedPath));
  }
}
