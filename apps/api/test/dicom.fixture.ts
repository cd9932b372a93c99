// Writes small, valid DICOM Part 10 files byte by byte, for tests (no DICOM writer dependency, and the
// bytes are exactly what each test states: transfer syntax, bit depth, tags, identifying fields).
import { constants, createDeflateRaw, deflateRawSync } from "node:zlib";
import { TRANSFER_SYNTAX } from "../src/encoders/dicom.decode.js";

export interface SyntheticDicomOptions {
  transferSyntax?: string;
  rows: number;
  columns: number;
  frames?: number;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  /** Stored (pre-rescale) value of each pixel. */
  pixel: (frame: number, row: number, column: number) => number;
  modality?: string;
  photometric?: "MONOCHROME1" | "MONOCHROME2";
  /** A string is written as is (e.g. "NaN", "1e999"). */
  rescaleSlope?: number | string;
  rescaleIntercept?: number | string;
  windowCenter?: number;
  windowWidth?: number;
  patientName?: string;
  patientId?: string;
  patientBirthDate?: string;
  /** Bytes cut from the end (a truncated upload). */
  truncateBy?: number;
}

const LONG_VRS = new Set(["OB", "OW", "OF", "SQ", "UT", "UN"]);

class Writer {
  private readonly chunks: Uint8Array[] = [];
  constructor(
    private readonly littleEndian: boolean,
    private readonly explicit: boolean,
  ) {}

  raw(bytes: Uint8Array): void {
    this.chunks.push(bytes);
  }

  element(group: number, element: number, vr: string, value: Uint8Array, lengthOverride?: number): void {
    const le = this.littleEndian;
    const length = lengthOverride ?? value.length;
    const head = new DataView(new ArrayBuffer(12));
    head.setUint16(0, group, le);
    head.setUint16(2, element, le);
    let size: number;
    if (!this.explicit) {
      head.setUint32(4, length, le);
      size = 8;
    } else {
      head.setUint8(4, vr.charCodeAt(0));
      head.setUint8(5, vr.charCodeAt(1));
      if (LONG_VRS.has(vr)) {
        head.setUint32(8, length, le);
        size = 12;
      } else {
        head.setUint16(6, length, le);
        size = 8;
      }
    }
    this.chunks.push(new Uint8Array(head.buffer, 0, size), value);
  }

  string(group: number, element: number, vr: string, text: string): void {
    const pad = vr === "UI" ? "\0" : " ";
    const even = text.length % 2 === 1 ? text + pad : text;
    this.element(group, element, vr, new TextEncoder().encode(even));
  }

  uint16(group: number, element: number, value: number): void {
    const v = new DataView(new ArrayBuffer(2));
    v.setUint16(0, value, this.littleEndian);
    this.element(group, element, "US", new Uint8Array(v.buffer));
  }

  bytes(): Uint8Array {
    const total = this.chunks.reduce((s, c) => s + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** Preamble-less file meta information; it is always explicit VR little endian. */
function fileMeta(ts: string): Writer {
  const meta = new Writer(true, true);
  meta.element(0x0002, 0x0001, "OB", new Uint8Array([0, 1]));
  meta.string(0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.7");
  meta.string(0x0002, 0x0003, "UI", "1.2.826.0.1.3680043.8.498.1");
  meta.string(0x0002, 0x0010, "UI", ts);
  const metaBody = meta.bytes();
  const metaGroup = new Writer(true, true);
  const groupLength = new DataView(new ArrayBuffer(4));
  groupLength.setUint32(0, metaBody.length, true);
  metaGroup.element(0x0002, 0x0000, "UL", new Uint8Array(groupLength.buffer));
  metaGroup.raw(metaBody);
  return metaGroup;
}

/**
 * A deflate bomb: a deflated explicit-VR DICOM whose header declares a small frame but whose pixel
 * element holds `inflatedBytes` of zeros (deflate shrinks them ~1000:1). The zeros are streamed
 * through zlib, so building a gigabyte bomb costs the test no more than its compressed size.
 */
export async function writeDeflateBomb(options: { rows: number; columns: number; inflatedBytes: number; patientName?: string }) {
  const ds = new Writer(true, true);
  ds.string(0x0008, 0x0060, "CS", "CT");
  if (options.patientName) ds.string(0x0010, 0x0010, "PN", options.patientName);
  ds.uint16(0x0028, 0x0002, 1);
  ds.string(0x0028, 0x0004, "CS", "MONOCHROME2");
  ds.uint16(0x0028, 0x0010, options.rows);
  ds.uint16(0x0028, 0x0011, options.columns);
  ds.uint16(0x0028, 0x0100, 16);
  ds.uint16(0x0028, 0x0101, 16);
  ds.uint16(0x0028, 0x0102, 15);
  ds.uint16(0x0028, 0x0103, 0);
  const length = options.inflatedBytes + (options.inflatedBytes % 2);
  ds.element(0x7fe0, 0x0010, "OW", new Uint8Array(0), length);
  const deflate = createDeflateRaw({ level: constants.Z_BEST_COMPRESSION });
  const out: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflate.once("end", resolve);
    deflate.once("error", reject);
  });
  const write = (chunk: Uint8Array) =>
    new Promise<void>((resolve) => {
      if (deflate.write(chunk)) resolve();
      else deflate.once("drain", resolve);
    });
  await write(ds.bytes());
  const zeros = new Uint8Array(1024 * 1024);
  for (let left = length; left > 0; left -= zeros.length) await write(left >= zeros.length ? zeros : zeros.subarray(0, left));
  deflate.end();
  await done;
  const preamble = new Uint8Array(132);
  preamble.set(new TextEncoder().encode("DICM"), 128);
  return new Uint8Array(Buffer.concat([preamble, fileMeta(TRANSFER_SYNTAX.deflatedExplicitLittle).bytes(), ...out]));
}

export function writeSyntheticDicom(options: SyntheticDicomOptions): Uint8Array {
  const ts = options.transferSyntax ?? TRANSFER_SYNTAX.explicitLittle;
  const frames = options.frames ?? 1;
  const bits = options.bitsAllocated ?? 16;
  const littleEndian = ts !== TRANSFER_SYNTAX.explicitBig;
  const explicit = ts !== TRANSFER_SYNTAX.implicitLittle;
  const compressed = !Object.values(TRANSFER_SYNTAX).includes(ts as never);

  const metaGroup = fileMeta(ts);
  const ds = new Writer(littleEndian, explicit);
  if (options.modality) ds.string(0x0008, 0x0060, "CS", options.modality);
  if (options.patientName) ds.string(0x0010, 0x0010, "PN", options.patientName);
  if (options.patientId) ds.string(0x0010, 0x0020, "LO", options.patientId);
  if (options.patientBirthDate) ds.string(0x0010, 0x0030, "DA", options.patientBirthDate);
  ds.uint16(0x0028, 0x0002, 1);
  ds.string(0x0028, 0x0004, "CS", options.photometric ?? "MONOCHROME2");
  if (frames > 1) ds.string(0x0028, 0x0008, "IS", String(frames));
  ds.uint16(0x0028, 0x0010, options.rows);
  ds.uint16(0x0028, 0x0011, options.columns);
  ds.uint16(0x0028, 0x0100, bits);
  ds.uint16(0x0028, 0x0101, options.bitsStored ?? bits);
  ds.uint16(0x0028, 0x0102, (options.bitsStored ?? bits) - 1);
  ds.uint16(0x0028, 0x0103, options.signed ? 1 : 0);
  if (options.windowCenter !== undefined) ds.string(0x0028, 0x1050, "DS", String(options.windowCenter));
  if (options.windowWidth !== undefined) ds.string(0x0028, 0x1051, "DS", String(options.windowWidth));
  if (options.rescaleIntercept !== undefined) ds.string(0x0028, 0x1052, "DS", String(options.rescaleIntercept));
  if (options.rescaleSlope !== undefined) ds.string(0x0028, 0x1053, "DS", String(options.rescaleSlope));

  const count = frames * options.rows * options.columns;
  const pixels = new DataView(new ArrayBuffer(count * (bits / 8) + ((count * (bits / 8)) % 2)));
  let i = 0;
  for (let f = 0; f < frames; f++) {
    for (let r = 0; r < options.rows; r++) {
      for (let c = 0; c < options.columns; c++, i++) {
        const v = options.pixel(f, r, c);
        if (bits === 8) pixels.setUint8(i, v & 0xff);
        else pixels.setUint16(i * 2, v & 0xffff, littleEndian);
      }
    }
  }
  const pixelBytes = new Uint8Array(pixels.buffer);
  if (compressed) {
    // Encapsulated: undefined length, an empty offset table item, one fragment, a sequence delimiter.
    const item = (tag: number, body: Uint8Array) => {
      const h = new DataView(new ArrayBuffer(8));
      h.setUint16(0, 0xfffe, true);
      h.setUint16(2, tag, true);
      h.setUint32(4, body.length, true);
      return [new Uint8Array(h.buffer), body];
    };
    const fragment = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
    ds.element(0x7fe0, 0x0010, "OB", new Uint8Array(0), 0xffffffff);
    for (const part of [...item(0xe000, new Uint8Array(0)), ...item(0xe000, fragment), ...item(0xe0dd, new Uint8Array(0))]) ds.raw(part);
  } else {
    ds.element(0x7fe0, 0x0010, bits === 8 ? "OB" : "OW", pixelBytes);
  }

  const preamble = new Uint8Array(132);
  preamble.set(new TextEncoder().encode("DICM"), 128);
  const dataset = ts === TRANSFER_SYNTAX.deflatedExplicitLittle ? deflateRawSync(ds.bytes()) : ds.bytes();
  const parts = [preamble, metaGroup.bytes(), dataset];
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return options.truncateBy ? out.subarray(0, out.length - options.truncateBy) : out;
}
