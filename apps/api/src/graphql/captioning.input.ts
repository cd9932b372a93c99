// GraphQL captioning arguments (captionImage, runEvaluation) → the service's overrides.
import { type CaptioningOverrides, type CaptionStrategy, captioningDefaults, mergeCaptioning } from "../search/caption.strategy.js";
import { parseConsensus } from "../search/consensus.rerank.js";

export interface CaptioningArgs {
  strategy?: "TEXT" | "IMAGES" | "FUSED" | null;
  neighbours?: number | null;
  temperature?: number | null;
  weight?: number | null;
  consensus?: string | null;
}

/** Arguments left out stay undefined (the served model's defaults apply); out-of-range ones are refused. */
export function captioningFromArgs(args: CaptioningArgs): CaptioningOverrides {
  const out: CaptioningOverrides = {
    strategy: args.strategy ? (args.strategy.toLowerCase() as CaptionStrategy) : undefined,
    neighbours: args.neighbours ?? undefined,
    temperature: args.temperature ?? undefined,
    weight: args.weight ?? undefined,
    consensus: args.consensus == null ? undefined : parseConsensus(args.consensus),
  };
  mergeCaptioning(captioningDefaults(undefined), out);
  return out;
}
