import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { MedcapError } from "../core/errors.js";
import { decodeImage } from "../encoders/image.preprocess.js";
import { probeImage } from "./image.probe.js";

/** A 256×256 JPEG whose frame header claims `side`×`side`: the entropy data ends long before the pixels do. */
async function jpegWithLyingHeader(side: number): Promise<Buffer> {
  const jpeg = Buffer.from(
    await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .jpeg()
      .toBuffer(),
  );
  for (let i = 2; i < jpeg.length - 9; i++) {
    if (jpeg[i] === 0xff && (jpeg[i + 1] === 0xc0 || jpeg[i + 1] === 0xc2)) {
      jpeg.writeUInt16BE(side, i + 5);
      jpeg.writeUInt16BE(side, i + 7);
      return jpeg;
    }
  }
  throw new Error("no SOF marker");
}

describe("truncated JPEG data (#26 Low 11)", () => {
  it("is refused by the importer and by the API decoder alike, though libjpeg only warns", async () => {
    const bytes = await jpegWithLyingHeader(6000);
    const atImport = await probeImage(bytes, 40_000_000).catch((e: unknown) => e);
    expect(atImport).toBeInstanceOf(MedcapError);
    expect((atImport as MedcapError).code).toBe("BAD_USER_INPUT");
    expect((atImport as MedcapError).message).toMatch(/^image is corrupt or truncated: .*premature end/);
    const atApi = await decodeImage(bytes, { maxUploadBytes: 5_000_000, maxPixels: 40_000_000 }).catch((e: unknown) => e);
    expect(atApi).toBeInstanceOf(MedcapError);
    expect((atApi as MedcapError).code).toBe("BAD_USER_INPUT");
    expect((atApi as MedcapError).message).toMatch(/^could not decode the jpeg image \(corrupt or truncated\): .*premature end/);
  });

  it("still accepts the intact JPEG", async () => {
    const intact = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .jpeg()
      .toBuffer();
    expect(await probeImage(intact, 40_000_000)).toMatchObject({ format: "jpeg", width: 256, height: 256 });
    expect((await decodeImage(intact, { maxUploadBytes: 5_000_000, maxPixels: 40_000_000 })).image.width).toBe(256);
  });
});
