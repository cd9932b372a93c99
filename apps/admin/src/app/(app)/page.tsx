import type { Metadata } from "next";
import Link from "next/link";
import { TrendChart } from "../../components/charts";
import { ErrorState, attempt } from "../../components/states";
import { StartupBanner } from "../../components/startup-banner";
import { formatCount, formatDate, formatDay, formatMetric, humanize } from "../../lib/format";
import { headlines } from "../../lib/metrics";
import { readiness } from "../../lib/readiness";
import { can } from "../../lib/roles";
import { query, requireSession } from "../../lib/session";
import { SuspicionCountDocument } from "../../operations/audit.operations";
import { DashboardDocument } from "../../operations/dashboard.operations";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const session = await requireSession();
  // Viewers cannot see suspicions: the count is asked for only where the API would answer it.
  const [result, ready, suspicions] = await Promise.all([
    attempt(() => query(DashboardDocument, {})),
    readiness(),
    can.flag(session.role)
      ? query(SuspicionCountDocument, {})
          .then((r) => r.captionSuspicions.totalCount)
          .catch(() => undefined)
      : Promise.resolve(undefined),
  ]);
  if (!result.ok) {
    return (
      <>
        <div className="page-head">
          <h1>Dashboard</h1>
        </div>
        {ready?.startup ? <StartupBanner ready={ready} /> : <ErrorState error={result.error} />}
      </>
    );
  }
  const d = result.data;
  const active = d.modelVersions.find((m) => m.active);
  const splits = [
    ["Train", d.train.totalCount],
    ["Dev", d.dev.totalCount],
    ["Test", d.test.totalCount],
  ] as const;
  const modalities = (
    [
      ["CT", d.ct.totalCount],
      ["MR", d.mr.totalCount],
      ["XR", d.xr.totalCount],
      ["US", d.us.totalCount],
      ["Other", d.otherModality.totalCount],
    ] as const
  ).filter(([, n]) => n > 0);

  // Trends: one series per protocol + split + metric, oldest run first.
  const runs = [...d.evaluationRuns].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const groups = new Map<string, { protocol: string; split: string; label: string; points: { label: string; value: number }[] }>();
  for (const run of runs) {
    for (const h of headlines(run.metrics)) {
      const key = `${run.protocol}|${run.split}|${h.label}`;
      const g = groups.get(key) ?? { protocol: run.protocol, split: run.split, label: h.label, points: [] };
      g.points.push({ label: `${run.modelVersion.version} ${formatDay(run.startedAt)}`, value: h.value });
      groups.set(key, g);
    }
  }
  const latest = [...d.evaluationRuns].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, 6);

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Dashboard</h1>
          <p className="sub">
            Service{" "}
            <span className={`pill ${d.health.status === "ok" ? "pill-ok" : "pill-warn"}`} data-testid="health">
              {d.health.status}
            </span>{" "}
            · database {d.health.database ? "up" : "down"} · retrieval {d.health.retrieval ? "ready" : "not ready"}
            {ready
              ? Object.entries(ready.checks)
                  .filter(([name]) => name !== "database")
                  .map(([name, c]) => (
                    <span key={name} title={c.detail}>
                      {" "}
                      · {name} {c.ok ? "ok" : "failing"}
                    </span>
                  ))
              : null}
          </p>
        </div>
      </div>

      {ready ? <StartupBanner ready={ready} /> : null}

      <section className="stats" aria-label="Catalogue counts">
        <div className="stat">
          <div className="stat-label">Cases</div>
          <div className="stat-value" data-testid="case-count">
            {formatCount(d.all.totalCount)}
          </div>
          <div className="stat-sub">
            {d.datasets.length} dataset{d.datasets.length === 1 ? "" : "s"}
          </div>
        </div>
        {splits.map(([label, n]) => (
          <div className="stat" key={label}>
            <div className="stat-label">{label} cases</div>
            <div className="stat-value">{formatCount(n)}</div>
          </div>
        ))}
        <div className="stat">
          <div className="stat-label">Open flags</div>
          <div className="stat-value">
            <Link href="/review">{formatCount(d.openFlags.totalCount)}</Link>
          </div>
          <div className="stat-sub">waiting for a curator</div>
        </div>
        {suspicions !== undefined ? (
          <div className="stat">
            <div className="stat-label">Suspect captions</div>
            <div className="stat-value" data-testid="suspicion-count">
              <Link href="/audit">{formatCount(suspicions)}</Link>
            </div>
            <div className="stat-sub">found by the caption audit</div>
          </div>
        ) : null}
        <div className="stat">
          <div className="stat-label">Active model</div>
          <div className="stat-value stat-value-sm" data-testid="active-model">
            {active ? active.name : "none"}
            {active ? (
              <div className="mono small muted ellipsis" title={active.version}>
                {active.version}
              </div>
            ) : null}
          </div>
          <div className="stat-sub" data-testid="provider">
            {active
              ? `${active.embeddingDim}-d · ${ready?.provider ? `on ${ready.provider.toUpperCase()}` : "provider unknown"} · ${d.health.retrieval ? "ready" : "not ready"}`
              : "activate one under Models"}
          </div>
        </div>
      </section>

      <div className="grid-3" style={{ marginBottom: 14 }}>
        <section className="card" aria-labelledby="by-dataset">
          <div className="card-head">
            <h2 id="by-dataset">Cases by dataset</h2>
          </div>
          <div className="card-body">
            {d.datasets.length === 0 ? (
              <p className="muted">
                No dataset yet. Import one: <code>npx medcap import medpix</code>
              </p>
            ) : (
              <Bars rows={d.datasets.map((ds) => [ds.name, ds.caseCount, `/cases?dataset=${encodeURIComponent(ds.name)}`])} />
            )}
          </div>
        </section>
        <section className="card" aria-labelledby="by-split">
          <div className="card-head">
            <h2 id="by-split">Cases by split</h2>
          </div>
          <div className="card-body">
            <Bars rows={splits.map(([label, n]) => [label, n, `/cases?split=${label.toUpperCase()}`])} />
          </div>
        </section>
        <section className="card" aria-labelledby="by-modality">
          <div className="card-head">
            <h2 id="by-modality">Cases by modality</h2>
            <span className="muted small">a case counts once per modality it has</span>
          </div>
          <div className="card-body">
            {modalities.length ? (
              <Bars rows={modalities.map(([label, n]) => [label, n, `/cases?modality=${label === "Other" ? "OTHER" : label}`])} />
            ) : (
              <p className="muted">No images yet.</p>
            )}
          </div>
        </section>
      </div>

      <div className="grid-2">
        <section className="card" aria-labelledby="evals">
          <div className="card-head">
            <h2 id="evals">Latest evaluation runs</h2>
            <Link href="/evaluations" className="small">
              All runs →
            </Link>
          </div>
          <div className="card-body flush">
            {latest.length === 0 ? (
              <p className="empty">No evaluation has run yet.</p>
            ) : (
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">Run</th>
                    <th scope="col">Headline</th>
                    <th scope="col">When</th>
                  </tr>
                </thead>
                <tbody>
                  {latest.map((run) => (
                    <tr key={run.id}>
                      <td>
                        {run.protocol} · {humanize(run.split)}
                        <div className="small muted">{run.modelVersion.name}</div>
                      </td>
                      <td className="small">
                        {headlines(run.metrics)
                          .slice(0, 3)
                          .map((h) => `${h.label} ${formatMetric(h.value)}`)
                          .join(" · ") || (run.finishedAt ? "—" : "running…")}
                      </td>
                      <td className="nowrap small muted" title={formatDate(run.startedAt)}>
                        {formatDay(run.startedAt)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </section>
        <section className="card" aria-labelledby="trends">
          <div className="card-head">
            <h2 id="trends">Trends</h2>
            <span className="muted small">per protocol and split, oldest → newest</span>
          </div>
          <div className="card-body">
            {groups.size === 0 ? (
              <p className="muted">Trends appear after the first evaluation runs.</p>
            ) : (
              <ul className="trend-list">
                {[...groups.values()].slice(0, 8).map((g) => (
                  <li key={`${g.protocol}-${g.split}-${g.label}`}>
                    <span className="small">
                      <b>{g.label}</b>{" "}
                      <span className="muted">
                        {g.protocol} · {humanize(g.split)}
                      </span>
                    </span>
                    <TrendChart points={g.points} label={`${g.label} ${g.protocol} ${g.split}`} />
                  </li>
                ))}
              </ul>
            )}
          </div>
        </section>
      </div>

      {d.openFlags.edges.length > 0 ? (
        <section className="card" aria-labelledby="recent-flags" style={{ marginTop: 14 }}>
          <div className="card-head">
            <h2 id="recent-flags">Newest open flags</h2>
            <Link href="/review" className="small">
              Review queue →
            </Link>
          </div>
          <ul className="card-body revisions">
            {d.openFlags.edges.map(({ node: f }) => (
              <li key={f.id}>
                <span className="pill pill-warn">{humanize(f.reason)}</span>{" "}
                <Link href={`/cases/${f.caption.image.case.id}#image-${f.caption.image.id}`}>{f.caption.image.case.externalId}</Link>{" "}
                <span className="muted small">
                  by {f.raisedBy} · {formatDate(f.createdAt)}
                </span>
                <div className="small">{f.caption.text}</div>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}

function Bars({ rows }: { rows: (readonly [string, number, string])[] }) {
  const max = Math.max(1, ...rows.map(([, n]) => n));
  return (
    <ul className="bars">
      {rows.map(([label, n, href]) => (
        <li key={label}>
          <Link href={href}>{label}</Link>
          <span className="bar" aria-hidden="true">
            <span style={{ width: `${(n / max) * 100}%` }} />
          </span>
          <span className="num">{formatCount(n)}</span>
        </li>
      ))}
    </ul>
  );
}
