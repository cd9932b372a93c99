import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { MedcapError } from "../core/errors.js";
import { writeSyntheticDicom } from "../../test/dicom.fixture.js";
import { readImageInput } from "./image.input.js";

const limits = { maxUploadBytes: 4096, maxPixels: 10_000 };

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { code: (err as MedcapError).code, message: (err as Error).message };
  }
  throw new Error("expected a failure");
}

/** A DICOM Part 10 header (explicit VR little endian) with the given Rows/Columns and no pixel data. */
function dicomHeader(rows: number, columns: number): Uint8Array {
  const parts: Buffer[] = [Buffer.alloc(128), Buffer.from("DICM")];
  const element = (group: number, el: number, vr: string, value: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt16LE(group, 0);
    head.writeUInt16LE(el, 2);
    head.write(vr, 4, "latin1");
    head.writeUInt16LE(value.length, 6);
    parts.push(head, value);
  };
  const uid = Buffer.from("1.2.840.10008.1.2.1\0", "latin1");
  const metaLength = Buffer.alloc(4);
  metaLength.writeUInt32LE(8 + uid.length);
  element(0x0002, 0x0000, "UL", metaLength);
  element(0x0002, 0x0010, "UI", uid);
  const us = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n);
    return b;
  };
  element(0x0028, 0x0010, "US", us(rows));
  element(0x0028, 0x0011, "US", us(columns));
  return Buffer.concat(parts);
}

describe("readImageInput", () => {
  it("needs exactly one field", async () => {
    expect((await failure(readImageInput({}, limits))).message).toMatch(/exactly one/);
    expect((await failure(readImageInput({ base64: "AA==", imageId: "x" }, limits))).message).toMatch(/exactly one.*base64, imageId/);
  });

  it("passes an image id through, unless ids are not allowed", async () => {
    expect(await readImageInput({ imageId: "img1" }, limits)).toEqual({ imageId: "img1" });
    expect((await failure(readImageInput({ imageId: "img1" }, limits, false))).code).toBe("BAD_USER_INPUT");
  });

  it("checks the decoded size of base64 before looking at its characters", async () => {
    const huge = "!".repeat(8000); // invalid base64, but the size check must fire first
    const f = await failure(readImageInput({ base64: huge }, limits));
    expect(f).toEqual({ code: "BAD_USER_INPUT", message: expect.stringMatching(/over the 4096-byte limit/) });
  });

  it("decodes base64 and data URLs, and validates the image", async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#808080" } })
      .png()
      .toBuffer();
    const out = await readImageInput({ base64: `data:image/png;base64,${png.toString("base64")}` }, limits);
    expect(Buffer.from(out.bytes!).equals(png)).toBe(true);
    const wide = await sharp({ create: { width: 200, height: 100, channels: 3, background: "#808080" } })
      .png()
      .toBuffer();
    expect((await failure(readImageInput({ base64: wide.toString("base64") }, limits))).message).toMatch(/pixel limit/);
  });

  it("checks DICOM dimensions from the header, and decodes the frame once", async () => {
    // The intake decodes the pixels the encoder will use, so a DICOM file needs its pixel data.
    const ok = writeSyntheticDicom({ rows: 32, columns: 32, pixel: (_f, r, c) => r * 32 + c });
    const query = await readImageInput({ base64: Buffer.from(ok).toString("base64") }, limits);
    expect(Buffer.from(query.bytes!).equals(Buffer.from(ok))).toBe(true);
    expect(query.decoded).toMatchObject({ format: "dicom", image: { width: 32, height: 32 } });
    const big = dicomHeader(512, 512);
    expect((await failure(readImageInput({ base64: Buffer.from(big).toString("base64") }, limits))).message).toMatch(
      /512x512, over the 10000-pixel limit/,
    );
    const broken = Buffer.concat([Buffer.alloc(128), Buffer.from("DICM"), Buffer.from([1, 2, 3])]);
    expect((await failure(readImageInput({ base64: broken.toString("base64") }, limits))).code).toBe("BAD_USER_INPUT");
  });
});
