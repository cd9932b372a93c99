"use client";

import type { Explanation } from "../actions/explain.actions";
import { formatScore } from "../lib/format";
import { type ExplanationState, useElapsed } from "./use-explanation";

/**
 * The image with the occlusion heat map laid over it. The overlay PNG has the image's aspect ratio,
 * so it is stretched over the image's own box (the frame shrinks to the image, never letterboxed).
 */
export function ExplanationOverlay({
  src,
  alt,
  explanation,
  large = true,
}: {
  /** null when the browser cannot show the query (e.g. a DICOM upload): the heat map is drawn alone. */
  src: string | null;
  alt: string;
  explanation: Explanation | null;
  large?: boolean;
}) {
  const overlay = explanation?.overlay;
  return (
    <div className={`explain-frame${large ? " explain-frame-large" : ""}`} data-testid="explain-frame">
      {src ? (
        // biome-ignore lint/performance/noImgElement: authenticated image route or a local object URL, not next/image.
        <img src={src} alt={alt} className="explain-image" />
      ) : (
        <div
          className="explain-placeholder"
          style={{ aspectRatio: overlay ? `${overlay.width} / ${overlay.height}` : "1" }}
          role="img"
          aria-label={alt}
        />
      )}
      {overlay ? (
        // biome-ignore lint/performance/noImgElement: an inline data URL from the API.
        <img
          src={overlay.dataUrl}
          alt="Occlusion heat map: red where greying out the region lowers the match most"
          className="explain-heat"
          data-testid="explain-heat"
        />
      ) : null}
    </div>
  );
}

/** One line under the image: progress while computing, then what the map is and where it came from. */
export function ExplanationStatus({ state, encodes }: { state: ExplanationState; encodes: number }) {
  const elapsed = useElapsed(state.status === "loading" ? state.startedAt : null);
  if (state.status === "idle") return null;
  if (state.status === "loading") {
    return (
      <p className="small muted explain-status" role="status" aria-live="polite">
        <span className="spinner" aria-hidden="true" /> Explaining: greying out each of {encodes} regions in turn and re-encoding…{" "}
        {elapsed.toFixed(0)} s
      </p>
    );
  }
  if (state.status === "error") {
    return (
      <p className="alert alert-error small" role="alert">
        {state.error}
      </p>
    );
  }
  const e = state.data;
  return (
    <p className="small muted explain-status" role="status" data-testid="explain-status">
      Red: greying out that region lowers the match most ({e.grid}×{e.grid} grid, similarity {formatScore(e.similarity)}
      {e.topCells[0] ? `, top drop ${formatScore(e.topCells[0].drop)}` : ""}).{" "}
      {e.cached ? "From the cache." : `${Math.round(e.computeMs)} ms.`} What this model responds to, not clinical relevance.
    </p>
  );
}
