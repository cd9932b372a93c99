"use client";

import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { flagCaptionAction } from "../actions/curation.actions";
import { FLAG_REASONS, humanize } from "../lib/format";
import { PopoverForm } from "./popover-form";

/** "Flag caption" for annotators: a reason and a note, sent to the API's flagCaption. */
export function FlagButton({ captionId }: { captionId: string }) {
  const [done, setDone] = useState(false);
  const router = useRouter();
  const ids = useId();

  if (done) {
    return (
      <span className="pill pill-warn" role="status">
        Flagged · a curator will review it
      </span>
    );
  }
  return (
    <PopoverForm
      trigger="⚑ Flag caption"
      label="Flag this caption"
      submitLabel="Submit flag"
      pendingLabel="Sending…"
      submit={flagCaptionAction}
      onDone={() => {
        setDone(true);
        router.refresh();
      }}
    >
      <input type="hidden" name="captionId" value={captionId} />
      <div className="field">
        <label htmlFor={`${ids}-reason`}>Reason</label>
        <select id={`${ids}-reason`} name="reason" required defaultValue="">
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
    </PopoverForm>
  );
}
