"use client";

import { useState, useTransition } from "react";
import { runEvaluationAction } from "../../../actions/operations.actions";
import { JobProgress } from "../../../components/job-progress";

const PROTOCOLS = [
  ["CAPTION_LIBRARY", "caption-library"],
  ["RETRIEVAL", "retrieval"],
  ["SEED_TEMPLATE", "seed-template"],
] as const;

export function RunEvaluationForm({ models }: { models: { id: string; label: string }[] }) {
  const [jobs, setJobs] = useState<{ id: string; label: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  return (
    <section className="card" aria-labelledby="run-eval" style={{ marginBottom: 14 }}>
      <div className="card-head">
        <h2 id="run-eval">Start a run</h2>
        <span className="muted small">never tune on the test split</span>
      </div>
      <form
        className="card-body stack"
        action={(form) =>
          start(async () => {
            setError(null);
            const protocol = String(form.get("protocol"));
            const split = String(form.get("split"));
            const result = await runEvaluationAction({ protocol, split, modelVersionId: String(form.get("model") ?? "") || undefined });
            if (result.ok)
              setJobs((j) => [
                { id: result.data.jobId, label: `${protocol.toLowerCase().replace("_", "-")} on ${split.toLowerCase()}` },
                ...j,
              ]);
            else setError(result.error);
          })
        }
      >
        <div className="row" style={{ alignItems: "flex-end" }}>
          <div className="field">
            <label htmlFor="protocol">Protocol</label>
            <select id="protocol" name="protocol" defaultValue="CAPTION_LIBRARY">
              {PROTOCOLS.map(([v, l]) => (
                <option key={v} value={v}>
                  {l}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="split">Split</label>
            <select id="split" name="split" defaultValue="DEV">
              <option value="DEV">Dev</option>
              <option value="TRAIN">Train</option>
              <option value="TEST">Test</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="model">Model version</label>
            <select id="model" name="model" defaultValue="">
              <option value="">Active version</option>
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? "Queuing…" : "Run evaluation"}
          </button>
        </div>
        {error ? (
          <p className="alert alert-error" role="alert">
            {error}
          </p>
        ) : null}
        {jobs.map((j) => (
          <JobProgress key={j.id} jobId={j.id} label={j.label} />
        ))}
      </form>
    </section>
  );
}
