import { unstable_rethrow } from "next/navigation";
import type { ReactNode } from "react";
import { ApiError } from "../lib/graphql.client";

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/** What a failed API call means for the person looking at the page. */
export function describeError(err: unknown): { title: string; detail: string; code: string } {
  if (err instanceof ApiError) {
    switch (err.code) {
      case "FORBIDDEN":
        return { code: err.code, title: "Not allowed for your role", detail: err.message };
      case "NOT_FOUND":
        return { code: err.code, title: "Not found", detail: err.message };
      case "BAD_USER_INPUT":
        return { code: err.code, title: "The API rejected the input", detail: err.message };
      case "OVERLOADED":
        return { code: err.code, title: "The API is busy", detail: "Too many requests right now; try again in a moment." };
      case "UNAVAILABLE":
        return { code: err.code, title: "The API is unreachable", detail: err.message };
      default:
        return { code: err.code, title: "The API reported an error", detail: err.message };
    }
  }
  return { code: "INTERNAL", title: "Something went wrong", detail: (err as Error)?.message ?? String(err) };
}

export function ErrorState({ error }: { error: unknown }) {
  const { title, detail, code } = describeError(error);
  return (
    <div className={`alert ${code === "FORBIDDEN" ? "alert-warn" : "alert-error"}`} role="alert" data-code={code}>
      <strong>{title}.</strong> {detail}
    </div>
  );
}

export function Refused({ what, role }: { what: string; role: string }) {
  return (
    <div className="alert alert-warn" role="alert" data-code="FORBIDDEN">
      <strong>Not allowed for your role.</strong> Your key has the <b>{role.toLowerCase()}</b> role, which cannot {what}.
    </div>
  );
}

/** Runs a data load and hands back either its result or the error, so a page can render an error state in place. */
export async function attempt<T>(
  load: () => Promise<T>,
): Promise<{ ok: true; data: T; error?: undefined } | { ok: false; data?: undefined; error: unknown }> {
  try {
    return { ok: true, data: await load() };
  } catch (error) {
    // Navigation (the redirect to the login page) must propagate.
    unstable_rethrow(error);
    return { ok: false, error };
  }
}
