// The captioning flags shared by `medcap caption` and `medcap eval`: one spelling, one parser.
import type { Command } from "commander";
import { MedcapError } from "../core/errors.js";
import { type CaptioningOverrides, parseCaptionStrategy } from "../search/caption.strategy.js";
import { parseConsensus } from "../search/consensus.rerank.js";

export interface CaptioningFlags {
  strategy?: string;
  neighbours?: string;
  temperature?: string;
  weight?: string;
  consensus?: string;
}

export function addCaptioningOptions(command: Command, prefix = ""): Command {
  return command
    .option(
      "--strategy <text|images|fused>",
      `${prefix}rank captions by text cosine, by votes of the nearest library images, or both (default: the model's manifest, MEDCAP_CAPTION_STRATEGY)`,
    )
    .option("--neighbours <K>", `${prefix}library images that vote (images, fused)`)
    .option("--temperature <tau>", `${prefix}vote weights exp((s - s_max)/tau) (images, fused)`)
    .option("--weight <beta>", `${prefix}fused: (1 - beta) · cosine + beta · vote`)
    .option(
      "--consensus <m:w|off>",
      `${prefix}consensus re-ranking of the strategy's top m with weight w, or off (default: the model's manifest, MEDCAP_CAPTION_CONSENSUS)`,
    );
}

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new MedcapError("BAD_USER_INPUT", `--${flag} takes a number, got "${value}"`);
  return n;
}

/** Only the flags given; the service validates ranges and fills the rest from its defaults. */
export function captioningOverrides(flags: CaptioningFlags): CaptioningOverrides {
  return {
    strategy: flags.strategy === undefined ? undefined : parseCaptionStrategy(flags.strategy),
    neighbours: number("neighbours", flags.neighbours),
    temperature: number("temperature", flags.temperature),
    weight: number("weight", flags.weight),
    consensus: flags.consensus === undefined ? undefined : parseConsensus(flags.consensus),
  };
}
