"use client";

import Link from "next/link";
import { startTransition, useActionState, useEffect, useId, useState } from "react";
import { type SearchMode, type SearchState, searchAction } from "../../../actions/search.actions";
import type { AttributeFieldsFragment } from "../../../gql/graphql";
import { FilterSelect } from "../../../components/filter-select";
import { FlagButton } from "../../../components/flag-button";
import { type QueryImage, WhyToggle } from "../../../components/why-toggle";
import { LOCATION_CATEGORIES, MODALITIES, PLANES, SPLITS, formatScore, humanize } from "../../../lib/format";

const MODES: { id: SearchMode; label: string; hint: string }[] = [
  { id: "text", label: "Text → images", hint: "Images nearest to a clinical phrase" },
  { id: "caption", label: "Image → captions", hint: "Captions for an uploaded image (retrieval captioning)" },
  { id: "similar", label: "Image → similar", hint: "Visually similar images" },
];

export function SearchPlayground({
  datasets,
  initialMode,
  initialImageId,
  canFlag,
  defaultStrategy,
}: {
  datasets: string[];
  initialMode: SearchMode;
  initialImageId: string;
  canFlag: boolean;
  /** The served model's cross-validated ranking, when the API says. */
  defaultStrategy: string | null;
}) {
  const [mode, setMode] = useState<SearchMode>(initialMode);
  const [state, action, pending] = useActionState<SearchState, FormData>(searchAction, null);
  const [preview, setPreview] = useState<string | null>(null);
  // The query as submitted, for "why?" on its results (the form may change after the search).
  const [lastQuery, setLastQuery] = useState<QueryImage | null>(null);
  const ids = useId();

  useEffect(() => () => (preview ? URL.revokeObjectURL(preview) : undefined), [preview]);

  return (
    <div className="stack">
      {/* onSubmit, not action=: a form action resets the fields afterwards, and a playground keeps its query. */}
      <form
        className="card"
        aria-label="Search"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          const file = data.get("file");
          const image = { file: file instanceof File && file.size > 0 ? file : null, imageId: String(data.get("imageId") ?? "").trim() };
          setLastQuery(mode === "text" ? null : image);
          startTransition(() => action(data));
        }}
      >
        <div className="card-head">
          <div role="tablist" aria-label="Search mode" className="row">
            {MODES.map((m) => (
              <button
                key={m.id}
                type="button"
                role="tab"
                aria-selected={mode === m.id}
                className={`btn btn-sm ${mode === m.id ? "btn-primary" : ""}`}
                onClick={() => setMode(m.id)}
                title={m.hint}
              >
                {m.label}
              </button>
            ))}
          </div>
          <span className="muted small">{MODES.find((m) => m.id === mode)?.hint}</span>
        </div>
        <div className="card-body stack">
          <input type="hidden" name="mode" value={mode} />
          {mode === "text" ? (
            <div className="field">
              <label htmlFor={`${ids}-text`}>Clinical phrase</label>
              <input id={`${ids}-text`} name="text" type="search" placeholder="e.g. axial CT of a ring-enhancing brain lesion" />
            </div>
          ) : (
            <div className="row" style={{ alignItems: "flex-start", gap: 14 }}>
              <div className="field" style={{ flex: "1 1 260px" }}>
                <label htmlFor={`${ids}-file`}>Image file (PNG, JPEG or DICOM)</label>
                <input
                  id={`${ids}-file`}
                  name="file"
                  type="file"
                  accept="image/png,image/jpeg,image/webp,image/tiff,application/dicom,.dcm,.dicom"
                  onChange={(e) => {
                    const f = e.currentTarget.files?.[0];
                    setPreview(f && /^image\/(png|jpeg|webp)$/.test(f.type) ? URL.createObjectURL(f) : null);
                  }}
                />
                <span className="hint">…or the id of an image already in the catalogue:</span>
                <input
                  aria-label="Image id"
                  name="imageId"
                  type="text"
                  defaultValue={initialImageId}
                  placeholder="image id"
                  className="mono"
                />
                {mode === "caption" ? (
                  <div className="field">
                    <label htmlFor={`${ids}-strategy`}>Ranking</label>
                    <select id={`${ids}-strategy`} name="strategy" defaultValue="">
                      <option value="">Model default{defaultStrategy ? ` (${humanize(defaultStrategy)})` : ""}</option>
                      <option value="TEXT">Text: caption cosine</option>
                      <option value="IMAGES">Images: votes of similar images</option>
                      <option value="FUSED">Fused: cosine and votes</option>
                    </select>
                  </div>
                ) : null}
                {mode === "similar" ? (
                  <label className="row small">
                    <input type="checkbox" name="excludeSameCase" defaultChecked /> Leave out images of the same case (image id only)
                  </label>
                ) : null}
              </div>
              {preview ? (
                // biome-ignore lint/performance/noImgElement: a local object URL preview of the file about to be uploaded.
                <img src={preview} alt="Selected query file" className="thumb" style={{ width: 140, height: 140 }} />
              ) : null}
            </div>
          )}

          <fieldset className="filters" style={{ margin: 0 }}>
            <legend className="sr-only">Filters</legend>
            <div className="field">
              <label htmlFor={`${ids}-k`}>Top k</label>
              <input
                id={`${ids}-k`}
                name="k"
                type="number"
                min={1}
                max={50}
                defaultValue={mode === "caption" ? 5 : 12}
                style={{ width: 80 }}
              />
            </div>
            <FilterSelect id={`${ids}-split`} name="split" label="Split" options={SPLITS} format={humanize} />
            <FilterSelect id={`${ids}-modality`} name="modality" label="Modality" options={MODALITIES} />
            <FilterSelect id={`${ids}-plane`} name="plane" label="Plane" options={PLANES} />
            <FilterSelect id={`${ids}-region`} name="locationCategory" label="Body region" options={LOCATION_CATEGORIES} />
            {datasets.length > 1 ? <FilterSelect id={`${ids}-dataset`} name="dataset" label="Dataset" options={datasets} /> : null}
            <div className="field" style={{ marginLeft: "auto" }}>
              <button type="submit" className="btn btn-primary" disabled={pending}>
                {pending ? "Searching…" : "Search"}
              </button>
            </div>
          </fieldset>
        </div>
      </form>

      <section aria-live="polite" aria-busy={pending} aria-label="Results">
        {pending ? <ResultsSkeleton /> : <Results state={state} canFlag={canFlag} query={lastQuery} />}
      </section>
    </div>
  );
}

function ResultsSkeleton() {
  return (
    <div className="image-grid">
      {["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"].map((k) => (
        <div key={k} className="skeleton" style={{ aspectRatio: "1" }} />
      ))}
    </div>
  );
}

/** Short names of the attribute heads, in the order a radiologist reads them. */
const ATTRIBUTE_LABELS: Record<string, string> = {
  modality: "Modality",
  regionGroup: "Region",
  region: "Category",
  plane: "Plane",
  sequence: "Sequence",
};

/**
 * What the model's attribute heads say about the query image, and the restriction the answer ran under
 * ("restricted to Head · MR (p = 0.97)"): the reason a caption of another region or modality sits lower.
 */
function PredictedAttributes({ attributes, restriction }: { attributes: AttributeFieldsFragment[] | null; restriction: string | null }) {
  if (!attributes?.length) return null;
  const order = Object.keys(ATTRIBUTE_LABELS);
  const shown = [...attributes].sort((a, b) => order.indexOf(a.attribute) - order.indexOf(b.attribute));
  return (
    <div className="row small" data-testid="predicted-attributes" style={{ flexWrap: "wrap", gap: 6, marginBottom: 8 }}>
      <span className="muted">Predicted:</span>
      {shown.map((a) => (
        <span
          key={a.attribute}
          className={`pill ${a.probability >= 0.9 ? "pill-accent" : ""}`}
          title={a.alternatives.map((o) => `${o.label} ${formatScore(o.probability)}`).join(" · ")}
          data-attribute={a.attribute}
        >
          {ATTRIBUTE_LABELS[a.attribute] ?? a.attribute}: {a.label} <span className="mono">{formatScore(a.probability)}</span>
        </span>
      ))}
      {restriction ? (
        <span className="pill" data-testid="restriction" title="Captions and images that contradict a confident prediction are demoted">
          {restriction}
        </span>
      ) : null}
    </div>
  );
}

/** A match demoted by the attribute prior, and for what. */
function Demoted({ contradicts }: { contradicts: string[] }) {
  if (!contradicts.length) return null;
  return (
    <span className="pill pill-warn small" data-testid="demoted" title="Its images contradict the query's predicted attributes">
      demoted: {contradicts.map((a) => (ATTRIBUTE_LABELS[a] ?? a).toLowerCase()).join(", ")}
    </span>
  );
}

function Results({ state, canFlag, query }: { state: SearchState; canFlag: boolean; query: QueryImage | null }) {
  if (!state) return <p className="muted">Results appear here.</p>;
  if (!state.ok) {
    return (
      <p className="alert alert-error" role="alert" data-testid="search-error">
        {state.error}
      </p>
    );
  }
  const out = state.data;
  if (out.mode === "caption") {
    if (out.captions.length === 0)
      return (
        <div className="empty">
          <strong>No captions matched.</strong>Loosen the filters, or check that the catalogue is indexed.
        </div>
      );
    const model = out.captions[0]?.modelVersion;
    return (
      <div className="card" data-testid="caption-results">
        <div className="card-head">
          <h2>Top {out.captions.length} captions</h2>
          <span className="muted small" data-testid="caption-strategy">
            {out.captions[0] ? `${humanize(out.captions[0].strategy)} ranking · ` : ""}
            {model ? `${model.name} ${model.version} · ` : ""}
            {out.tookMs} ms
          </span>
        </div>
        <div className="card-body">
          <PredictedAttributes
            attributes={out.captions[0]?.queryAttributes ?? null}
            restriction={out.captions[0]?.restriction?.summary ?? null}
          />
        </div>
        <ol className="card-body flush" style={{ listStyle: "none", margin: 0, padding: 0 }}>
          {out.captions.map((c, i) => (
            <li key={c.text} style={{ padding: "10px 12px", borderTop: i ? "1px solid var(--border)" : undefined }}>
              <div className="result-line">
                <span className="caption-text">
                  <span className="muted">{i + 1}.</span> {c.text}
                </span>
                <span
                  className="pill pill-accent mono"
                  title={`score of the ${c.strategy.toLowerCase()} ranking; cosine ${formatScore(c.similarity)}, vote ${formatScore(c.vote)}`}
                >
                  {formatScore(c.score)}
                </span>
              </div>
              <Demoted contradicts={c.contradicts} />
              <div className="row small muted" style={{ marginTop: 4 }}>
                {c.supportingImages.length ? (
                  <span>
                    {c.supportingImages.length === 1 ? "1 similar image votes" : `${c.supportingImages.length} similar images vote`} for it
                    ({Math.round(c.vote * 100)} % of the vote);
                  </span>
                ) : null}
                <span>{c.captions.length === 1 ? "1 image carries" : `${c.captions.length} images carry`} this text:</span>
                {c.provenance.slice(0, 6).map((p) => (
                  <Link key={p.image.id} href={`/cases/${p.case.id}#image-${p.image.id}`} className="pill">
                    {p.case.externalId} · {p.image.modality}
                    {p.image.plane ? ` ${p.image.plane}` : ""}
                  </Link>
                ))}
                {c.provenance.length > 6 ? <span>+{c.provenance.length - 6} more</span> : null}
              </div>
              {canFlag && c.captions[0] ? (
                <div style={{ marginTop: 6 }}>
                  {/* A matched text can belong to several images; the flag goes on the first caption carrying it. */}
                  <FlagButton captionId={c.captions[0].id} />
                </div>
              ) : null}
              {c.captions[0] ? <WhyToggle query={query} captionId={c.captions[0].id} /> : null}
            </li>
          ))}
        </ol>
      </div>
    );
  }
  if (out.images.length === 0)
    return (
      <div className="empty">
        <strong>No images matched.</strong>Loosen the filters, or check that the catalogue is indexed.
      </div>
    );
  const model = out.images[0]?.modelVersion;
  return (
    <div className="stack" data-testid="image-results">
      <div className="row-between">
        <h2>
          {out.images.length} {out.mode === "similar" ? "similar images" : "images"}
        </h2>
        <span className="muted small">
          {model ? `${model.name} ${model.version} · ` : ""}
          {out.tookMs} ms
        </span>
      </div>
      <PredictedAttributes attributes={out.images[0]?.queryAttributes ?? null} restriction={out.images[0]?.restriction?.summary ?? null} />
      <ul className="image-grid" style={{ listStyle: "none", margin: 0, padding: 0 }}>
        {out.images.map((m, i) => (
          <li key={m.image.id}>
            <Link href={`/cases/${m.provenance.case.id}#image-${m.image.id}`} className="image-tile">
              {/* biome-ignore lint/performance/noImgElement: authenticated thumbnail through the admin's image route. */}
              <img
                src={`/images/${m.image.id}?size=256`}
                alt={m.image.caption?.text ?? `Image ${i + 1}`}
                className="thumb"
                loading="lazy"
                width={256}
                height={256}
              />
              <span className="row-between">
                <span className="meta">
                  #{i + 1} · {m.image.modality}
                  {m.image.plane ? ` · ${m.image.plane}` : ""}
                </span>
                <span className="pill pill-accent mono">{formatScore(m.score)}</span>
              </span>
              <span
                className="meta"
                style={{ display: "-webkit-box", WebkitLineClamp: 2, WebkitBoxOrient: "vertical", overflow: "hidden" }}
              >
                {m.image.caption?.text ?? "—"}
              </span>
              <span className="small muted">
                {m.provenance.case.externalId} · {m.provenance.dataset.name}
              </span>
              <Demoted contradicts={m.contradicts} />
            </Link>
            {out.mode === "similar" ? <WhyToggle query={query} targetImageId={m.image.id} /> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
