import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AddImageForm } from "../../../../components/add-image-form";
import { CaptionEditor } from "../../../../components/caption-editor";
import { FlagButton } from "../../../../components/flag-button";
import { ImageLightbox } from "../../../../components/image-lightbox";
import { ImageThumb } from "../../../../components/image-thumb";
import { ErrorState, attempt } from "../../../../components/states";
import { formatDate, humanize } from "../../../../lib/format";
import { can } from "../../../../lib/roles";
import { query, requireSession } from "../../../../lib/session";
import { CaseDocument } from "../../../../operations/cases.operations";

export const metadata: Metadata = { title: "Case" };

const CLINICAL: [string, "history" | "exam" | "findings" | "differentialDiagnosis" | "caseDiagnosis" | "diagnosisBy"][] = [
  ["History", "history"],
  ["Exam", "exam"],
  ["Findings", "findings"],
  ["Differential diagnosis", "differentialDiagnosis"],
  ["Diagnosis", "caseDiagnosis"],
  ["Diagnosis by", "diagnosisBy"],
];

function statusPill(status: string) {
  const cls = status === "OPEN" ? "pill-warn" : status === "ACCEPTED" ? "pill-ok" : "";
  return <span className={`pill ${cls}`}>{humanize(status)}</span>;
}

export default async function CasePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const session = await requireSession();
  const result = await attempt(() => query(CaseDocument, { id }));
  if (!result.ok) return <ErrorState error={result.error} />;
  const c = result.data.case;
  if (!c) notFound();

  return (
    <>
      <div className="page-head">
        <div>
          <div className="crumbs">
            <Link href="/cases">Cases</Link> / {c.externalId}
          </div>
          <h1>{c.title ?? c.externalId}</h1>
          <p className="sub row">
            <span className="mono">{c.externalId}</span>
            <span className="pill">{humanize(c.split)}</span>
            <span>{c.dataset.name}</span>
            <span>
              · {c.images.length} image{c.images.length === 1 ? "" : "s"}
            </span>
          </p>
        </div>
      </div>

      <div className="grid-case">
        <section className="card" aria-labelledby="clinical">
          <div className="card-head">
            <h2 id="clinical">Clinical</h2>
          </div>
          <div className="card-body prose">
            {CLINICAL.filter(([, k]) => c[k]).map(([label, k]) => (
              <div key={k}>
                <h3>{label}</h3>
                <p>{c[k]}</p>
              </div>
            ))}
            {CLINICAL.every(([, k]) => !c[k]) ? <p className="muted">No clinical text recorded.</p> : null}
          </div>
        </section>
        <section className="card" aria-labelledby="topic">
          <div className="card-head">
            <h2 id="topic">Topic</h2>
          </div>
          <div className="card-body prose">
            <dl className="kv">
              <dt>Title</dt>
              <dd>{c.topicTitle ?? "—"}</dd>
              <dt>Category</dt>
              <dd>{c.category ?? "—"}</dd>
              <dt>ACR code</dt>
              <dd className="mono">{c.acrCode ?? "—"}</dd>
              <dt>Dataset</dt>
              <dd>
                {c.dataset.name}
                {c.dataset.licence ? <span className="muted"> · {c.dataset.licence}</span> : null}
              </dd>
              <dt>Updated</dt>
              <dd>{formatDate(c.updatedAt)}</dd>
            </dl>
            {c.diseaseDiscussion ? (
              <details style={{ marginTop: 10 }}>
                <summary>Disease discussion</summary>
                <p style={{ marginTop: 6 }}>{c.diseaseDiscussion}</p>
              </details>
            ) : null}
          </div>
        </section>
      </div>

      <section className="card" aria-labelledby="images">
        <div className="card-head">
          <h2 id="images">Images</h2>
          <span className="muted small">Captions are versioned: every change is kept below each image.</span>
        </div>
        {can.editCaptions(session.role) ? (
          <div className="card-body">
            <AddImageForm caseId={c.id} />
          </div>
        ) : null}
        {c.images.length === 0 ? <p className="empty">This case has no images.</p> : null}
        {c.images.map((img, idx) => {
          const cap = img.caption;
          const openFlags = cap?.flags.filter((f) => f.status === "OPEN").length ?? 0;
          return (
            <article key={img.id} id={`image-${img.id}`} className="case-image" aria-label={`Image ${idx + 1}`}>
              <div>
                <a href={`/images/${img.id}`} target="_blank" rel="noreferrer" title="Open the large view" data-lightbox={idx}>
                  <ImageThumb
                    id={img.id}
                    size={512}
                    alt={cap?.text ?? `Image ${idx + 1} of ${c.externalId}`}
                    className="image-large"
                    eager={idx === 0}
                  />
                </a>
                <div className="row small muted" style={{ marginTop: 6 }}>
                  <span className="mono">{img.externalId}</span>
                  <span>
                    {img.width}×{img.height} {img.format}
                  </span>
                  <Link href={`/search?mode=similar&imageId=${img.id}`}>Similar images</Link>
                  <Link href={`/search?mode=caption&imageId=${img.id}`}>Caption it</Link>
                </div>
              </div>
              <div className="stack" style={{ alignContent: "start" }}>
                <div className="row">
                  <span className="pill pill-accent">{img.modality}</span>
                  {img.modalityDetail ? <span className="pill">{img.modalityDetail}</span> : null}
                  {img.plane ? <span className="pill">{img.plane}</span> : null}
                  {img.locationCategory ? <span className="pill">{img.locationCategory}</span> : null}
                  {openFlags ? (
                    <span className="pill pill-warn">
                      {openFlags} open flag{openFlags === 1 ? "" : "s"}
                    </span>
                  ) : null}
                </div>
                <div>
                  <div className="label">
                    Caption{" "}
                    {cap ? (
                      <span className="muted">
                        · revision {cap.revision} · {humanize(cap.source)}
                      </span>
                    ) : null}
                  </div>
                  <p className="caption-text" data-testid="caption-text">
                    {cap?.text ?? <span className="muted">No caption.</span>}
                  </p>
                </div>
                {cap ? (
                  <div className="row">
                    {can.flag(session.role) ? <FlagButton captionId={cap.id} /> : null}
                    {can.editCaptions(session.role) ? <CaptionEditor captionId={cap.id} text={cap.text} /> : null}
                  </div>
                ) : null}
                <dl className="kv small">
                  <dt>Location</dt>
                  <dd>{img.location ?? "—"}</dd>
                  <dt>Patient</dt>
                  <dd>
                    {img.patientAge != null ? `${img.patientAge} y` : "age —"}, {img.patientSex ?? "sex —"}
                  </dd>
                  {img.figurePart ? (
                    <>
                      <dt>Figure part</dt>
                      <dd>{img.figurePart}</dd>
                    </>
                  ) : null}
                  {img.acrCodes ? (
                    <>
                      <dt>ACR codes</dt>
                      <dd className="mono">{img.acrCodes}</dd>
                    </>
                  ) : null}
                </dl>
                {cap && cap.revisions.length > 0 ? (
                  <details open={cap.revisions.length > 1}>
                    <summary>Revision history ({cap.revisions.length})</summary>
                    <ol className="revisions" data-testid="revisions">
                      {[...cap.revisions].reverse().map((r) => (
                        <li key={r.id}>
                          <div className="row small muted">
                            <b>r{r.revision}</b> · {humanize(r.source)} · {r.author} · {formatDate(r.createdAt)}
                          </div>
                          <div>{r.text}</div>
                          {r.comment ? <div className="small muted">“{r.comment}”</div> : null}
                        </li>
                      ))}
                    </ol>
                  </details>
                ) : null}
                {cap && cap.flags.length > 0 ? (
                  <details open={openFlags > 0}>
                    <summary>Flags ({cap.flags.length})</summary>
                    <ul className="revisions" data-testid="flags">
                      {cap.flags.map((f) => (
                        <li key={f.id}>
                          <div className="row small">
                            {statusPill(f.status)} <b>{humanize(f.reason)}</b>{" "}
                            <span className="muted">
                              by {f.raisedBy} · {formatDate(f.createdAt)}
                            </span>
                          </div>
                          {f.note ? <div>{f.note}</div> : null}
                          {f.resolvedBy ? (
                            <div className="small muted">
                              {humanize(f.status)} by {f.resolvedBy}
                              {f.resolutionComment ? `: “${f.resolutionComment}”` : ""}
                            </div>
                          ) : null}
                        </li>
                      ))}
                    </ul>
                  </details>
                ) : null}
              </div>
            </article>
          );
        })}
      </section>
      <ImageLightbox
        images={c.images.map((img, idx) => ({
          id: img.id,
          alt: img.caption?.text ?? `Image ${idx + 1} of ${c.externalId}`,
          label: `Image ${idx + 1} · ${img.externalId}`,
        }))}
      />
    </>
  );
}
