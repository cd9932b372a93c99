import type { Metadata } from "next";
import { GroupedBarChart, TrendChart } from "../../../components/charts";
import { ErrorState, attempt } from "../../../components/states";
import { anatomyTrends } from "../../../lib/anatomy";
import { formatDate, formatDay, formatMetric, humanize } from "../../../lib/format";
import { baselines, headlines } from "../../../lib/metrics";
import { can } from "../../../lib/roles";
import { query, requireSession } from "../../../lib/session";
import { EvaluationsDocument } from "../../../operations/evaluations.operations";
import { RunEvaluationForm } from "./run-evaluation-form";

export const metadata: Metadata = { title: "Evaluations" };

export default async function EvaluationsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const session = await requireSession();
  const result = await attempt(() => query(EvaluationsDocument, {}));
  if (!result.ok) return <ErrorState error={result.error} />;
  const { evaluationRuns, modelVersions } = result.data;
  const runs = [...evaluationRuns].sort((a, b) => b.startedAt.localeCompare(a.startedAt));

  // Compare: the runs ticked in the table (URL ?compare=id&compare=id), else the newest run of each protocol+split+model.
  const picked = ([] as string[]).concat(params.compare ?? []);
  const compared = picked.length
    ? runs.filter((r) => picked.includes(r.id))
    : [...new Map(runs.map((r) => [`${r.protocol}|${r.split}|${r.modelVersion.id}`, r])).values()].slice(0, 4);
  const metricLabels = [...new Set(compared.flatMap((r) => headlines(r.metrics).map((h) => h.label)))];
  const seen = new Map<string, number>();
  const series = compared.map((r) => {
    const hs = headlines(r.metrics);
    const base = `${r.protocol} · ${humanize(r.split)} · ${r.modelVersion.version}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    // Several runs of the same protocol, split and model: tell them apart by their start time.
    return {
      name:
        n > 1 ||
        compared.filter((c) => c.protocol === r.protocol && c.split === r.split && c.modelVersion.id === r.modelVersion.id).length > 1
          ? `${base} · ${formatDate(r.startedAt)}`
          : base,
      values: metricLabels.map((l) => hs.find((h) => h.label === l)?.value),
    };
  });

  // Anatomy agreement per protocol, split and figure over the stored runs, each point beside its random floor.
  const anatomy = anatomyTrends(runs, (r) => `${r.modelVersion.version} ${formatDay(r.startedAt)}`);

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Evaluations</h1>
          <p className="sub">
            Stored runs per model version. Protocols: retrieval, caption-library, seed-template; the first two also report anatomy
            agreement.
          </p>
        </div>
      </div>

      {can.runEvaluations(session.role) ? (
        <RunEvaluationForm
          models={modelVersions.map((m) => ({ id: m.id, label: `${m.name} ${m.version}${m.active ? " (active)" : ""}` }))}
        />
      ) : null}

      <section className="card" aria-labelledby="compare" style={{ marginBottom: 14 }}>
        <div className="card-head">
          <h2 id="compare">Compare runs</h2>
          <span className="muted small">{picked.length ? "the runs you picked" : "newest run per protocol, split and model"}</span>
        </div>
        <div className="card-body">
          {series.length && metricLabels.length ? (
            <>
              <GroupedBarChart metrics={metricLabels} series={series} />
              <div className="table-wrap" style={{ marginTop: 10 }}>
                <table className="data">
                  <thead>
                    <tr>
                      <th scope="col">Run</th>
                      {metricLabels.map((m) => (
                        <th key={m} scope="col" className="num">
                          {m}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {compared.map((run, ri) => {
                      const s = series[ri] as (typeof series)[number];
                      const heads = metricLabels.map((l) => headlines(run.metrics).find((h) => h.label === l));
                      const floors = baselines(
                        run.metrics,
                        heads.filter((h) => h !== undefined),
                      );
                      return [
                        <tr key={run.id}>
                          <td>{s.name}</td>
                          {s.values.map((v, i) => (
                            <td key={metricLabels[i]} className="num mono">
                              {formatMetric(v)}
                            </td>
                          ))}
                        </tr>,
                        ...floors.map((b) => {
                          // Baseline values line up with the run's present headlines; map them back to the columns.
                          const present = heads.filter((h) => h !== undefined).map((h) => h.label);
                          return (
                            <tr key={`${run.id}-${b.name}`} className="baseline-row">
                              <td className="muted small">↳ {b.name === "random" ? "random floor" : "oracle ceiling"}</td>
                              {metricLabels.map((l) => {
                                const at = present.indexOf(l);
                                return (
                                  <td key={l} className="num mono muted small">
                                    {at >= 0 ? formatMetric(b.values[at]) : "—"}
                                  </td>
                                );
                              })}
                            </tr>
                          );
                        }),
                      ];
                    })}
                  </tbody>
                </table>
              </div>
            </>
          ) : (
            <p className="muted">Nothing to compare yet: run an evaluation first.</p>
          )}
        </div>
      </section>

      <section className="card" aria-labelledby="anatomy" style={{ marginBottom: 14 }}>
        <div className="card-head">
          <h2 id="anatomy">Anatomy agreement</h2>
          <span className="muted small">
            retrieved image has the query's region, modality, plane · oldest → newest · dashed: random floor
          </span>
        </div>
        <div className="card-body">
          {anatomy.length === 0 ? (
            <p className="muted">Retrieval and caption-library runs report anatomy agreement; none is stored yet.</p>
          ) : (
            <ul className="trend-list">
              {anatomy.map((t) => {
                const last = t.points[t.points.length - 1];
                return (
                  <li key={`${t.protocol}-${t.split}-${t.label}`}>
                    <span className="small">
                      <b>{t.label}</b>{" "}
                      <span className="muted">
                        {t.protocol} · {humanize(t.split)} · latest {formatMetric(last?.value)} (floor {formatMetric(last?.floor)}, n{" "}
                        {last?.n ?? "—"})
                      </span>
                    </span>
                    <TrendChart points={t.points} label={`${t.label} ${t.protocol} ${t.split}`} />
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      </section>

      <form method="get" action="/evaluations">
        <div className="table-wrap">
          <table className="data" aria-label="Evaluation runs">
            <thead>
              <tr>
                <th scope="col">
                  <span className="sr-only">Compare</span>
                </th>
                <th scope="col">Protocol</th>
                <th scope="col">Split</th>
                <th scope="col">Model</th>
                <th scope="col">Metrics</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
              </tr>
            </thead>
            <tbody>
              {runs.length === 0 ? (
                <tr>
                  <td colSpan={7} className="empty">
                    No evaluation runs yet.
                  </td>
                </tr>
              ) : (
                runs.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <input
                        type="checkbox"
                        name="compare"
                        value={r.id}
                        defaultChecked={picked.includes(r.id)}
                        aria-label={`Compare run ${r.protocol} ${r.split} ${formatDate(r.startedAt)}`}
                      />
                    </td>
                    <td className="nowrap">{r.protocol}</td>
                    <td>{humanize(r.split)}</td>
                    <td className="nowrap">
                      {r.modelVersion.name} {r.modelVersion.version}
                    </td>
                    <td className="small">
                      {headlines(r.metrics)
                        .map((h) => `${h.label} ${formatMetric(h.value)}`)
                        .join(" · ") || (r.finishedAt ? "—" : `running (${r.job?.status ? humanize(r.job.status) : "…"})`)}
                      {baselines(r.metrics, headlines(r.metrics).slice(0, 3)).map((b) => (
                        <div key={b.name} className="muted">
                          {b.name}:{" "}
                          {headlines(r.metrics)
                            .slice(0, 3)
                            .map((h, i) => `${h.label} ${formatMetric(b.values[i])}`)
                            .join(" · ")}
                        </div>
                      ))}
                    </td>
                    <td className="nowrap small muted">{formatDate(r.startedAt)}</td>
                    <td className="nowrap small muted">{formatDate(r.finishedAt)}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
        {runs.length > 1 ? (
          <div className="row" style={{ marginTop: 8 }}>
            <button type="submit" className="btn btn-sm">
              Compare selected
            </button>
          </div>
        ) : null}
      </form>
    </>
  );
}
