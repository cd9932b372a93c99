"use client";

import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState, useTransition } from "react";
import { updateCaptionAction } from "../actions/curation.actions";

/** Curators edit a caption directly; the API writes a new revision and re-indexes it. */
export function CaptionEditor({ captionId, text }: { captionId: string; text: string }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const router = useRouter();
  const ids = useId();
  const textRef = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (open) textRef.current?.focus();
  }, [open]);
  return (
    <div>
      <button type="button" className="btn btn-sm" aria-expanded={open} aria-controls={`${ids}-form`} onClick={() => setOpen((o) => !o)}>
        ✎ Edit caption
      </button>
      {open ? (
        <form
          id={`${ids}-form`}
          className="popover stack"
          aria-label="Edit caption"
          onKeyDown={(e) => {
            if (e.key === "Escape") setOpen(false);
          }}
          action={(form) =>
            start(async () => {
              setError(null);
              const result = await updateCaptionAction(form);
              if (result.ok) {
                setOpen(false);
                router.refresh();
              } else setError(result.error);
            })
          }
        >
          <input type="hidden" name="captionId" value={captionId} />
          <div className="field">
            <label htmlFor={`${ids}-text`}>Caption</label>
            <textarea id={`${ids}-text`} name="text" rows={4} defaultValue={text} required ref={textRef} />
          </div>
          <div className="field">
            <label htmlFor={`${ids}-comment`}>Why (kept in the revision history)</label>
            <input id={`${ids}-comment`} name="comment" type="text" />
          </div>
          {error ? (
            <p className="alert alert-error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="row">
            <button type="submit" className="btn btn-primary btn-sm" disabled={pending}>
              {pending ? "Saving…" : "Save revision"}
            </button>
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
