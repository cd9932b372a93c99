"use client";

import { useState, useTransition } from "react";
import { activateModelAction, reindexAction } from "../../../actions/models.actions";
import { JobProgress } from "../../../components/job-progress";

export function ModelActions({
  id,
  active,
  canActivate,
  canReindex,
}: {
  id: string;
  active: boolean;
  canActivate: boolean;
  canReindex: boolean;
}) {
  const [jobId, setJobId] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  if (!canActivate && !canReindex) return <p className="muted small">Curators re-index; admins activate versions.</p>;
  return (
    <div className="stack" style={{ alignContent: "start" }}>
      <div className="row">
        {canReindex ? (
          <button
            type="button"
            className="btn"
            disabled={pending || running}
            onClick={() =>
              start(async () => {
                setError(null);
                const r = await reindexAction(id);
                if (r.ok) {
                  setJobId(r.data.jobId);
                  setRunning(true);
                } else setError(r.error);
              })
            }
          >
            Re-index
          </button>
        ) : null}
        {canActivate && !active ? (
          <button
            type="button"
            className="btn btn-primary"
            disabled={pending}
            onClick={() => {
              if (!window.confirm("Make this version answer every search? Its vectors must be indexed.")) return;
              start(async () => {
                setError(null);
                const r = await activateModelAction(id);
                if (!r.ok) setError(r.error);
              });
            }}
          >
            Activate
          </button>
        ) : null}
      </div>
      {/* The finished job stays on screen (its outcome matters); a new re-index replaces it. */}
      {jobId ? <JobProgress key={jobId} jobId={jobId} label="Re-index" onDone={() => setRunning(false)} /> : null}
      {error ? (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
