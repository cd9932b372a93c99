// GraphQL multipart requests (https://github.com/jaydenseric/graphql-multipart-request-spec) parsed
// into memory. graphql-upload's own parser buffers every file to `os.tmpdir()/capacitor-*.tmp`, and
// an upload is often a DICOM carrying PatientName/PatientID: a process killed mid-upload left those
// bytes on disk, never removed. Files here are at most maxFileSize (the upload cap) and maxFiles per
// request, so holding them in memory costs no more than the base64 path already does, and nothing
// identifying ever reaches a disk.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import busboy from "busboy";
import type { FileUpload } from "graphql-upload/processRequest.mjs";
import Upload from "graphql-upload/Upload.mjs";

const SPEC = "https://github.com/jaydenseric/graphql-multipart-request-spec";

export interface MemoryUploadOptions {
  maxFieldSize?: number;
  maxFileSize?: number;
  maxFiles?: number;
}

/** An http-errors-shaped error: the error handler and classifyError map 4xx `status` to BAD_USER_INPUT. */
function httpError(status: number, message: string): Error & { status: number; expose: boolean } {
  return Object.assign(new Error(message), { status, expose: true });
}

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Sets `operations[path]` (dot-separated, e.g. `variables.files.0`) to `value`; false when the path does not exist. */
function setPath(root: unknown, path: string, value: unknown): boolean {
  const keys = path.split(".");
  let node = root as Record<string, unknown> | unknown[];
  for (const [i, key] of keys.entries()) {
    if (FORBIDDEN_KEYS.has(key) || typeof node !== "object" || node === null) return false;
    if (i === keys.length - 1) {
      if (!(key in node)) return false;
      (node as Record<string, unknown>)[key] = value;
      return true;
    }
    node = (node as Record<string, unknown>)[key] as Record<string, unknown>;
  }
  return false;
}

/** Drop-in for graphql-upload's processRequest (the `processRequest` option of graphqlUploadExpress). */
export function processRequestInMemory(
  request: IncomingMessage,
  response: ServerResponse,
  { maxFieldSize = 1_000_000, maxFileSize = Number.POSITIVE_INFINITY, maxFiles = Number.POSITIVE_INFINITY }: MemoryUploadOptions = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let operations: unknown;
    let map: Map<string, Upload> | undefined;
    let exited: Error | undefined;
    const parser = busboy({
      headers: request.headers,
      defParamCharset: "utf8",
      limits: { fieldSize: maxFieldSize, fields: 2, fileSize: maxFileSize, files: maxFiles },
    });

    const exit = (error: Error) => {
      if (exited) return;
      exited = error;
      if (map) for (const upload of map.values()) if (!upload.file) upload.reject(error);
      request.unpipe(parser);
      parser.destroy();
      setImmediate(() => request.resume());
      reject(error);
    };

    parser.on("field", (name, value, { valueTruncated }) => {
      if (valueTruncated) return exit(httpError(413, `the '${name}' multipart field is over the ${maxFieldSize}-byte limit`));
      if (name === "operations") {
        try {
          operations = JSON.parse(value);
        } catch {
          return exit(httpError(400, `invalid JSON in the 'operations' multipart field (${SPEC})`));
        }
        if (typeof operations !== "object" || operations === null) {
          return exit(httpError(400, `invalid type for the 'operations' multipart field (${SPEC})`));
        }
        return;
      }
      if (name !== "map") return;
      if (!operations) return exit(httpError(400, `misordered multipart fields: 'map' must follow 'operations' (${SPEC})`));
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return exit(httpError(400, `invalid JSON in the 'map' multipart field (${SPEC})`));
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        return exit(httpError(400, `invalid type for the 'map' multipart field (${SPEC})`));
      }
      const entries = Object.entries(parsed);
      if (entries.length > maxFiles) return exit(httpError(413, `more than ${maxFiles} file uploads`));
      map = new Map();
      for (const [field, paths] of entries) {
        if (!Array.isArray(paths)) return exit(httpError(400, `the 'map' entry '${field}' is not an array (${SPEC})`));
        const upload = new Upload();
        map.set(field, upload);
        for (const p of paths) {
          if (typeof p !== "string" || !setPath(operations, p, upload)) {
            return exit(httpError(400, `invalid object path '${String(p)}' in the 'map' entry '${field}' (${SPEC})`));
          }
        }
      }
      resolve(operations);
    });

    parser.on("file", (field, stream, { filename, encoding, mimeType }) => {
      const upload = map?.get(field);
      if (!map || !upload) {
        stream.resume();
        if (!map) exit(httpError(400, `misordered multipart fields: files must follow 'map' (${SPEC})`));
        return;
      }
      const chunks: Buffer[] = [];
      let failed: Error | undefined;
      stream.on("data", (chunk: Buffer) => {
        if (!failed) chunks.push(chunk);
      });
      stream.on("limit", () => {
        failed = httpError(413, `the file is over the ${maxFileSize}-byte limit`);
        chunks.length = 0;
        upload.reject(failed);
        stream.resume();
      });
      stream.on("error", (err: Error) => {
        failed ??= err;
        chunks.length = 0;
        upload.reject(failed);
      });
      stream.on("end", () => {
        if (failed) return;
        const bytes = Buffer.concat(chunks);
        chunks.length = 0;
        const file: FileUpload = {
          filename: filename ?? "upload",
          mimetype: mimeType,
          encoding,
          createReadStream: () => Readable.from([bytes]) as never,
        };
        upload.resolve(file);
      });
    });

    parser.once("filesLimit", () => exit(httpError(413, `more than ${maxFiles} file uploads`)));
    parser.once("finish", () => {
      request.unpipe(parser);
      request.resume();
      if (!operations) return exit(httpError(400, `missing multipart field 'operations' (${SPEC})`));
      if (!map) return exit(httpError(400, `missing multipart field 'map' (${SPEC})`));
      for (const upload of map.values()) if (!upload.file) upload.reject(httpError(400, "file missing in the request"));
    });
    parser.on("error", (err: Error) => exit(err));
    request.once("close", () => {
      if (!request.readableEnded) exit(httpError(499, "the request was disconnected during the file upload"));
    });
    // Nothing to release: the buffers go with the request once the response is done.
    response.once("close", () => map?.clear());
    request.pipe(parser);
  });
}
