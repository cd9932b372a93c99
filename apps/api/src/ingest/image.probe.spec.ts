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

describe("truncation is told per image under concurrency", () => {
  it("refuses the truncated JPEG and accepts every intact image decoded beside it", async () => {
    // libvips reports decoder warnings through one process-wide queue; a check that read them from
    // whichever pipeline finished next refused good images and let the truncated one through.
    const limits = { maxUploadBytes: 5_000_000, maxPixels: 40_000_000 };
    const lying = await jpegWithLyingHeader(2000);
    const intact = await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const img = sharp({ create: { width: 300 + i, height: 280, channels: 3, background: { r: 20 * i, g: 90, b: 90 } } });
        return i % 2 ? img.jpeg().toBuffer() : img.png().toBuffer();
      }),
    );
    for (let round = 0; round < 6; round++) {
      const [bad, ...good] = await Promise.allSettled([lying, ...intact].map((b) => decodeImage(b, limits)));
      expect(bad?.status, `round ${round}: the truncated JPEG`).toBe("rejected");
      expect(((bad as PromiseRejectedResult).reason as MedcapError).message).toMatch(/premature end/);
      const refused = good.flatMap((g, i) => (g.status === "rejected" ? [`${i}: ${String((g.reason as Error).message)}`] : []));
      expect(refused, `round ${round}: intact images refused`).toEqual([]);
      const probed = await Promise.allSettled([lying, ...intact].map((b) => probeImage(b, limits.maxPixels)));
      expect(probed[0]?.status).toBe("rejected");
      expect(probed.slice(1).filter((p) => p.status === "rejected")).toEqual([]);
    }
  });
});

describe("a JPEG with a harmless decoder warning", () => {
  it("is accepted with the same pixels as the clean file (extraneous bytes before a marker)", async () => {
    const clean = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 120, g: 60, b: 30 } } })
      .jpeg()
      .toBuffer();
    // Three stray bytes in front of the first marker after SOI+APP0: libjpeg warns
    // "Corrupt JPEG data: 3 extraneous bytes before marker", which the strict pass refuses.
    const app0Length = clean.readUInt16BE(4);
    const at = 4 + app0Length;
    const noisy = Buffer.concat([clean.subarray(0, at), Buffer.from([1, 2, 3]), clean.subarray(at)]);
    await expect(sharp(noisy, { failOn: "warning" }).raw().toBuffer()).rejects.toThrow();
    const limits = { maxUploadBytes: 5_000_000, maxPixels: 40_000_000 };
    const [a, b] = await Promise.all([decodeImage(clean, limits), decodeImage(noisy, limits)]);
    expect([b.image.width, b.image.height]).toEqual([64, 48]);
    const rows = (img: typeof a.image) =>
      Array.from({ length: img.height }, (_, y) => {
        const row = new Float32Array(img.width);
        img.readRow(y, row);
        return Array.from(row);
      });
    expect(rows(b.image)).toEqual(rows(a.image));
  });
});
