import { unstable_rethrow } from "next/navigation";
import type { ReactNode } from "react";
import { ErrorState } from "../../components/states";
import { ShortcutsHelp } from "../../components/shortcuts-help";
import { SideNav } from "../../components/side-nav";
import { query, requireSession, type Session } from "../../lib/session";
import { OpenFlagCountDocument } from "../../operations/dashboard.operations";
import { logout } from "../login/actions";

export default async function AppShell({ children }: { children: ReactNode }) {
  let session: Session;
  try {
    session = await requireSession();
  } catch (err) {
    // The API is down or broken: say so plainly instead of a blank error page (the redirect to login propagates).
    unstable_rethrow(err);
    return (
      <main className="login">
        <div className="login-card" style={{ width: "min(560px, 100%)" }}>
          <h1>The admin cannot reach the MedCap API</h1>
          <ErrorState error={err} />
          <div className="row">
            <a className="btn btn-primary" href="/">
              Try again
            </a>
            <form action={logout}>
              <button type="submit" className="btn btn-ghost">
                Sign out
              </button>
            </form>
          </div>
        </div>
      </main>
    );
  }
  // The badge is a convenience: a failure here must not take the whole shell down.
  const openFlags = await query(OpenFlagCountDocument, {})
    .then((d) => d.flags.totalCount)
    .catch(() => undefined);
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            M
          </span>
          MedCap <span className="brand-sub">admin</span>
        </div>
        <div className="topbar-user">
          <ShortcutsHelp role={session.role} />
          <span className="who" title={`key ${session.keyId}`}>
            {session.label}
          </span>
          <span className={`role role-${session.role.toLowerCase()}`} data-testid="role">
            {session.role.toLowerCase()}
          </span>
          <form action={logout}>
            <button type="submit" className="btn btn-ghost btn-sm">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <SideNav role={session.role} openFlags={openFlags} />
      <main id="main" className="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
