// Reading the files an import names (a dataset's images, a jsonl file): only regular files, with
// errors that say what the path really is. A jsonl `image` that was /dev/zero or a FIFO hung the
// import (readFile never ends on either); a symlink loop or a directory was reported as "missing".
import { constants, type Stats } from "node:fs";
import { open } from "node:fs/promises";
import { MedcapError } from "../core/errors.js";

/** What a failed open or read of a path means, worded to follow "<path> is …" (ENOENT, ELOOP, EISDIR …). */
export function fileErrorReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ENOENT":
      return "missing";
    case "ELOOP":
      return "a loop of symbolic links";
    case "EISDIR":
      return "a directory, not a file";
    case "EACCES":
    case "EPERM":
      return "not readable (permission denied)";
    case "ENOTDIR":
      return "not reachable (a part of its path is not a directory)";
    default:
      return `unreadable (${err.code ? `${err.code}: ` : ""}${err.message})`;
  }
}

/** Why a path that exists is not a regular file. */
export function notRegularFile(info: Stats): string {
  if (info.isDirectory()) return "a directory, not a file";
  if (info.isFIFO()) return "a named pipe (FIFO), not a regular file";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device, not a regular file";
  if (info.isSocket()) return "a socket, not a regular file";
  return "not a regular file";
}

/**
 * The bytes of a regular file. The file is opened non-blocking (opening a FIFO without a writer would
 * wait forever) and checked with fstat on the same handle before anything is read.
 */
export async function readRegularFile(file: string, what = "image"): Promise<Buffer> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw new MedcapError(
      "BAD_USER_INPUT",
      err.code === "ENOENT" ? `${what} file missing: ${file}` : `${what} file ${file} is ${fileErrorReason(err)}`,
      {
        path: file,
      },
    );
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new MedcapError("BAD_USER_INPUT", `${what} file ${file} is ${notRegularFile(info)}`, { path: file });
    return await handle.readFile();
  } catch (err) {
    if (err instanceof MedcapError) throw err;
    throw new MedcapError("BAD_USER_INPUT", `${what} file ${file} is ${fileErrorReason(err as NodeJS.ErrnoException)}`, {
      path: file,
    });
  } finally {
    await handle.close();
  }
}
