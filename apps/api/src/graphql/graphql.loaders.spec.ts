// The raw-SQL image loader must give exactly the rows Prisma's findMany gives (types included), so a
// schema change that the raw query would miss fails here.
import { seedCase } from "@medcap/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppContext } from "../core/app.context.js";
import { openTestAppContext } from "../../test/server.testing.js";
import { createLoaders, imageRows } from "./graphql.loaders.js";

let ctx: AppContext;
beforeAll(async () => {
  ctx = await openTestAppContext();
  await seedCase(ctx.db.prisma, {
    externalId: "loader-case",
    images: [
      { externalId: "a", caption: "axial CT", plane: "Axial", locationCategory: "Head" },
      { externalId: "b", caption: "coronal MR", modality: "MR" },
    ],
  });
  await ctx.db.prisma.image.updateMany({ where: { externalId: "b" }, data: { patientAge: 54, patientSex: "female", byteSize: 123456 } });
});
afterAll(async () => {
  await ctx?.close();
});

describe("image loader", () => {
  it("returns the same rows as findMany, nulls, numbers, enums and dates alike", async () => {
    const prisma = ctx.db.prisma;
    const expected = await prisma.image.findMany({ orderBy: { externalId: "asc" } });
    const ids = expected.map((r) => r.id);
    const raw = await imageRows(prisma)([...ids, "missing"]);
    expect([...raw].sort((x, y) => x.externalId.localeCompare(y.externalId))).toEqual(expected);
    expect(raw[0]?.createdAt).toBeInstanceOf(Date);
  });

  it("batches one request's lookups and answers null for unknown ids", async () => {
    const ids = (await ctx.db.prisma.image.findMany({ select: { id: true } })).map((r) => r.id);
    const loaders = createLoaders(ctx.db.prisma);
    const rows = await Promise.all([...ids, "missing"].map((id) => loaders.image.load(id)));
    expect(rows.slice(0, ids.length).map((r) => r?.id)).toEqual(ids);
    expect(rows.at(-1)).toBeNull();
  });
});
