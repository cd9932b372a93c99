// Turns an ImageInput (multipart upload, base64 or catalogue id) into validated, decoded bytes or an id.
// Sizes are checked before anything is decoded: upload streams are cut off at the byte limit, and
// base64 length is checked before the string is decoded. The image is then decoded exactly once.
import type { FileUpload } from "graphql-upload/processRequest.mjs";
import { MedcapError } from "../core/errors.js";
import { timed } from "../core/stage.timer.js";
import { checkByteSize, type ImageLimits, validateImageBytes } from "../curation/image.validation.js";
import type { ImageQuery } from "../search/search.types.js";

export interface ImageInputArg {
  upload?: Promise<FileUpload> | null;
  base64?: string | null;
  imageId?: string | null;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

async function readUpload(upload: Promise<FileUpload>, limits: ImageLimits): Promise<Uint8Array> {
  let file: FileUpload;
  try {
    file = await upload;
  } catch (err) {
    throw new MedcapError("BAD_USER_INPUT", `upload failed: ${(err as Error).message}`);
  }
  const stream = file.createReadStream();
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).byteLength;
      checkByteSize(total, limits);
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    stream.destroy();
    if (err instanceof MedcapError) throw err;
    // graphql-upload's own cap (maxFileSize) surfaces as a stream error.
    const status = (err as { status?: number }).status;
    if (status === 413) throw new MedcapError("BAD_USER_INPUT", `image is over the ${limits.maxUploadBytes}-byte limit`);
    throw new MedcapError("BAD_USER_INPUT", `upload failed: ${(err as Error).message}`);
  }
  return Buffer.concat(chunks, total);
}

function decodeBase64(input: string, limits: ImageLimits): Uint8Array {
  const payload = input.startsWith("data:") ? input.slice(input.indexOf(",") + 1) : input;
  const compact = payload.replace(/\s+/g, "");
  const padding = compact.endsWith("==") ? 2 : compact.endsWith("=") ? 1 : 0;
  checkByteSize(Math.floor((compact.length * 3) / 4) - padding, limits);
  if (!BASE64.test(compact)) throw new MedcapError("BAD_USER_INPUT", "base64 is not valid base64");
  return Buffer.from(compact, compact.includes("-") || compact.includes("_") ? "base64url" : "base64");
}

/** Exactly one of the three fields; an id is allowed only where `allowImageId` says so. */
export async function readImageInput(input: ImageInputArg, limits: ImageLimits, allowImageId = true): Promise<ImageQuery> {
  const given = (["upload", "base64", "imageId"] as const).filter((k) => input[k] != null);
  if (given.length !== 1) {
    throw new MedcapError(
      "BAD_USER_INPUT",
      `ImageInput needs exactly one of upload, base64, imageId (got ${given.length ? given.join(", ") : "none"})`,
    );
  }
  if (input.imageId != null) {
    if (!allowImageId) throw new MedcapError("BAD_USER_INPUT", "an existing imageId cannot be added again; send upload or base64");
    return { imageId: input.imageId };
  }
  const bytes = await timed("inputRead", async () =>
    input.upload != null ? readUpload(input.upload, limits) : decodeBase64(input.base64 as string, limits),
  );
  // The one decode of this request: the encoder takes the decoded pixels with the bytes.
  const { decoded } = await timed("decode", () => validateImageBytes(bytes, limits));
  return { bytes, decoded };
}
