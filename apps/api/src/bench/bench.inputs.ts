import type { AppContext } from "../core/app.context.js";

/** A real catalogue image to upload in the HTTP benchmark. */
export async function retrievalTestImage(ctx: AppContext): Promise<Uint8Array> {
  const image = await ctx.db.prisma.image.findFirst({ orderBy: { externalId: "asc" }, select: { storedPath: true } });
  if (!image) throw new Error("no images in the catalogue; import a dataset first (medcap import medpix)");
  return ctx.images.read(image.storedPath);
}
