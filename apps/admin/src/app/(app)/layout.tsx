import type { ReactNode } from "react";
import { SideNav } from "../../components/side-nav";
import { query, requireSession } from "../../lib/session";
import { OpenFlagCountDocument } from "../../operations/dashboard.operations";
import { logout } from "../login/actions";

export default async function AppShell({ children }: { children: ReactNode }) {
  const session = await requireSession();
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
