"use client";

import { useEffect, useState } from "react";
import { type Explanation, explainAction } from "../actions/explain.actions";

/** What to explain: the query image (an uploaded file or a catalogue id) and one target. */
export interface ExplainRequest {
  file?: File | null;
  imageId?: string;
  captionId?: string;
  targetImageId?: string;
}

export type ExplanationState =
  | { status: "idle" }
  | { status: "loading"; startedAt: number }
  | { status: "done"; data: Explanation }
  | { status: "error"; error: string };

// Explanations already fetched in this tab, so toggling "why?" off and on again (or returning to a
// flag) is instant; the API keeps its own cache for other tabs and users.
const seen = new Map<string, Explanation>();
const fileIds = new WeakMap<File, number>();
let nextFileId = 0;

function requestKey(r: ExplainRequest): string {
  let image = `id:${r.imageId ?? ""}`;
  if (r.file) {
    if (!fileIds.has(r.file)) fileIds.set(r.file, nextFileId++);
    image = `file:${fileIds.get(r.file)}`;
  }
  return `${image}|c:${r.captionId ?? ""}|i:${r.targetImageId ?? ""}`;
}

/** Fetches the explanation of `request` while it is non-null; cached ones come back at once. */
export function useExplanation(request: ExplainRequest | null): ExplanationState {
  const key = request ? requestKey(request) : null;
  const [state, setState] = useState<ExplanationState>({ status: "idle" });
  // biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the request's content.
  useEffect(() => {
    if (!request || !key) {
      setState({ status: "idle" });
      return;
    }
    const hit = seen.get(key);
    if (hit) {
      setState({ status: "done", data: hit });
      return;
    }
    let live = true;
    setState({ status: "loading", startedAt: Date.now() });
    const form = new FormData();
    if (request.file) form.set("file", request.file);
    if (request.imageId) form.set("imageId", request.imageId);
    if (request.captionId) form.set("captionId", request.captionId);
    if (request.targetImageId) form.set("targetImageId", request.targetImageId);
    explainAction(form).then(
      (result) => {
        if (result.ok) seen.set(key, result.data);
        if (live) setState(result.ok ? { status: "done", data: result.data } : { status: "error", error: result.error });
      },
      (err: unknown) => live && setState({ status: "error", error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return state;
}

/** Seconds since `startedAt`, ticking while shown (the explanation's progress: it has no finer signal). */
export function useElapsed(startedAt: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (startedAt === null) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [startedAt]);
  return startedAt === null ? 0 : Math.max(0, (now - startedAt) / 1000);
}
