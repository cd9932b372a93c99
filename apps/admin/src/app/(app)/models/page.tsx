import type { Metadata } from "next";
import { ErrorState, attempt } from "../../../components/states";
import { formatDate, formatMetric } from "../../../lib/format";
import { headlines } from "../../../lib/metrics";
import { can } from "../../../lib/roles";
import { query, requireSession } from "../../../lib/session";
import { ModelsDocument } from "../../../operations/models.operations";
import { ModelActions } from "./model-actions";

export const metadata: Metadata = { title: "Models" };

export default async function ModelsPage() {
  const session = await requireSession();
  const result = await attempt(() => query(ModelsDocument, {}));
  if (!result.ok) return <ErrorState error={result.error} />;
  const models = result.data.modelVersions;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Models</h1>
          <p className="sub">Dual-encoder versions. Vectors of different versions never mix: activating another version needs its index.</p>
        </div>
      </div>
      {models.length === 0 ? (
        <div className="card">
          <p className="empty">
            No model version registered. The API registers MEDCAP_MODEL_DIR and the model folders beside it when it starts.
          </p>
        </div>
      ) : (
        <div className="stack">
          {models.map((m) => {
            const latest = [...m.evaluationRuns].sort((a, b) => (b.finishedAt ?? "").localeCompare(a.finishedAt ?? ""))[0];
            return (
              <section key={m.id} className="card" aria-label={`${m.name} ${m.version}`}>
                <div className="card-head">
                  <h2>
                    {m.name} <span className="mono">{m.version}</span> {m.active ? <span className="pill pill-ok">active</span> : null}
                  </h2>
                  <span className="muted small">registered {formatDate(m.createdAt)}</span>
                </div>
                <div className="card-body grid-2">
                  <dl className="kv">
                    <dt>Embedding</dt>
                    <dd>{m.embeddingDim} dimensions</dd>
                    <dt>Manifest</dt>
                    <dd className="mono small" title={m.manifestSha256}>
                      sha256 {m.manifestSha256.slice(0, 16)}…
                    </dd>
                    <dt>Evaluations</dt>
                    <dd>
                      {m.evaluationRuns.length}
                      {latest ? (
                        <span className="muted small">
                          {" "}
                          · latest {latest.protocol} on {latest.split.toLowerCase()}:{" "}
                          {headlines(latest.metrics)
                            .slice(0, 3)
                            .map((h) => `${h.label} ${formatMetric(h.value)}`)
                            .join(" · ")}
                        </span>
                      ) : null}
                    </dd>
                  </dl>
                  <ModelActions
                    id={m.id}
                    active={m.active}
                    canActivate={can.manageModels(session.role)}
                    canReindex={can.runEvaluations(session.role)}
                  />
                </div>
              </section>
            );
          })}
        </div>
      )}
    </>
  );
}
