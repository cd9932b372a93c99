"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import { resolveFlagAction } from "../../../actions/curation.actions";
import { ExplanationOverlay, ExplanationStatus } from "../../../components/explanation-overlay";
import { ActionForm, useFormAction } from "../../../components/popover-form";
import { useExplanation } from "../../../components/use-explanation";
import { WordWeights } from "../../../components/word-weights";
import type { FlagQueueQuery } from "../../../gql/graphql";
import { formatDate, humanize } from "../../../lib/format";

type QueueFlag = FlagQueueQuery["flags"]["edges"][number]["node"];

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

/** One flag at a time, image large; keyboard-first for curators who clear the queue all day. */
export function ReviewQueue({
  flags,
  canResolve,
  role,
  status,
}: {
  flags: QueueFlag[];
  canResolve: boolean;
  role: string;
  status: string;
}) {
  const [resolved, setResolved] = useState<Set<string>>(new Set());
  const [index, setIndex] = useState(0);
  const [notice, setNotice] = useState<{ text: string; caseId: string; imageId: string } | null>(null);
  const resolve = useFormAction();
  const { pending, run, fail, clear } = resolve;
  const textRef = useRef<HTMLTextAreaElement>(null);
  const commentRef = useRef<HTMLInputElement>(null);

  const queue = flags.filter((f) => !resolved.has(f.id));
  const current = queue[Math.min(index, Math.max(0, queue.length - 1))];
  // "why?" (w): the flagged image's heat map against its caption, and the caption's heavy words.
  const [why, setWhy] = useState(false);
  const explanation = useExplanation(why && current ? { imageId: current.caption.image.id, captionId: current.caption.id } : null);
  const explained = why && explanation.status === "done" ? explanation.data : null;

  // Each flag starts from its caption's current text.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset only when the flag shown changes.
  useEffect(() => {
    if (textRef.current && current) textRef.current.value = current.caption.text;
    if (commentRef.current) commentRef.current.value = "";
    clear();
  }, [current?.id]);

  const move = useCallback(
    (delta: number) => setIndex((i) => Math.min(Math.max(0, i + delta), Math.max(0, queue.length - 1))),
    [queue.length],
  );

  const decide = useCallback(
    (decision: "ACCEPT" | "REJECT") => {
      if (!current || !canResolve || pending) return;
      const edited = textRef.current?.value.trim() ?? "";
      const correctedText = decision === "ACCEPT" && edited && edited !== current.caption.text.trim() ? edited : undefined;
      const comment = commentRef.current?.value.trim() || undefined;
      if (decision === "REJECT" && !comment) {
        fail("Say why the flag is rejected: the annotator sees this comment.");
        commentRef.current?.focus();
        return;
      }
      run(
        () => resolveFlagAction({ id: current.id, decision, correctedText, comment }),
        (data) => {
          setNotice({
            text:
              decision === "ACCEPT"
                ? correctedText
                  ? `Accepted. The caption is now at revision ${data.revision}.`
                  : "Accepted without changing the caption."
                : "Rejected. The caption stays as it was.",
            caseId: current.caption.image.case.id,
            imageId: current.caption.image.id,
          });
          // The action revalidates /review, so the queue's data refreshes with the action's own response.
          setResolved((s) => new Set(s).add(current.id));
        },
      );
    },
    [current, canResolve, pending, run, fail],
  );

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.metaKey || e.ctrlKey || e.altKey) return;
      if (isTyping(e.target)) {
        if (e.key === "Escape") (e.target as HTMLElement).blur();
        return;
      }
      if (e.key === "w") setWhy((v) => !v);
      else if (e.key === "j") move(1);
      else if (e.key === "k") move(-1);
      else if (canResolve && e.key === "a") decide("ACCEPT");
      else if (canResolve && e.key === "r") {
        if (commentRef.current?.value.trim()) decide("REJECT");
        else commentRef.current?.focus();
      } else if (canResolve && e.key === "e") textRef.current?.focus();
      else return;
      e.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [move, decide, canResolve]);

  const banner = notice ? (
    <p className="alert alert-ok" role="status">
      {notice.text} <Link href={`/cases/${notice.caseId}#image-${notice.imageId}`}>See it in the case</Link>
    </p>
  ) : null;

  if (!current) {
    return (
      <div className="stack">
        {banner}
        <div className="card">
          <div className="empty">
            <strong>{status === "OPEN" ? "The queue is empty." : "Nothing here."}</strong>
            {status === "OPEN" ? "No open flags. Annotators flag captions from any case page." : null}
          </div>
        </div>
      </div>
    );
  }

  const img = current.caption.image;
  const position = Math.min(index, queue.length - 1) + 1;
  return (
    <div className="stack">
      {banner}
      {!canResolve && status === "OPEN" ? (
        <p className="alert alert-warn" role="note">
          Your role (<b>{role.toLowerCase()}</b>) can see flags but not resolve them; curators resolve flags.
        </p>
      ) : null}
      <div className="row-between">
        <div className="row">
          <button type="button" className="btn btn-sm" onClick={() => move(-1)} disabled={position <= 1} aria-label="Previous flag (k)">
            ← Prev
          </button>
          <span className="small" aria-live="polite">
            Flag <b>{position}</b> of {queue.length}
          </span>
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => move(1)}
            disabled={position >= queue.length}
            aria-label="Next flag (j)"
          >
            Next →
          </button>
        </div>
        <aside className="shortcuts" aria-label="Keyboard shortcuts">
          <span>
            <kbd>j</kbd>/<kbd>k</kbd> next/previous
          </span>
          <span>
            <kbd>w</kbd> why?
          </span>
          {canResolve ? (
            <>
              <span>
                <kbd>a</kbd> accept
              </span>
              <span>
                <kbd>r</kbd> reject
              </span>
              <span>
                <kbd>e</kbd> edit text
              </span>
              <span>
                <kbd>Esc</kbd> leave field
              </span>
            </>
          ) : null}
        </aside>
      </div>

      <article className="card" aria-label={`Flag ${position}`} data-testid="review-flag">
        <div className="case-image">
          <div>
            {why ? (
              <ExplanationOverlay src={`/images/${img.id}?size=1024`} alt={current.caption.text} explanation={explained} />
            ) : (
              // biome-ignore lint/performance/noImgElement: authenticated image through the admin's image route.
              <img src={`/images/${img.id}?size=1024`} alt={current.caption.text} className="image-large" width={1024} height={1024} />
            )}
            {why ? <ExplanationStatus state={explanation} encodes={65} /> : null}
            <div className="row small muted" style={{ marginTop: 6 }}>
              <span className="pill pill-accent">{img.modality}</span>
              {img.plane ? <span>{img.plane}</span> : null}
              {img.location ? <span>· {img.location}</span> : null}
              <Link href={`/cases/${img.case.id}#image-${img.id}`}>Case {img.case.externalId}</Link>
              <button
                type="button"
                className={`btn btn-sm${why ? " btn-primary" : ""}`}
                aria-pressed={why}
                onClick={() => setWhy((v) => !v)}
                title="Which regions of the image and which words of the caption the model's match leans on"
                data-testid="why-toggle"
              >
                why? <kbd>w</kbd>
              </button>
            </div>
          </div>
          <div className="stack" style={{ alignContent: "start" }}>
            <div>
              <div className="label">Reason</div>
              <div className="row">
                <span className="pill pill-warn">{humanize(current.reason)}</span>
                <span className="small muted">
                  by {current.raisedBy} · {formatDate(current.createdAt)}
                </span>
              </div>
              {current.note ? <p style={{ marginTop: 6 }}>“{current.note}”</p> : <p className="muted small">No note.</p>}
            </div>
            <div>
              <div className="label">
                Current caption <span className="muted">· revision {current.caption.revision}</span>
              </div>
              <p className="caption-text">
                {explained?.wordWeights && explained.targetText === current.caption.text ? (
                  <WordWeights text={explained.targetText} weights={explained.wordWeights} />
                ) : (
                  current.caption.text
                )}
              </p>
            </div>
            {img.case.caseDiagnosis ? (
              <p className="small">
                <span className="muted">Case diagnosis:</span> {img.case.caseDiagnosis}
              </p>
            ) : null}
            {canResolve ? (
              // Esc is left to the queue's own handler, which leaves the field so j/k/a/r work again.
              <ActionForm
                label="Resolve flag"
                state={resolve}
                onSubmit={() => decide("ACCEPT")}
                actions={
                  <>
                    <button type="submit" className="btn btn-primary" disabled={pending}>
                      Accept <kbd>a</kbd>
                    </button>
                    <button type="button" className="btn btn-danger" disabled={pending} onClick={() => decide("REJECT")}>
                      Reject <kbd>r</kbd>
                    </button>
                    {pending ? <span className="small muted">Saving…</span> : null}
                  </>
                }
              >
                <div className="field">
                  <label htmlFor="corrected">Corrected caption (accept writes a new revision when changed)</label>
                  <textarea id="corrected" ref={textRef} rows={4} defaultValue={current.caption.text} />
                </div>
                <div className="field">
                  <label htmlFor="comment">Comment</label>
                  <input id="comment" ref={commentRef} type="text" placeholder="Required to reject; optional to accept" />
                </div>
              </ActionForm>
            ) : current.status !== "OPEN" ? (
              <div className="small">
                <b>{humanize(current.status)}</b> by {current.resolvedBy ?? "—"}
                {current.resolutionComment ? `: “${current.resolutionComment}”` : ""}
                {current.correctedText ? <p>Corrected to: {current.correctedText}</p> : null}
              </div>
            ) : null}
          </div>
        </div>
      </article>
    </div>
  );
}
