import type { Metadata } from "next";
import Link from "next/link";
import { ErrorState, attempt } from "../../../components/states";
import type { FlagStatus } from "../../../gql/graphql";
import { formatCount, humanize } from "../../../lib/format";
import { can } from "../../../lib/roles";
import { query, requireSession } from "../../../lib/session";
import { FlagQueueDocument } from "../../../operations/curation.operations";
import { ReviewQueue } from "./review-queue";

export const metadata: Metadata = { title: "Review queue" };

const STATUSES: FlagStatus[] = ["OPEN", "ACCEPTED", "REJECTED"];

export default async function ReviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const session = await requireSession();
  const status = (STATUSES as string[]).includes(String(params.status)) ? (params.status as FlagStatus) : "OPEN";
  const result = await attempt(() => query(FlagQueueDocument, { status, first: 100 }));
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Review queue</h1>
          <p className="sub">
            {result.ok
              ? `${formatCount(result.data.flags.totalCount)} ${humanize(status).toLowerCase()} flag${result.data.flags.totalCount === 1 ? "" : "s"}`
              : " "}
          </p>
        </div>
        <nav className="row" aria-label="Flag status">
          {STATUSES.map((s) => (
            <Link
              key={s}
              href={s === "OPEN" ? "/review" : `/review?status=${s}`}
              className={`btn btn-sm ${s === status ? "btn-primary" : ""}`}
              aria-current={s === status ? "page" : undefined}
            >
              {humanize(s)}
            </Link>
          ))}
        </nav>
      </div>
      {!result.ok ? (
        <ErrorState error={result.error} />
      ) : (
        <ReviewQueue
          key={status}
          flags={result.data.flags.edges.map((e) => e.node)}
          canResolve={status === "OPEN" && can.resolveFlags(session.role)}
          role={session.role}
          status={status}
        />
      )}
    </>
  );
}
