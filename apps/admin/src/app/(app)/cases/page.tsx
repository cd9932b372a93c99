import type { Metadata } from "next";
import Link from "next/link";
import { FilterSelect } from "../../../components/filter-select";
import { ImageThumb } from "../../../components/image-thumb";
import { EmptyState, ErrorState, attempt } from "../../../components/states";
import type { CaseFilter, Modality, Split } from "../../../gql/graphql";
import { LOCATION_CATEGORIES, MODALITIES, PLANES, SPLITS, formatCount, humanize } from "../../../lib/format";
import { query } from "../../../lib/session";
import { CaseFacetsDocument, CasesDocument } from "../../../operations/cases.operations";

export const metadata: Metadata = { title: "Cases" };

const PAGE_SIZES = [10, 25, 50, 100] as const;
const DEFAULT_PAGE_SIZE = 25;
type Params = Record<string, string | string[] | undefined>;

function one(params: Params, name: string): string {
  const v = params[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() ?? "";
}

function filterFrom(params: Params): CaseFilter {
  const f: CaseFilter = {};
  const dataset = one(params, "dataset");
  const split = one(params, "split");
  const modality = one(params, "modality");
  const plane = one(params, "plane");
  const region = one(params, "region");
  const q = one(params, "q");
  if (dataset) f.datasets = [dataset];
  if ((SPLITS as readonly string[]).includes(split)) f.splits = [split as Split];
  if ((MODALITIES as readonly string[]).includes(modality)) f.modalities = [modality as Modality];
  if (plane) f.planes = [plane];
  if (region) f.locationCategories = [region];
  if (q) f.text = q;
  return f;
}

/** Keeps the filters, moves the cursor: `trail` remembers earlier cursors so "Previous" works on a forward-only connection. */
function pageHref(params: Params, after: string | null, trail: string[]): string {
  const sp = new URLSearchParams();
  for (const k of ["q", "dataset", "split", "modality", "plane", "region", "size"]) {
    const v = one(params, k);
    if (v) sp.set(k, v);
  }
  if (after) sp.set("after", after);
  if (trail.length) sp.set("trail", trail.join(" "));
  const s = sp.toString();
  return s ? `/cases?${s}` : "/cases";
}

export default async function CasesPage({ searchParams }: { searchParams: Promise<Params> }) {
  const params = await searchParams;
  const after = one(params, "after") || null;
  const trail = one(params, "trail").split(" ").filter(Boolean);
  const filter = filterFrom(params);
  const sizeParam = Number(one(params, "size"));
  const pageSize = (PAGE_SIZES as readonly number[]).includes(sizeParam) ? sizeParam : DEFAULT_PAGE_SIZE;
  const [facets, result] = await Promise.all([
    attempt(() => query(CaseFacetsDocument, {})),
    attempt(() => query(CasesDocument, { filter, first: pageSize, after })),
  ]);
  const datasets = facets.data?.datasets ?? [];
  const conn = result.data?.cases;
  const pageNo = trail.length + (after ? 2 : 1);
  const active = Object.keys(filter).length > 0;

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Cases</h1>
          <p className="sub">
            {conn
              ? `${formatCount(conn.totalCount)} ${conn.totalCount === 1 ? "case" : "cases"}${active ? (conn.totalCount === 1 ? " matches the filters" : " match the filters") : ""}`
              : " "}
          </p>
        </div>
      </div>

      {/* Keyed by the applied filters: after navigation (Clear, back) the fields show what is applied, not stale input. */}
      <form key={pageHref(params, null, [])} className="filters" method="get" action="/cases" aria-label="Filter cases">
        <div className="field field-grow">
          <label htmlFor="q">Title or diagnosis</label>
          <input id="q" name="q" type="search" defaultValue={one(params, "q")} placeholder="e.g. glioblastoma" />
        </div>
        <FilterSelect
          id="dataset"
          name="dataset"
          label="Dataset"
          options={datasets.map((d) => d.name)}
          defaultValue={one(params, "dataset")}
        />
        <FilterSelect id="split" name="split" label="Split" options={SPLITS} defaultValue={one(params, "split")} format={humanize} />
        <FilterSelect id="modality" name="modality" label="Modality" options={MODALITIES} defaultValue={one(params, "modality")} />
        <FilterSelect id="plane" name="plane" label="Plane" options={PLANES} defaultValue={one(params, "plane")} />
        <FilterSelect id="region" name="region" label="Body region" options={LOCATION_CATEGORIES} defaultValue={one(params, "region")} />
        <div className="field">
          <label htmlFor="size">Rows</label>
          <select id="size" name="size" defaultValue={String(pageSize)}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </div>
        <div className="row">
          <button type="submit" className="btn btn-primary">
            Apply
          </button>
          {active ? (
            <Link href="/cases" className="btn btn-ghost">
              Clear
            </Link>
          ) : null}
        </div>
      </form>

      {!result.ok ? (
        <ErrorState error={result.error} />
      ) : !conn || conn.edges.length === 0 ? (
        <div className="card">
          <EmptyState title={active ? "No case matches these filters." : "No cases yet."}>
            {active ? (
              "Clear a filter or two."
            ) : (
              <span>
                Import a dataset: <code>npx medcap import medpix &lt;dir&gt;</code>
              </span>
            )}
          </EmptyState>
        </div>
      ) : (
        <>
          <div className="table-wrap">
            <table className="data" aria-label="Cases">
              <thead>
                <tr>
                  <th scope="col" style={{ width: 52 }}>
                    <span className="sr-only">Preview</span>
                  </th>
                  <th scope="col">Case</th>
                  <th scope="col">Title</th>
                  <th scope="col">Diagnosis</th>
                  <th scope="col">Split</th>
                  <th scope="col">Images</th>
                  <th scope="col">Region</th>
                  <th scope="col">Dataset</th>
                </tr>
              </thead>
              <tbody>
                {conn.edges.map(({ node: c }) => {
                  const modalities = [...new Set(c.images.map((i) => i.modality))];
                  const regions = [...new Set(c.images.map((i) => i.locationCategory).filter(Boolean))];
                  const first = c.images[0];
                  return (
                    <tr key={c.id}>
                      <td>{first ? <ImageThumb id={first.id} size={40} alt="" className="thumb" /> : null}</td>
                      <td className="nowrap">
                        <Link href={`/cases/${c.id}`}>{c.externalId}</Link>
                      </td>
                      <td className="clip" title={c.title ?? undefined}>
                        {c.title ?? "—"}
                      </td>
                      <td className="clip" title={c.caseDiagnosis ?? undefined}>
                        {c.caseDiagnosis ?? "—"}
                      </td>
                      <td>
                        <span className="pill">{humanize(c.split)}</span>
                      </td>
                      <td className="nowrap">
                        {c.images.length} · {modalities.join("/") || "—"}
                      </td>
                      <td className="nowrap">{regions.join(", ") || "—"}</td>
                      <td className="nowrap muted">{c.dataset.name}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pagination">
            <span>
              Page {pageNo} of {Math.max(1, Math.ceil(conn.totalCount / pageSize))}
            </span>
            <span className="row">
              {after ? (
                <Link className="btn btn-sm" href={pageHref(params, trail.at(-1) ?? null, trail.slice(0, -1))} rel="prev">
                  ← Previous
                </Link>
              ) : null}
              {conn.pageInfo.hasNextPage && conn.pageInfo.endCursor ? (
                <Link className="btn btn-sm" href={pageHref(params, conn.pageInfo.endCursor, after ? [...trail, after] : trail)} rel="next">
                  Next →
                </Link>
              ) : null}
            </span>
          </nav>
        </>
      )}
    </>
  );
}
