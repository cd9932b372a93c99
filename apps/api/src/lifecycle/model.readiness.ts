// The /readyz model check (issues #15 item 5, #18 item 8): the served model is the active version,
// both of its ONNX sessions answer (a tiny image and a short text, cached a few seconds so frequent
// probes stay cheap), and it has vectors when the catalogue has images. The detail names the served
// version and its vector counts.
import type { PrismaClient } from "@medcap/db";
import type { EncoderService } from "../encoders/encoder.service.js";
import { providerSummary } from "../gpu/provider.report.js";
import type { VectorStore } from "../vectors/vector.store.js";
import type { ModelRef } from "../search/search.types.js";

export interface ModelReadinessDeps {
  prisma: PrismaClient;
  /** What is served now (read on every check: a switch changes it). */
  served(): { model: ModelRef; encoder: EncoderService; store: VectorStore };
  /** Why the active version is not the served one, when a switch to it failed. */
  failure?(): { modelVersionId: string; message: string } | undefined;
}

export function modelReadiness(deps: ModelReadinessDeps, probeCacheMs = 5000) {
  let probed: { encoder: EncoderService; at: number; result: Promise<string | undefined> } | undefined;
  const probe = (encoder: EncoderService): Promise<string | undefined> => {
    if (!probed || probed.encoder !== encoder || Date.now() - probed.at > probeCacheMs) {
      probed = {
        encoder,
        at: Date.now(),
        result: encoder.probe().then(
          () => undefined,
          (err: Error) => err.message,
        ),
      };
    }
    return probed.result;
  };
  return {
    name: "model",
    check: async (): Promise<{ ok: boolean; detail: string }> => {
      const { model, encoder, store } = deps.served();
      const name = `${model.name} ${model.version}`;
      const probeError = await probe(encoder);
      if (probeError) return { ok: false, detail: `${name}: the ONNX sessions do not answer (${probeError})` };
      const active = await deps.prisma.modelVersion.findFirst({ where: { active: true }, select: { id: true, name: true, version: true } });
      if (active && active.id !== model.modelVersionId) {
        const failure = deps.failure?.();
        const why = failure?.modelVersionId === active.id ? `: ${failure.message}` : " yet";
        return { ok: false, detail: `serving ${name}, but the active version is ${active.name} ${active.version}, not loaded here${why}` };
      }
      const [images, captions, catalogue] = await Promise.all([
        store.count(model.modelVersionId, "IMAGE"),
        store.count(model.modelVersionId, "CAPTION"),
        deps.prisma.image.count(),
      ]);
      const counts = `${name}: ${images} image and ${captions} caption vectors`;
      if (!active) return { ok: false, detail: `${counts}; no model version is active` };
      if (catalogue > 0 && images === 0) return { ok: false, detail: `${counts} for ${catalogue} catalogue images; index them first` };
      // Ends with "on <provider>": the admin's dashboard reads the execution provider from there.
      return { ok: true, detail: `${counts} on ${providerSummary(encoder.info())}` };
    },
  };
}
