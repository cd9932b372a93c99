// Medium tests: the importer against real PostgreSQL with small synthetic datasets made here.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openTestDatabase, type TestDatabase } from "@medcap/db/testing";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../core/logger.js";
import { ImageStore } from "../core/image.store.js";
import { ImportService } from "./import.service.js";
import { readJsonl } from "./jsonl.reader.js";
import { readMedpix } from "./medpix.reader.js";

let db: TestDatabase;
let work: string;
const logger = createLogger("silent");

async function png(seed: number, size = 24): Promise<Buffer> {
  const pixels = Buffer.alloc(size * size, 0).map((_, i) => (i * 7 + seed * 31) % 256);
  return sharp(pixels, { raw: { width: size, height: size, channels: 1 } })
    .png()
    .toBuffer();
}

interface FakeCase {
  id: string;
  split?: string;
  images: { id: string; caption?: string; bytes?: Buffer | "missing" }[];
}

/** Writes a MedPix 2.0 layout with the given cases into a fresh folder. */
async function writeMedpix(cases: FakeCase[]): Promise<string> {
  const root = await mkdtemp(path.join(work, "medpix-"));
  await mkdir(path.join(root, "images"));
  await mkdir(path.join(root, "splitted_dataset"));
  const descriptions = [];
  const topics = [];
  const uid: Record<string, string[]> = { train: [], dev: [], test: [] };
  let seed = 0;
  for (const c of cases) {
    topics.push({
      U_id: c.id,
      Case: { Title: `Title ${c.id}`, "Case Diagnosis": `Diagnosis ${c.id}` },
      Topic: { Title: "Topic", Category: "Cat" },
    });
    if (c.split !== "none") (uid[c.split ?? "train"] ??= []).push(c.id);
    for (const img of c.images) {
      descriptions.push({
        Type: "CT",
        U_id: c.id,
        image: img.id,
        Description: {
          Caption: img.caption ?? `Caption of ${img.id}`,
          Modality: "CT - noncontrast",
          Plane: "Axial",
          Age: "40",
          Sex: "female",
          "ACR Codes": "1.2",
          "Figure Part": null,
        },
        Location: "Abdomen",
        "Location Category": "Abdomen",
      });
      if (img.bytes !== "missing") await writeFile(path.join(root, "images", `${img.id}.png`), img.bytes ?? (await png(seed++)));
    }
  }
  await writeFile(path.join(root, "Descriptions.json"), JSON.stringify(descriptions));
  await writeFile(path.join(root, "Case_topic.json"), JSON.stringify(topics));
  await writeFile(path.join(root, "splitted_dataset", "uid_list.json"), JSON.stringify(uid));
  return root;
}

async function counts() {
  const p = db.prisma;
  return {
    cases: await p.case.count(),
    images: await p.image.count(),
    captions: await p.caption.count(),
    revisions: await p.captionRevision.count(),
  };
}

beforeAll(async () => {
  db = await openTestDatabase();
  work = await mkdtemp(path.join(os.tmpdir(), "medcap-import-"));
});
afterAll(async () => {
  await db?.close();
  await rm(work, { recursive: true, force: true });
});
beforeEach(async () => {
  await db.prisma.case.deleteMany(); // cascades to images, captions, revisions
  await db.prisma.dataset.deleteMany();
});

function service() {
  return new ImportService(db.prisma, new ImageStore(path.join(work, "store")), logger);
}

describe("MedPix import", () => {
  it("imports every valid case in one pass and is a no-op when run again", async () => {
    const dir = await writeMedpix([
      { id: "MPX1", images: [{ id: "MPX1_a" }, { id: "MPX1_b" }] },
      { id: "MPX2", split: "dev", images: [{ id: "MPX2_a" }] },
    ]);
    const first = await service().importDataset(await readMedpix(dir));
    expect(first.cases).toEqual({ imported: 2, alreadyPresent: 0, invalid: 0 });
    const after = await counts();
    expect(after).toEqual({ cases: 2, images: 3, captions: 3, revisions: 3 });
    const second = await service().importDataset(await readMedpix(dir));
    expect(second.cases).toEqual({ imported: 0, alreadyPresent: 2, invalid: 0 });
    expect(await counts()).toEqual(after);
    const dev = await db.prisma.case.findFirstOrThrow({ where: { externalId: "MPX2" }, include: { images: true } });
    expect(dev.split).toBe("DEV");
    expect(dev.images[0]).toMatchObject({
      modality: "CT",
      plane: "Axial",
      patientAge: 40,
      patientSex: "female",
      width: 24,
      height: 24,
      format: "png",
    });
  });

  it("reports and skips a case with a missing image, a truncated PNG, or an unknown split, and keeps the rest", async () => {
    const good = await png(99);
    const dir = await writeMedpix([
      { id: "OK", images: [{ id: "OK_a" }] },
      { id: "MISSING", images: [{ id: "MISSING_a" }, { id: "MISSING_b", bytes: "missing" }] },
      { id: "TRUNC", images: [{ id: "TRUNC_a", bytes: good.subarray(0, Math.floor(good.length / 2)) }] },
      { id: "GARBAGE", images: [{ id: "GARBAGE_a", bytes: Buffer.from("this is not an image at all") }] },
      { id: "NOSPLIT", split: "none", images: [{ id: "NOSPLIT_a" }] },
    ]);
    const report = await service().importDataset(await readMedpix(dir));
    const byId = Object.fromEntries(report.problems.map((p) => [p.id, p.reason]));
    expect(Object.keys(byId).sort()).toEqual(["GARBAGE", "MISSING", "NOSPLIT", "TRUNC"]);
    expect(byId.MISSING).toMatch(/MISSING_b.*missing/);
    expect(byId.TRUNC).toMatch(/truncated|corrupt|decodable/i);
    expect(byId.NOSPLIT).toMatch(/split/);
    expect(report.cases.imported).toBe(1);
    // Nothing of a rejected case is written, not even its valid first image.
    expect(await counts()).toEqual({ cases: 1, images: 1, captions: 1, revisions: 1 });
  });

  it("--strict refuses the whole import before writing anything", async () => {
    const dir = await writeMedpix([
      { id: "OK", images: [{ id: "OK_a" }] },
      { id: "BAD", images: [{ id: "BAD_a", bytes: "missing" }] },
    ]);
    await expect(service().importDataset(await readMedpix(dir), { strict: true })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect(await counts()).toEqual({ cases: 0, images: 0, captions: 0, revisions: 0 });
    expect(await db.prisma.dataset.count()).toBe(1); // the dataset row itself is harmless and reused
  });

  it("rejects malformed Descriptions.json records with the image id and reason", async () => {
    const dir = await writeMedpix([
      { id: "C1", images: [{ id: "C1_a" }] },
      { id: "C2", images: [{ id: "C2_a" }] },
    ]);
    const file = path.join(dir, "Descriptions.json");
    const records = JSON.parse(await readFile(file, "utf8"));
    records[1].Description.Caption = "   ";
    await writeFile(file, JSON.stringify(records));
    const read = await readMedpix(dir);
    expect(read.problems.map((p) => p.id)).toEqual(expect.arrayContaining(["C2_a", "C2"]));
    const report = await service().importDataset(read);
    expect(report.cases.imported).toBe(1);
  });

  it("stores identical image bytes once", async () => {
    const same = await png(5);
    const dir = await writeMedpix([
      {
        id: "D",
        images: [
          { id: "D_a", bytes: same },
          { id: "D_b", bytes: same },
        ],
      },
    ]);
    await service().importDataset(await readMedpix(dir));
    const images = await db.prisma.image.findMany({ orderBy: { externalId: "asc" } });
    expect(images).toHaveLength(2);
    expect(images[0]?.storedPath).toBe(images[1]?.storedPath);
  });
});

describe("concurrent imports (#26 Medium 6)", () => {
  it("two importers of one dataset into a fresh database both finish, and every case is written once", async () => {
    const cases = Array.from({ length: 12 }, (_, c) => ({ id: `P${c}`, images: [{ id: `P${c}_a` }, { id: `P${c}_b` }] }));
    const dir = await writeMedpix(cases);
    const [a, b] = await Promise.all([service().importDataset(await readMedpix(dir)), service().importDataset(await readMedpix(dir))]);
    expect(a.cases.imported + b.cases.imported).toBe(12);
    expect(a.cases.imported + a.cases.alreadyPresent).toBe(12);
    expect(b.cases.imported + b.cases.alreadyPresent).toBe(12);
    expect(await counts()).toEqual({ cases: 12, images: 24, captions: 24, revisions: 24 });
    expect(await db.prisma.dataset.count()).toBe(1);
  });
});

describe("jsonl import", () => {
  it("imports valid lines, reports malformed JSON, unknown splits and missing images by line", async () => {
    const dir = await mkdtemp(path.join(work, "jsonl-"));
    await writeFile(path.join(dir, "a.png"), await png(1));
    await writeFile(path.join(dir, "b.png"), await png(2));
    const lines = [
      JSON.stringify({ id: "a", image: "a.png", caption: "Axial CT of the liver", modality: "CT", split: "train", case: "c1" }),
      "{not json",
      JSON.stringify({ id: "b", image: "b.png", caption: "Chest radiograph", modality: "XR", split: "holdout" }),
      JSON.stringify({ id: "c", image: "nope.png", caption: "missing file", split: "dev" }),
      JSON.stringify({ id: "d", image: "b.png", caption: "" }),
    ];
    const file = path.join(dir, "data.jsonl");
    await writeFile(file, `${lines.join("\n")}\n`);
    const read = await readJsonl(file, { dataset: "roco-sample" });
    expect(read.problems.map((p) => p.id)).toEqual(["line 2", "b (line 3)", "d (line 5)"]);
    expect(read.problems[1]?.reason).toMatch(/unknown split "holdout"/);
    const report = await service().importDataset(read);
    expect(report.problems.map((p) => p.id)).toContain("c");
    expect(report.cases.imported).toBe(1);
    const image = await db.prisma.image.findFirstOrThrow({ include: { case: { include: { dataset: true } }, captions: true } });
    expect(image).toMatchObject({ externalId: "a", modality: "CT" });
    expect(image.case).toMatchObject({ externalId: "c1", split: "TRAIN" });
    expect(image.case.dataset.name).toBe("roco-sample");
    expect(image.captions[0]?.text).toBe("Axial CT of the liver");
  });
});

describe("jsonl lines the importer cannot store (#26)", () => {
  async function folder(): Promise<string> {
    const dir = await mkdtemp(path.join(work, "jsonl-bad-"));
    for (const [i, name] of ["a", "b", "c"].entries()) await writeFile(path.join(dir, `${name}.png`), await png(40 + i));
    return dir;
  }
  const line = (id: string, image: string, caption = `caption of ${id}`) => JSON.stringify({ id, image, caption });

  it("reports a caption with a NUL as that line's problem and imports the other lines (Medium 7)", async () => {
    const dir = await folder();
    const file = path.join(dir, "nul.jsonl");
    await writeFile(file, [line("a", "a.png"), line("b", "b.png", "bad \u0000 caption"), line("c", "c.png")].join("\n"));
    const read = await readJsonl(file, { dataset: "nul" });
    expect(read.problems).toEqual([{ id: "b (line 2)", reason: "caption: contains a NUL character (U+0000), which cannot be stored" }]);
    const report = await service().importDataset(read);
    expect(report.cases.imported).toBe(2);
    expect((await db.prisma.caption.findMany({ orderBy: { text: "asc" } })).map((c) => c.text)).toEqual(["caption of a", "caption of c"]);
  });

  it("refuses a NUL in any record text before writing, whatever the reader", async () => {
    const dir = await folder();
    const report = await service().importDataset({
      dataset: { name: "direct", source: "test" },
      cases: [
        { externalId: "ok", split: "TRAIN", images: [{ externalId: "a", file: path.join(dir, "a.png"), caption: "fine", modality: "CT" }] },
        {
          externalId: "bad",
          split: "TRAIN",
          title: "t\u0000",
          images: [{ externalId: "b", file: path.join(dir, "b.png"), caption: "x", modality: "CT" }],
        },
      ],
      problems: [],
    });
    expect(report.problems).toEqual([{ id: "bad", reason: "title: contains a NUL character (U+0000), which cannot be stored" }]);
    expect(report.cases.imported).toBe(1);
  });

  it("says which lines are not UTF-8 instead of storing U+FFFD (Low 13)", async () => {
    const dir = await folder();
    const file = path.join(dir, "latin1.jsonl");
    const bad = Buffer.concat([Buffer.from('{"id":"b","image":"b.png","caption":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    await writeFile(file, Buffer.concat([Buffer.from(`${line("a", "a.png")}\n`), bad, Buffer.from(`\n${line("c", "c.png")}\n`)]));
    const read = await readJsonl(file, { dataset: "latin1" });
    expect(read.problems).toEqual([{ id: "line 2", reason: "not valid UTF-8 (save the file as UTF-8); line skipped" }]);
    expect(read.cases.map((c) => c.externalId)).toEqual(["a", "c"]);
  });

  it("reports an over-long line by its size and reads the rest (Low 12)", async () => {
    const dir = await folder();
    const file = path.join(dir, "long.jsonl");
    const huge = line("b", "b.png", "x".repeat(3 * 1024 * 1024));
    await writeFile(file, [line("a", "a.png"), huge, line("c", "c.png")].join("\r\n"));
    const read = await readJsonl(file, { dataset: "long" });
    expect(read.problems).toEqual([{ id: "line 2", reason: `line is ${huge.length + 1} bytes, above the limit of 1048576 bytes` }]);
    expect(read.cases.map((c) => c.externalId)).toEqual(["a", "c"]);
  });

  it("refuses an image that is a FIFO, a device, a directory or a symlink loop, saying which (Low 10, 12)", async () => {
    const dir = await folder();
    execFileSync("mkfifo", [path.join(dir, "fifo.png")]);
    await mkdir(path.join(dir, "dir.png"));
    await symlink("loop2.png", path.join(dir, "loop1.png"));
    await symlink("loop1.png", path.join(dir, "loop2.png"));
    const file = path.join(dir, "special.jsonl");
    const images = ["fifo.png", "/dev/zero", "dir.png", "loop1.png", "nope.png"];
    await writeFile(file, [line("a", "a.png"), ...images.map((image, i) => line(`s${i}`, image))].join("\n"));
    const report = await service().importDataset(await readJsonl(file, { dataset: "special" }));
    expect(report.cases.imported).toBe(1);
    const reasons = Object.fromEntries(report.problems.map((p) => [p.id, p.reason]));
    expect(reasons.s0).toMatch(/fifo\.png is a named pipe \(FIFO\), not a regular file$/);
    expect(reasons.s1).toMatch(/\/dev\/zero is a device, not a regular file$/);
    expect(reasons.s2).toMatch(/dir\.png is a directory, not a file$/);
    expect(reasons.s3).toMatch(/loop1\.png is a loop of symbolic links$/);
    expect(reasons.s4).toMatch(/image file missing: .*nope\.png$/);
  });
});
