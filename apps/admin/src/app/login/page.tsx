import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { StartupBanner } from "../../components/startup-banner";
import { readiness } from "../../lib/readiness";
import { getSession } from "../../lib/session";
import { LoginForm } from "./login-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const next = typeof params.next === "string" ? params.next : "/";
  const [session, ready] = await Promise.all([getSession().catch(() => null), readiness()]);
  if (session && !params.expired) redirect("/");
  return (
    <main className="login">
      <div className="login-card">
        <div className="brand brand-lg" aria-hidden="true">
          <span className="brand-mark">M</span> MedCap
        </div>
        <h1>Sign in to the admin</h1>
        {params.expired ? (
          <p className="alert alert-warn" role="status">
            Your key is no longer accepted (expired, revoked or the API restarted with a new database). Sign in again.
          </p>
        ) : null}
        {ready ? <StartupBanner ready={ready} /> : null}
        <LoginForm next={next} />
      </div>
    </main>
  );
}
