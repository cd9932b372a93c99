// Inputs of the benchmarks: a real catalogue image, and synthetic points over a matrix of vectors.
import type { AppContext } from "../core/app.context.js";
import type { VectorPoint } from "../vectors/vector.store.js";

/** Real catalogue images to upload in the HTTP benchmark (the first `n` by external id). */
export async function retrievalTestImages(ctx: AppContext, n: number): Promise<Uint8Array[]> {
  const images = await ctx.db.prisma.image.findMany({ orderBy: { externalId: "asc" }, select: { storedPath: true }, take: n });
  if (!images.length) throw new Error("no images in the catalogue; import a dataset first (medcap import medpix)");
  return Promise.all(images.map((image) => ctx.images.read(image.storedPath)));
}

const SPLITS = ["TRAIN", "DEV", "TEST"] as const;
/** Points whose vectors are views of rows `from…` of `matrix` (the store copies them). */
export function syntheticPoints(matrix: Float32Array, dim: number, from: number, count: number): VectorPoint[] {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    return {
      vector: matrix.subarray(i * dim, (i + 1) * dim),
      payload: {
        kind: "IMAGE" as const,
        targetId: `p${i}`,
        imageId: `p${i}`,
        caseId: `c${i >> 2}`,
        dataset: "bench",
        split: SPLITS[i % 3] as (typeof SPLITS)[number],
        modality: i % 2 ? ("MR" as const) : ("CT" as const),
        plane: "Axial",
        locationCategory: "Head",
      },
    };
  });
}
