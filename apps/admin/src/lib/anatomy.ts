// Anatomy agreement over successive runs (README "anatomy agreement"), from EvaluationRun.anatomy:
// one trend per protocol, split and figure, oldest run first, each point beside its random floor.
import type { AgreementFigureFieldsFragment, EvaluationsQuery } from "../gql/graphql";

type Anatomy = NonNullable<EvaluationsQuery["evaluationRuns"][number]["anatomy"]>;

/** The figures charted, in reading order: label, and where the figure sits in a run's anatomy. */
export const ANATOMY_FIGURES: readonly [string, (a: Anatomy) => AgreementFigureFieldsFragment | null | undefined][] = [
  ["Region@1 (grouped)", (a) => a.top1.regionGrouped],
  ["Region@1 (raw)", (a) => a.top1.regionRaw],
  ["Modality@1", (a) => a.top1.modality],
  ["Plane@1", (a) => a.top1.plane],
  ["Region all@5 (grouped)", (a) => a.allOfTop5?.regionGrouped],
  ["Modality all@5", (a) => a.allOfTop5?.modality],
  ["Plane all@5", (a) => a.allOfTop5?.plane],
];

export interface AnatomyTrend {
  protocol: string;
  split: string;
  label: string;
  /** One point per run that has the figure, oldest first. */
  points: { label: string; value: number; floor: number | null; n: number }[];
}

/** Trends of every anatomy figure per protocol and split; runs without anatomy figures are skipped. */
export function anatomyTrends(
  runs: readonly { protocol: string; split: string; startedAt: string; anatomy: Anatomy | null; modelVersion: { version: string } }[],
  pointLabel: (run: { startedAt: string; modelVersion: { version: string } }) => string,
): AnatomyTrend[] {
  const trends = new Map<string, AnatomyTrend>();
  for (const run of [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    if (!run.anatomy) continue;
    for (const [label, pick] of ANATOMY_FIGURES) {
      const f = pick(run.anatomy);
      if (!f || f.value === null) continue;
      const key = `${run.protocol}|${run.split}|${label}`;
      const t = trends.get(key) ?? { protocol: run.protocol, split: run.split, label, points: [] };
      t.points.push({ label: pointLabel(run), value: f.value, floor: f.floor, n: f.n });
      trends.set(key, t);
    }
  }
  return [...trends.values()];
}
