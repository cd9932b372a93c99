"use client";

import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState, useTransition } from "react";
import { flagCaptionAction } from "../actions/curation.actions";
import { FLAG_REASONS, humanize } from "../lib/format";

/** "Flag caption" for annotators: a reason and a note, sent to the API's flagCaption. */
export function FlagButton({ captionId }: { captionId: string }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [pending, start] = useTransition();
  const router = useRouter();
  const ids = useId();
  const firstField = useRef<HTMLSelectElement>(null);

  useEffect(() => {
    if (open) firstField.current?.focus();
  }, [open]);

  if (done) {
    return (
      <span className="pill pill-warn" role="status">
        Flagged · a curator will review it
      </span>
    );
  }
  return (
    <div>
      <button type="button" className="btn btn-sm" aria-expanded={open} aria-controls={`${ids}-form`} onClick={() => setOpen((o) => !o)}>
        ⚑ Flag caption
      </button>
      {open ? (
        <form
          id={`${ids}-form`}
          className="popover stack"
          aria-label="Flag this caption"
          onKeyDown={(e) => {
            if (e.key === "Escape") setOpen(false);
          }}
          action={(form) =>
            start(async () => {
              setError(null);
              const result = await flagCaptionAction(form);
              if (result.ok) {
                setDone(true);
                router.refresh();
              } else setError(result.error);
            })
          }
        >
          <input type="hidden" name="captionId" value={captionId} />
          <div className="field">
            <label htmlFor={`${ids}-reason`}>Reason</label>
            <select id={`${ids}-reason`} name="reason" required defaultValue="" ref={firstField}>
              <option value="" disabled>
                Choose…
              </option>
              {FLAG_REASONS.map((r) => (
                <option key={r} value={r}>
                  {humanize(r)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-note`}>Note for the curator</label>
            <textarea id={`${ids}-note`} name="note" rows={3} placeholder="What is wrong, and what should it say?" />
          </div>
          {error ? (
            <p className="alert alert-error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="row">
            <button type="submit" className="btn btn-primary btn-sm" disabled={pending}>
              {pending ? "Sending…" : "Submit flag"}
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
