"use client";

import { useState } from "react";
import { runEvaluationAction } from "../../../actions/evaluations.actions";
import { JobProgress } from "../../../components/job-progress";
import { FormError, useFormAction } from "../../../components/popover-form";

const PROTOCOLS = [
  ["CAPTION_LIBRARY", "caption-library"],
  ["RETRIEVAL", "retrieval"],
  ["SEED_TEMPLATE", "seed-template"],
] as const;

export function RunEvaluationForm({ models }: { models: { id: string; label: string }[] }) {
  const [jobs, setJobs] = useState<{ id: string; label: string }[]>([]);
  const queue = useFormAction();
  return (
    <section className="card" aria-labelledby="run-eval" style={{ marginBottom: 14 }}>
      <div className="card-head">
        <h2 id="run-eval">Start a run</h2>
        <span className="muted small">never tune on the test split</span>
      </div>
      <form
        className="card-body stack"
        action={(form) => {
          const protocol = String(form.get("protocol"));
          const split = String(form.get("split"));
          queue.run(
            () => runEvaluationAction({ protocol, split, modelVersionId: String(form.get("model") ?? "") || undefined }),
            (data) =>
              setJobs((j) => [{ id: data.jobId, label: `${protocol.toLowerCase().replace("_", "-")} on ${split.toLowerCase()}` }, ...j]),
          );
        }}
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
          <button type="submit" className="btn btn-primary" disabled={queue.pending}>
            {queue.pending ? "Queuing…" : "Run evaluation"}
          </button>
        </div>
        <FormError error={queue.error} />
        {jobs.map((j) => (
          <JobProgress key={j.id} jobId={j.id} label={j.label} />
        ))}
      </form>
    </section>
  );
}
