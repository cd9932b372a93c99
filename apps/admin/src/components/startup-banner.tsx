"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import type { Readiness } from "../lib/readiness";
import { humanize } from "../lib/format";

const PHASES: Record<string, string> = {
  database: "Starting the database",
  model: "Loading the model",
  import: "Importing MedPix 2.0",
  index: "Indexing images and captions",
};

/**
 * The API's start-up as people should see it: the phase, a progress bar for import and index, and
 * notices (e.g. no MedPix copy found). Refreshes the page every 2 s until the API is ready.
 */
export function StartupBanner({ ready }: { ready: Pick<Readiness, "startup" | "notices"> }) {
  const router = useRouter();
  const startup = ready.startup;
  const starting = startup?.status === "starting";
  useEffect(() => {
    if (!starting) return;
    const timer = setInterval(() => router.refresh(), 2000);
    return () => clearInterval(timer);
  }, [starting, router]);

  const notices = ready.notices.map((n) => (
    <p key={n} className="alert alert-warn small" role="status">
      {n}
    </p>
  ));
  if (!startup) return notices.length ? <div className="stack">{notices}</div> : null;
  if (startup.status === "failed") {
    return (
      <div className="stack">
        <p className="alert alert-error" role="alert" data-testid="startup">
          The API could not finish starting: {startup.message}
        </p>
        {notices}
      </div>
    );
  }
  const pct = startup.total ? Math.round((100 * (startup.done ?? 0)) / startup.total) : undefined;
  const label = PHASES[startup.phase] ?? humanize(startup.phase);
  return (
    <div className="stack card" style={{ gap: 6 }} data-testid="startup" data-phase={startup.phase}>
      <div className="row-between small">
        <span>
          <b>{label}</b>
          {startup.message ? <span className="muted"> · {startup.message}</span> : null}
        </span>
        {startup.total ? (
          <span className="mono">
            {startup.step ? `${startup.step} ` : ""}
            {startup.done ?? 0}/{startup.total}
          </span>
        ) : null}
      </div>
      <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
        <span style={{ width: `${pct ?? 5}%` }} />
      </div>
      <p className="small muted">MedCap answers once this is done; this page follows along.</p>
      {notices}
    </div>
  );
}
