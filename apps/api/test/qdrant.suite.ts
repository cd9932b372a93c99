// How a spec reaches the run's Qdrant server (see qdrant.global-setup.ts) and names its skip reason.
import { inject } from "vitest";

export const qdrantUrl: string = inject("qdrantUrl") ?? "";
export const qdrantSkipReason: string = inject("qdrantSkipReason") ?? "";

/** Suite title: the plain name when Qdrant runs, the reason in the name when it is skipped. */
export const qdrantTitle = (name: string) => (qdrantUrl ? name : `${name} [SKIPPED: ${qdrantSkipReason || "no Qdrant server"}]`);
