// Small inline SVG charts: no chart library, server-rendered, readable without colour alone.

export interface Point {
  label: string;
  value: number;
  /** The run's random floor for this metric, drawn as a dashed line under the trend. */
  floor?: number | null;
}

/** A sparkline with its last value labelled; for trends of one metric over successive runs. */
export function TrendChart({
  points,
  width = 160,
  height = 40,
  label,
}: {
  points: Point[];
  width?: number;
  height?: number;
  label: string;
}) {
  if (points.length === 0) return <span className="muted small">no runs</span>;
  const floors = points.flatMap((p, i) => (typeof p.floor === "number" ? [{ i, v: p.floor }] : []));
  const values = [...points.map((p) => p.value), ...floors.map((f) => f.v)];
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const pad = 4;
  const x = (i: number) => (points.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (points.length - 1));
  const y = (v: number) => height - pad - ((v - min) / span) * (height - 2 * pad);
  const d = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const floorPath = floors.map((f, j) => `${j === 0 ? "M" : "L"}${x(f.i).toFixed(1)},${y(f.v).toFixed(1)}`).join(" ");
  const last = points[points.length - 1] as Point;
  const summary = `${label}: ${points
    .map((p) => `${p.label} ${p.value.toFixed(3)}${typeof p.floor === "number" ? ` (random floor ${p.floor.toFixed(3)})` : ""}`)
    .join(", ")}`;
  return (
    <svg className="chart" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary}>
      <title>{summary}</title>
      <line className="axis" x1={pad} x2={width - pad} y1={height - pad} y2={height - pad} />
      {floors.length ? (
        <path
          d={floors.length === 1 ? `M${pad},${y(floors[0]?.v ?? 0)} H${width - pad}` : floorPath}
          fill="none"
          stroke="currentColor"
          strokeOpacity={0.45}
          strokeWidth={1}
          strokeDasharray="3 2"
        />
      ) : null}
      <path d={d} fill="none" stroke="var(--accent)" strokeWidth={1.6} strokeLinejoin="round" />
      {points.map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: points are positional (one per run, in order) and never reorder.
        <circle key={`${p.label}-${i}`} cx={x(i)} cy={y(p.value)} r={i === points.length - 1 ? 2.8 : 1.8} fill="var(--accent)" />
      ))}
      <text x={width - pad} y={10} textAnchor="end">
        {last.value.toFixed(3)}
      </text>
    </svg>
  );
}

const SERIES_COLOURS = ["#0b6e72", "#c2410c", "#4338ca", "#15803d", "#a21caf", "#475569"];

export interface Series {
  name: string;
  values: (number | undefined)[];
}

/** Grouped bars: one group per metric, one bar per run, for comparing runs side by side. */
export function GroupedBarChart({ metrics, series, height = 180 }: { metrics: string[]; series: Series[]; height?: number }) {
  if (metrics.length === 0 || series.length === 0) return null;
  const groupW = Math.max(60, series.length * 22 + 20);
  const width = metrics.length * groupW + 40;
  const top = 14;
  const bottom = 26;
  const max = Math.max(1e-9, ...series.flatMap((s) => s.values.filter((v): v is number => v !== undefined)));
  const barW = Math.min(20, (groupW - 20) / series.length);
  const y = (v: number) => top + (1 - v / max) * (height - top - bottom);
  return (
    <figure style={{ margin: 0 }}>
      <svg
        className="chart"
        width="100%"
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="xMinYMin meet"
        role="img"
        aria-label="Metric comparison across runs"
      >
        <line className="axis" x1={30} x2={width} y1={height - bottom} y2={height - bottom} />
        {metrics.map((m, gi) => {
          const gx = 36 + gi * groupW;
          return (
            <g key={m}>
              {series.map((s, si) => {
                const v = s.values[gi];
                if (v === undefined) return null;
                const bx = gx + si * barW;
                return (
                  <g key={s.name}>
                    <rect
                      x={bx}
                      y={y(v)}
                      width={barW - 3}
                      height={height - bottom - y(v)}
                      fill={SERIES_COLOURS[si % SERIES_COLOURS.length]}
                      rx={1.5}
                    >
                      <title>{`${s.name} · ${m}: ${v.toFixed(4)}`}</title>
                    </rect>
                    <text x={bx + (barW - 3) / 2} y={y(v) - 3} textAnchor="middle" style={{ fontSize: 8.5 }}>
                      {v < 10 ? v.toFixed(2) : v.toFixed(0)}
                    </text>
                  </g>
                );
              })}
              <text x={gx + (series.length * barW) / 2} y={height - 10} textAnchor="middle">
                {m}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="row small" style={{ marginTop: 4 }}>
        {series.map((s, si) => (
          <span key={s.name} className="row" style={{ gap: 4 }}>
            <span
              aria-hidden="true"
              style={{
                width: 10,
                height: 10,
                borderRadius: 2,
                background: SERIES_COLOURS[si % SERIES_COLOURS.length],
                display: "inline-block",
              }}
            />
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
