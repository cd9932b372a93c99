// `medcap bench --image-int8 <file>` (issue #29): the float32 and the int8 image graph of one model, side by
// side in one run with the service's session settings (one thread unless MEDCAP_ONNX_THREADS says otherwise).
import type { EncoderService } from "../encoders/encoder.service.js";
import { cosine } from "../core/cosine.js";
import { median, summarize } from "./latency.stats.js";

const r3 = (x: number) => Math.round(x * 1000) / 1000;

type Graph = Awaited<ReturnType<EncoderService["imageGraph"]>>;

const clock = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

/**
 * Rounds alternate which graph runs first, so load from other processes hits both alike; each figure is
 * the median over rounds. Indexing: decode + preprocess + ONNX for `indexImages` images per call (the index
 * command's encode path), images/s. Cosine: int8 against float32 embeddings of every sample image.
 */
export async function benchImagePrecision(
  encoder: EncoderService,
  images: readonly Uint8Array[],
  files: { float32: string; int8: string },
  log: (m: string) => void,
  rounds = { batch1: 60, batch8: 20, index: 6 },
  indexImages = 32,
) {
  if (images.length === 0) throw new Error("no images to encode");
  const graphs: Record<"float32" | "int8", Graph> = {
    float32: await encoder.imageGraph(files.float32, "float32"),
    int8: await encoder.imageGraph(files.int8, "int8"),
  };
  try {
    const tensors = await Promise.all(images.slice(0, 32).map((b) => encoder.preprocessImage(b)));
    const cycle = <T>(items: readonly T[], start: number, n: number) =>
      Array.from({ length: n }, (_, k) => items[(start + k) % items.length] as T);
    const interleaved = async (n: number, warmup: number, run: (g: Graph, i: number) => Promise<unknown>) => {
      const ms = { float32: [] as number[], int8: [] as number[] };
      for (let i = 0; i < n + warmup; i++) {
        const order = i % 2 ? (["int8", "float32"] as const) : (["float32", "int8"] as const);
        for (const name of order) {
          const t = await clock(() => run(graphs[name], i));
          if (i >= warmup) ms[name].push(t);
        }
      }
      return ms;
    };
    log("image graphs float32 vs int8: batch 1 (ONNX only), interleaved");
    const one = await interleaved(rounds.batch1, 4, (g, i) => g.encodePreprocessed([tensors[i % tensors.length] as Float32Array]));
    log("image graphs float32 vs int8: batch 8 (ONNX only), interleaved");
    const eight = await interleaved(rounds.batch8, 2, (g, i) => g.encodePreprocessed(cycle(tensors, i * 8, 8)));
    log(`image graphs float32 vs int8: indexing path (decode + preprocess + ONNX, ${indexImages} images per call), interleaved`);
    const index = await interleaved(rounds.index, 1, (g, i) => g.encode(cycle(images, i * indexImages, indexImages)));
    const perSecond = (ms: number[]) => indexImages / (median(ms) / 1000);
    log("image graphs float32 vs int8: cosine on the sample images");
    let min = 1;
    let sum = 0;
    for (let k = 0; k < images.length; k += 16) {
      const chunk = images.slice(k, k + 16);
      const [a, b] = [await graphs.float32.encode(chunk), await graphs.int8.encode(chunk)];
      for (let j = 0; j < chunk.length; j++) {
        const c = cosine(a[j] as Float32Array, b[j] as Float32Array);
        min = Math.min(min, c);
        sum += c;
      }
    }
    return {
      files,
      batch1Ms: { float32: summarize(one.float32), int8: summarize(one.int8) },
      batch1MedianRatio: r3(median(one.int8) / median(one.float32)),
      batch8Ms: { float32: summarize(eight.float32), int8: summarize(eight.int8) },
      batch8MedianRatio: r3(median(eight.int8) / median(eight.float32)),
      indexingImagesPerSecond: { float32: r3(perSecond(index.float32)), int8: r3(perSecond(index.int8)) },
      indexingThroughputRatio: r3(perSecond(index.int8) / perSecond(index.float32)),
      cosineMin: Math.round(min * 1e6) / 1e6,
      cosineMean: Math.round((sum / images.length) * 1e6) / 1e6,
      images: images.length,
      note: "ratios are int8 ÷ float32 (latency) and int8 ÷ float32 (images/s); medians over interleaved rounds",
    };
  } finally {
    await Promise.all([graphs.float32.close(), graphs.int8.close()]);
  }
}
