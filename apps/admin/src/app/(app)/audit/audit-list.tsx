"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { dismissSuspicionAction, flagFromSuspicionAction } from "../../../actions/audit.actions";
import { ImageThumb } from "../../../components/image-thumb";
import type { CaptionSuspicionsQuery } from "../../../gql/graphql";
import { humanize } from "../../../lib/format";
import { highlightWords } from "../../../lib/highlight";
import { isTyping } from "../../../lib/shortcuts";

type Suspicion = CaptionSuspicionsQuery["captionSuspicions"]["edges"][number]["node"];

function Highlighted({ text, words }: { text: string; words: string[] }) {
  return (
    <>
      {highlightWords(text, words).map((s, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: segments are positional and never reordered.
        s.mark ? <mark key={i}>{s.text}</mark> : <span key={i}>{s.text}</span>,
      )}
    </>
  );
}

/** The ranked suspicions; keyboard-first like the review queue: j/k move, f flag, d dismiss, o open the case. */
export function AuditList({ suspicions }: { suspicions: Suspicion[] }) {
  const router = useRouter();
  const [done, setDone] = useState<Map<string, string>>(new Map());
  const [index, setIndex] = useState(0);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const list = suspicions.filter((s) => !done.has(s.id));
  const current = list[Math.min(index, Math.max(0, list.length - 1))];

  const move = useCallback(
    (delta: number) => setIndex((i) => Math.min(Math.max(0, i + delta), Math.max(0, list.length - 1))),
    [list.length],
  );

  const act = useCallback(
    async (kind: "flag" | "dismiss", target: Suspicion | undefined = current) => {
      if (!target || pending) return;
      setPending(true);
      setError(null);
      const result = kind === "flag" ? await flagFromSuspicionAction({ id: target.id }) : await dismissSuspicionAction({ id: target.id });
      setPending(false);
      if (result.ok) setDone((m) => new Map(m).set(target.id, kind === "flag" ? "Flagged for review." : "Dismissed."));
      else setError(result.error);
    },
    [current, pending],
  );

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.metaKey || e.ctrlKey || e.altKey || isTyping(e.target as HTMLElement | null)) return;
      if (e.key === "j") move(1);
      else if (e.key === "k") move(-1);
      else if (e.key === "f") void act("flag");
      else if (e.key === "d") void act("dismiss");
      else if (e.key === "o" && current?.images[0]) router.push(`/cases/${current.images[0].case.id}#image-${current.images[0].id}`);
      else return;
      e.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [move, act, current, router]);

  useEffect(() => {
    if (current) document.getElementById(`suspicion-${current.id}`)?.scrollIntoView({ block: "nearest" });
  }, [current]);

  if (!list.length) {
    return (
      <div className="card">
        <div className="empty">
          <strong>Nothing to audit.</strong>
          {done.size ? `${done.size} handled in this session.` : "No open suspicions: run `medcap audit captions` or a caption audit job."}
        </div>
      </div>
    );
  }
  return (
    <div className="stack">
      <div className="row-between">
        <span className="small" aria-live="polite">
          {done.size ? `${done.size} handled · ` : ""}
          {list.length} shown
        </span>
        <aside className="shortcuts" aria-label="Keyboard shortcuts">
          <span>
            <kbd>j</kbd>/<kbd>k</kbd> next/previous
          </span>
          <span>
            <kbd>f</kbd> flag for review
          </span>
          <span>
            <kbd>d</kbd> dismiss
          </span>
          <span>
            <kbd>o</kbd> open case
          </span>
        </aside>
      </div>
      {error ? (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      ) : null}
      <ol className="stack" style={{ listStyle: "none", padding: 0 }} data-testid="audit-list">
        {list.map((s) => {
          const selected = s.id === current?.id;
          const words = s.reasons.flatMap((r) => r.words);
          return (
            <li key={s.id} id={`suspicion-${s.id}`}>
              <article
                className="card"
                aria-current={selected ? "true" : undefined}
                style={selected ? { outline: "2px solid var(--accent, #2563eb)" } : undefined}
                data-testid="suspicion"
              >
                <div className="row" style={{ alignItems: "flex-start", gap: 16 }}>
                  <div className="row">
                    {s.images.map((img) => (
                      <ImageThumb key={img.id} id={img.id} size={128} alt={s.caption.text} />
                    ))}
                  </div>
                  <div className="stack" style={{ flex: 1 }}>
                    <div className="row small muted">
                      <span className="pill pill-warn">score {s.score.toFixed(2)}</span>
                      {s.images.map((img) => (
                        <span key={img.id}>
                          {img.modality}
                          {img.plane ? ` · ${img.plane}` : ""}
                          {img.locationCategory ? ` · ${img.locationCategory}` : ""} ·{" "}
                          <Link href={`/cases/${img.case.id}#image-${img.id}`}>Case {img.case.externalId}</Link>
                        </span>
                      ))}
                    </div>
                    <p className="caption-text">
                      <Highlighted text={s.caption.text} words={words} />
                    </p>
                    <ul className="small">
                      {s.reasons.map((r) => (
                        <li key={`${r.code}-${r.detail}`}>
                          <b>{humanize(r.code)}</b>: {r.detail}
                        </li>
                      ))}
                    </ul>
                    <div className="row">
                      <button type="button" className="btn btn-sm btn-primary" disabled={pending} onClick={() => void act("flag", s)}>
                        Flag {selected ? <kbd>f</kbd> : null}
                      </button>
                      <button type="button" className="btn btn-sm" disabled={pending} onClick={() => void act("dismiss", s)}>
                        Dismiss {selected ? <kbd>d</kbd> : null}
                      </button>
                    </div>
                  </div>
                </div>
              </article>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
