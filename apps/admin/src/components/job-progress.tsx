"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { jobAction } from "../actions/jobs.actions";
import { humanize } from "../lib/format";

type JobView = { status: string; progress: number; message: string | null; error: string | null };
const DONE = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);

/** Polls a background job once a second and refreshes the page's data when it ends. */
export function JobProgress({ jobId, label, onDone }: { jobId: string; label: string; onDone?: (status: string) => void }) {
  const [job, setJob] = useState<JobView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();
  const onDoneRef = useRef(onDone);
  onDoneRef.current = onDone;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function tick() {
      const result = await jobAction(jobId);
      if (stopped) return;
      if (!result.ok) {
        setError(result.error);
      } else if (result.data) {
        setError(null);
        setJob(result.data);
        if (DONE.has(result.data.status)) {
          onDoneRef.current?.(result.data.status);
          router.refresh();
          return;
        }
      }
      timer = setTimeout(tick, 1000);
    }
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [jobId, router]);

  const pct = Math.round((job?.progress ?? 0) * 100);
  const status = job?.status ?? "QUEUED";
  return (
    <div className="stack" style={{ gap: 4 }} data-testid="job-progress" data-status={status}>
      <div className="row-between small">
        <span>
          {label} · <b>{humanize(status)}</b>
          {job?.message ? <span className="muted"> · {job.message}</span> : null}
        </span>
        <span className="mono">{pct}%</span>
      </div>
      <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <span style={{ width: `${pct}%`, background: status === "FAILED" ? "var(--danger)" : undefined }} />
      </div>
      {job?.error ? (
        <p className="alert alert-error small" role="alert">
          {job.error}
        </p>
      ) : null}
      {error ? <p className="small muted">Progress unavailable: {error}</p> : null}
    </div>
  );
}
