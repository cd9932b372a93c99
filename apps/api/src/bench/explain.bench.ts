// `medcap bench` → explanation: latency of explainMatch for an 8×8 grid (65 image encodes plus one
// text encode per caption word) with a caption target, cold (each query image explained for the
// first time) and cached (the same explanations asked again), through the same service the API uses.
import type { PrismaClient } from "@medcap/db";
import { DEFAULT_GRID } from "../explain/occlusion.js";
import type { ImageStore } from "../core/image.store.js";
import type { Retrieval } from "../search/retrieval.js";
import { summarize } from "./latency.stats.js";

export async function benchExplanations(
  prisma: PrismaClient,
  images: ImageStore,
  retrieval: Retrieval,
  count: number,
  log: (m: string) => void,
) {
  const rows = await prisma.image.findMany({
    where: { captions: { some: { isCurrent: true } } },
    select: { storedPath: true, captions: { where: { isCurrent: true }, select: { id: true, text: true }, take: 1 } },
    orderBy: { externalId: "asc" },
    take: count,
  });
  if (!rows.length) throw new Error("no captioned images in the catalogue; import a dataset first");
  const work = await Promise.all(
    rows.map(async (r) => ({
      bytes: await images.read(r.storedPath),
      captionId: r.captions[0]!.id,
      words: r.captions[0]!.text.split(/\s+/).length,
    })),
  );
  const explain = (w: (typeof work)[number]) =>
    retrieval.search.explainMatch({ bytes: w.bytes }, { captionId: w.captionId }, { grid: DEFAULT_GRID });
  log(`explanations: ${work.length} cold at ${DEFAULT_GRID}×${DEFAULT_GRID}`);
  const cold: number[] = [];
  let imageEncodes = 0;
  let textEncodes = 0;
  for (const w of work) {
    const t0 = performance.now();
    const e = await explain(w);
    cold.push(performance.now() - t0);
    if (e.cached) throw new Error("a cold explanation came from the cache; is the bench sharing a warm service?");
    imageEncodes += e.imageEncodes;
    textEncodes += e.textEncodes;
  }
  log(`explanations: ${work.length * 4} cached`);
  const cached: number[] = [];
  for (let i = 0; i < work.length * 4; i++) {
    const t0 = performance.now();
    const e = await explain(work[i % work.length]!);
    cached.push(performance.now() - t0);
    if (!e.cached) throw new Error("a repeated explanation was not cached (MEDCAP_EXPLAIN_CACHE_SIZE=0?)");
  }
  const coldSummary = summarize(cold);
  const cachedSummary = summarize(cached);
  return {
    grid: `${DEFAULT_GRID}x${DEFAULT_GRID}`,
    coldMs: coldSummary,
    cachedMs: cachedSummary,
    coldOverCachedMedian: Math.round((coldSummary.p50 / cachedSummary.p50) * 10) / 10,
    meanImageEncodes: imageEncodes / work.length,
    meanTextEncodes: textEncodes / work.length,
  };
}
