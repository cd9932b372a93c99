"use client";

import { useEffect, useState } from "react";
import { ExplanationOverlay, ExplanationStatus } from "./explanation-overlay";
import { type ExplainRequest, useExplanation } from "./use-explanation";
import { WordWeights } from "./word-weights";

/** The search's query image, as submitted (the form may have changed since). */
export interface QueryImage {
  file: File | null;
  imageId: string;
}

/** Occluded copies of the default 8×8 grid, plus the original. */
const ENCODES = 65;

/**
 * A "why?" button on one search result; when pressed, the query image with its heat map against
 * this result, and for a caption result the caption with its heavy words highlighted.
 */
export function WhyToggle({ query, captionId, targetImageId }: { query: QueryImage | null; captionId?: string; targetImageId?: string }) {
  const [on, setOn] = useState(false);
  const request: ExplainRequest | null =
    on && query ? { file: query.file, imageId: query.file ? undefined : query.imageId, captionId, targetImageId } : null;
  const state = useExplanation(request);
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(() => {
    if (!on || !query?.file || !/^image\/(png|jpeg|webp)$/.test(query.file.type)) return setPreview(null);
    const url = URL.createObjectURL(query.file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [on, query?.file]);
  if (!query) return null;
  const src = query.file ? preview : `/images/${encodeURIComponent(query.imageId)}?size=1024`;
  const data = state.status === "done" ? state.data : null;
  return (
    <div className="why">
      <button
        type="button"
        className={`btn btn-sm${on ? " btn-primary" : ""}`}
        aria-pressed={on}
        onClick={() => setOn((v) => !v)}
        title="Which regions of the query image, and which words, this match leans on"
        data-testid="why-toggle"
      >
        why?
      </button>
      {on ? (
        <div className="why-panel stack" data-testid="why-panel">
          <ExplanationOverlay src={src} alt="Query image" explanation={data} large={false} />
          <ExplanationStatus state={state} encodes={ENCODES} />
          {data?.wordWeights && data.targetText ? (
            <p>
              <WordWeights text={data.targetText} weights={data.wordWeights} />
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
