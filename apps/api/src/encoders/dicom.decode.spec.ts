import { describe, expect, it } from "vitest";
import { MedcapError } from "../core/errors.js";
import { decodeDicom, TRANSFER_SYNTAX } from "./dicom.decode.js";
import { validateImageBytes } from "../curation/image.validation.js";
import { writeDeflateBomb, writeSyntheticDicom } from "../../test/dicom.fixture.js";
import { maxInflatedDicomBytes, prepareDicom } from "./dicom.inflate.js";
import { decodeImage } from "./image.preprocess.js";

const limits = { maxUploadBytes: 10_000_000, maxPixels: 1_000_000 };
const ramp = (_f: number, r: number, c: number) => r * 4 + c; // 0..15 on a 4×4 frame

function refused(fn: () => unknown): MedcapError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MedcapError);
    return err as MedcapError;
  }
  throw new Error("expected a MedcapError");
}

describe("decodeDicom", () => {
  it.each([
    ["implicit VR little endian", TRANSFER_SYNTAX.implicitLittle],
    ["explicit VR little endian", TRANSFER_SYNTAX.explicitLittle],
    ["explicit VR big endian", TRANSFER_SYNTAX.explicitBig],
    ["deflated explicit VR little endian", TRANSFER_SYNTAX.deflatedExplicitLittle],
  ])("decodes %s with a min-max window when no window is given (MR)", (_name, ts) => {
    const bytes = writeSyntheticDicom({
      transferSyntax: ts,
      rows: 4,
      columns: 4,
      modality: "MR",
      pixel: (f, r, c) => 1000 + ramp(f, r, c) * 10,
    });
    const out = decodeDicom(bytes, limits);
    expect(out.width).toBe(4);
    expect(out.height).toBe(4);
    expect(out.info).toMatchObject({ modality: "MR", rows: 4, columns: 4, frames: 1, frameIndex: 0, transferSyntaxUid: ts });
    expect(out.info.window?.source).toBe("min-max");
    expect(out.pixels[0]).toBe(0);
    expect(out.pixels[15]).toBe(1);
    expect(out.pixels[5]).toBeCloseTo(5 / 15, 6);
  });

  it("applies rescale slope/intercept, then the CT soft-tissue window (40/400) when the file has none", () => {
    // Stored 0..15 → HU = stored*20 - 140: -140 … 160; window 40/400 spans -160 … 240.
    const bytes = writeSyntheticDicom({ rows: 4, columns: 4, modality: "CT", rescaleSlope: 20, rescaleIntercept: -140, pixel: ramp });
    const out = decodeDicom(bytes, limits);
    expect(out.info.window).toEqual({ center: 40, width: 400, source: "ct-default" });
    const expected = (hu: number) => (hu - 39.5) / 399 + 0.5;
    expect(out.pixels[0]).toBeCloseTo(expected(-140), 6);
    expect(out.pixels[15]).toBeCloseTo(expected(160), 6);
  });

  it("refuses a RescaleSlope or RescaleIntercept that is NaN, infinite or overflows float32 (#26 Low 9)", () => {
    const refusal = (options: { rescaleSlope?: number | string; rescaleIntercept?: number | string }) => {
      try {
        decodeDicom(writeSyntheticDicom({ rows: 4, columns: 4, modality: "CT", pixel: ramp, ...options }), limits);
      } catch (err) {
        expect(err).toBeInstanceOf(MedcapError);
        expect((err as MedcapError).code).toBe("BAD_USER_INPUT");
        return (err as MedcapError).message;
      }
      throw new Error("decoded");
    };
    expect(refusal({ rescaleSlope: "NaN" })).toBe("the DICOM RescaleSlope (0028,1053) is NaN, not a finite number");
    expect(refusal({ rescaleSlope: "1e999" })).toBe("the DICOM RescaleSlope (0028,1053) is Infinity, not a finite number");
    expect(refusal({ rescaleIntercept: "-1e999" })).toBe("the DICOM RescaleIntercept (0028,1052) is -Infinity, not a finite number");
    expect(refusal({ rescaleSlope: "1e38" })).toMatch(/beyond the float32 range/);
  });

  it("uses WindowCenter/WindowWidth from the tags and clips outside the window", () => {
    const bytes = writeSyntheticDicom({ rows: 4, columns: 4, modality: "CT", windowCenter: 8, windowWidth: 5, pixel: ramp });
    const out = decodeDicom(bytes, limits);
    expect(out.info.window).toEqual({ center: 8, width: 5, source: "tags" });
    expect(out.pixels[0]).toBe(0);
    expect(out.pixels[15]).toBe(1);
    expect(out.pixels[8]).toBeCloseTo((8 - 7.5) / 4 + 0.5, 6);
  });

  it("inverts MONOCHROME1 so that bright always means dense", () => {
    const mono2 = decodeDicom(writeSyntheticDicom({ rows: 4, columns: 4, pixel: ramp }), limits);
    const mono1 = decodeDicom(writeSyntheticDicom({ rows: 4, columns: 4, photometric: "MONOCHROME1", pixel: ramp }), limits);
    for (let i = 0; i < 16; i++) expect(mono1.pixels[i]).toBeCloseTo(1 - mono2.pixels[i]!, 6);
  });

  it("reads signed 16-bit samples with BitsStored < 16 by sign extension", () => {
    const bytes = writeSyntheticDicom({
      rows: 1,
      columns: 2,
      signed: true,
      bitsStored: 12,
      modality: "OT",
      // -2048 in 12-bit two's complement is 0x800; the high nibble carries junk that must be masked.
      pixel: (_f, _r, c) => (c === 0 ? 0xf800 : 0x07ff),
    });
    const out = decodeDicom(bytes, limits);
    expect(Array.from(out.pixels)).toEqual([0, 1]);
  });

  it("takes the middle frame of a multi-frame file", () => {
    const bytes = writeSyntheticDicom({
      rows: 2,
      columns: 2,
      frames: 5,
      bitsAllocated: 8,
      modality: "MR",
      pixel: (f, r, c) => (f === 2 ? r * 2 + c : 99),
    });
    const out = decodeDicom(bytes, limits);
    expect(out.info.frames).toBe(5);
    expect(out.info.frameIndex).toBe(2);
    expect(Array.from(out.pixels)).toEqual([0, 1 / 3, 2 / 3, 1].map(Math.fround));
  });

  it("refuses compressed transfer syntaxes with UNSUPPORTED_MEDIA naming the UID", () => {
    for (const [uid, kind] of [
      ["1.2.840.10008.1.2.4.50", "JPEG"],
      ["1.2.840.10008.1.2.4.80", "JPEG-LS"],
      ["1.2.840.10008.1.2.4.90", "JPEG 2000"],
      ["1.2.840.10008.1.2.5", "RLE Lossless"],
    ] as const) {
      const err = refused(() => decodeDicom(writeSyntheticDicom({ transferSyntax: uid, rows: 2, columns: 2, pixel: () => 0 }), limits));
      expect(err.code).toBe("UNSUPPORTED_MEDIA");
      expect(err.message).toContain(uid);
      expect(err.message).toContain(kind);
    }
  });

  it("rejects truncated pixel data and garbage after the DICM marker as BAD_USER_INPUT", () => {
    const truncated = refused(() => decodeDicom(writeSyntheticDicom({ rows: 8, columns: 8, pixel: ramp, truncateBy: 40 }), limits));
    expect(truncated.code).toBe("BAD_USER_INPUT");
    expect(truncated.message).toMatch(/truncated/);
    const garbage = new Uint8Array(200);
    garbage.set(new TextEncoder().encode("DICM"), 128);
    garbage.fill(0xff, 132);
    expect(refused(() => decodeDicom(garbage, limits)).code).toBe("BAD_USER_INPUT");
  });

  it("refuses frames above maxPixels before converting any pixel", () => {
    const err = refused(() => decodeDicom(writeSyntheticDicom({ rows: 64, columns: 64, pixel: () => 0 }), { maxPixels: 1000 }));
    expect(err.code).toBe("BAD_USER_INPUT");
    expect(err.message).toMatch(/above the limit of 1000/);
  });

  it("never exposes patient-identifying tags", async () => {
    const bytes = writeSyntheticDicom({
      rows: 4,
      columns: 4,
      modality: "CT",
      patientName: "Doe^Jane",
      patientId: "PID-123456",
      patientBirthDate: "19700101",
      pixel: ramp,
    });
    const decoded = await decodeImage(bytes, limits);
    expect(decoded.format).toBe("dicom");
    const exposed = JSON.stringify(decoded.dicom);
    for (const secret of ["Doe", "Jane", "PID-123456", "19700101"]) expect(exposed).not.toContain(secret);
    expect(Object.keys(decoded.dicom ?? {}).sort()).toEqual(
      ["columns", "frameIndex", "frames", "modality", "photometricInterpretation", "rows", "transferSyntaxUid", "window"].sort(),
    );
  });
});

describe("deflated DICOM inflation cap", () => {
  const small = { maxUploadBytes: 10_000_000, maxPixels: 64 * 64 };

  it("refuses a dataset that inflates past one maximal frame, sync and async, before decoding", async () => {
    const bomb = await writeDeflateBomb({ rows: 64, columns: 64, inflatedBytes: maxInflatedDicomBytes(small.maxPixels) + 1024 });
    expect(refused(() => decodeDicom(bomb, small)).message).toMatch(/inflates to more than/);
    await expect(prepareDicom(bomb, small)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(decodeImage(bomb, small)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(validateImageBytes(bomb, small)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("decodes a deflated file within the cap the same way through the async (off-loop) inflate", async () => {
    const bytes = writeSyntheticDicom({ transferSyntax: TRANSFER_SYNTAX.deflatedExplicitLittle, rows: 4, columns: 4, pixel: ramp });
    const prepared = await prepareDicom(bytes, small);
    expect(prepared.inflated).toBe(true);
    expect(Array.from(decodeDicom(prepared, small).pixels)).toEqual(Array.from(decodeDicom(bytes, small).pixels));
    const plain = writeSyntheticDicom({ rows: 4, columns: 4, pixel: ramp });
    expect((await prepareDicom(plain, small)).bytes).toBe(plain);
  });
});
