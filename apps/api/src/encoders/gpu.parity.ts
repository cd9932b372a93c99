// GPU vs CPU embeddings on a model's committed parity fixtures (parity.json + parity/ images): the
// configured providers (e.g. cuda,cpu) against a CPU-only encoder in the same process, and both
// against the toolkit's reference vectors. GPU kernels (cuDNN convolutions, TF32/fused attention)
// round differently, hence a looser bound (0.999) than the CPU port check (0.9999).
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { EncoderService } from "./encoder.service.js";
import { cosine } from "../core/cosine.js";

export interface ParityItem {
  kind: "image" | "text";
  item: string;
  /** Configured providers vs the CPU-only encoder. */
  vsCpu: number;
  /** Configured providers vs the reference embedding in parity.json. */
  vsReference: number;
}

export interface ParityReport {
  model: string;
  provider: string;
  unavailableProviders: Record<string, string>;
  minCosine: number;
  worstVsCpu: number;
  worstVsReference: number;
  ok: boolean;
  items: ParityItem[];
}

interface ParityFile {
  images: { file: string; embedding: number[] }[];
  texts: { text: string; embedding: number[] }[];
}

/**
 * Loads the model's encoder with the configured providers, or with the given ones (["cpu"]). The
 * composition root supplies it (app/commands.composition.ts): the check builds no encoder itself.
 */
export type ParityEncoderLoader = (providers?: string[]) => Promise<EncoderService>;

export async function checkParity(modelDir: string, load: ParityEncoderLoader, minCosine = 0.999): Promise<ParityReport> {
  const parity = JSON.parse(await readFile(path.join(modelDir, "parity.json"), "utf8")) as ParityFile;
  const images = await Promise.all(parity.images.map((i) => readFile(path.join(modelDir, i.file))));
  const served = await load();
  const cpu = await load(["cpu"]).catch(async (err) => {
    await served.close();
    throw err;
  });
  try {
    const items: ParityItem[] = [];
    // Batch and single: a GPU run of a batch takes other kernels than a run of one.
    const [servedBatch, cpuBatch] = [await served.encodeImagesBatch(images), await cpu.encodeImagesBatch(images)];
    for (const [i, fixture] of parity.images.entries()) {
      const one = await served.encodeImage(images[i]!);
      for (const got of [one, servedBatch[i]!]) {
        items.push({ kind: "image", item: fixture.file, vsCpu: cosine(got, cpuBatch[i]!), vsReference: cosine(got, fixture.embedding) });
      }
    }
    for (const fixture of parity.texts) {
      const [got, ref] = [await served.encodeText(fixture.text), await cpu.encodeText(fixture.text)];
      items.push({ kind: "text", item: fixture.text, vsCpu: cosine(got, ref), vsReference: cosine(got, fixture.embedding) });
    }
    const info = served.info();
    const worstVsCpu = Math.min(...items.map((i) => i.vsCpu));
    const worstVsReference = Math.min(...items.map((i) => i.vsReference));
    return {
      model: `${info.name} ${info.version}`,
      provider: info.provider,
      unavailableProviders: info.unavailableProviders,
      minCosine,
      worstVsCpu,
      worstVsReference,
      ok: worstVsCpu >= minCosine && worstVsReference >= minCosine,
      items,
    };
  } finally {
    await Promise.all([served.close(), cpu.close()]);
  }
}
