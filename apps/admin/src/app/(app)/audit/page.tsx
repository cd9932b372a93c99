import type { Metadata } from "next";
import Link from "next/link";
import { ErrorState, attempt } from "../../../components/states";
import type { SuspicionReasonCode } from "../../../gql/graphql";
import { formatCount, humanize } from "../../../lib/format";
import { can } from "../../../lib/roles";
import { query, requireSession } from "../../../lib/session";
import { CaptionSuspicionsDocument } from "../../../operations/audit.operations";
import { AuditList } from "./audit-list";

export const metadata: Metadata = { title: "Caption audit" };

/** The reasons offered as filters, in the order annotators meet them. */
const REASONS: SuspicionReasonCode[] = [
  "PLACEHOLDER",
  "FIGURE_NUMBER",
  "NO_CLINICAL_CONTENT",
  "TOO_SHORT",
  "ENCODING_GARBAGE",
  "MODALITY_MISMATCH",
  "SEQUENCE_MISMATCH",
  "PLANE_MISMATCH",
  "ANATOMY_MISMATCH",
  "MODEL_DISAGREES",
  "PREDICTED_ATTRIBUTE_MISMATCH",
  "DUPLICATE_ACROSS_CASES",
  "DUPLICATE_ACROSS_REGIONS",
];

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const session = await requireSession();
  if (!can.flag(session.role)) {
    return (
      <>
        <div className="page-head">
          <h1>Caption audit</h1>
        </div>
        <p className="alert alert-warn" role="note">
          Your role (<b>{session.role.toLowerCase()}</b>) cannot see the caption audit; annotators and up work through it.
        </p>
      </>
    );
  }
  const reason = (REASONS as string[]).includes(String(params.reason)) ? (params.reason as SuspicionReasonCode) : undefined;
  const result = await attempt(() => query(CaptionSuspicionsDocument, { first: 100, filter: reason ? { reason } : null }));
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Caption audit</h1>
          <p className="sub">
            {result.ok
              ? `${formatCount(result.data.captionSuspicions.totalCount)} caption${result.data.captionSuspicions.totalCount === 1 ? "" : "s"} likely wrong${reason ? ` · ${humanize(reason).toLowerCase()}` : ""}, most suspicious first`
              : " "}
          </p>
        </div>
        <nav className="row" aria-label="Reason">
          <Link href="/audit" className={`btn btn-sm ${reason ? "" : "btn-primary"}`} aria-current={reason ? undefined : "page"}>
            All
          </Link>
          {REASONS.map((r) => (
            <Link
              key={r}
              href={`/audit?reason=${r}`}
              className={`btn btn-sm ${r === reason ? "btn-primary" : ""}`}
              aria-current={r === reason ? "page" : undefined}
            >
              {humanize(r)}
            </Link>
          ))}
        </nav>
      </div>
      {!result.ok ? (
        <ErrorState error={result.error} />
      ) : (
        <AuditList key={reason ?? "all"} suspicions={result.data.captionSuspicions.edges.map((e) => e.node)} />
      )}
    </>
  );
}
