"use client";

import { useRouter } from "next/navigation";
import { useId } from "react";
import { updateCaptionAction } from "../actions/curation.actions";
import { PopoverForm } from "./popover-form";

/** Curators edit a caption directly; the API writes a new revision and re-indexes it. */
export function CaptionEditor({ captionId, text }: { captionId: string; text: string }) {
  const router = useRouter();
  const ids = useId();
  return (
    <PopoverForm
      trigger="✎ Edit caption"
      label="Edit caption"
      submitLabel="Save revision"
      pendingLabel="Saving…"
      submit={updateCaptionAction}
      onDone={() => router.refresh()}
    >
      <input type="hidden" name="captionId" value={captionId} />
      <div className="field">
        <label htmlFor={`${ids}-text`}>Caption</label>
        <textarea id={`${ids}-text`} name="text" rows={4} defaultValue={text} required />
      </div>
      <div className="field">
        <label htmlFor={`${ids}-comment`}>Why (kept in the revision history)</label>
        <input id={`${ids}-comment`} name="comment" type="text" />
      </div>
    </PopoverForm>
  );
}
