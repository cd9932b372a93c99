import type { Metadata } from "next";
import { requireSession } from "../../lib/session";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const session = await requireSession();
  return (
    <>
      <div className="page-head">
        <h1>Dashboard</h1>
      </div>
      <p className="muted">Signed in as {session.label}.</p>
    </>
  );
}
