"use client";

import { useActionState, useState } from "react";
import type { ActionResult } from "../../../actions/action.result";
import { createApiKeyAction, revokeApiKeyAction } from "../../../actions/keys.actions";
import { FormError, useFormAction } from "../../../components/popover-form";
import { ROLES } from "../../../lib/roles";

type Created = ActionResult<{ secret: string; label: string; role: string }> | null;

export function CreateKeyForm() {
  const [state, action, pending] = useActionState<Created, FormData>(createApiKeyAction, null);
  const [copied, setCopied] = useState(false);
  return (
    <section className="card" aria-labelledby="new-key" style={{ marginBottom: 14 }}>
      <div className="card-head">
        <h2 id="new-key">Create a key</h2>
      </div>
      <form action={action} className="card-body stack">
        <div className="row" style={{ alignItems: "flex-end" }}>
          <div className="field" style={{ flex: "1 1 240px" }}>
            <label htmlFor="label">Label</label>
            <input id="label" name="label" type="text" required placeholder="who or what the key is for" />
          </div>
          <div className="field">
            <label htmlFor="role">Role</label>
            <select id="role" name="role" defaultValue="VIEWER">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r.toLowerCase()}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? "Creating…" : "Create key"}
          </button>
        </div>
        <FormError error={state && !state.ok ? { message: state.error, code: state.code } : null} />
        {state?.ok ? (
          <div className="alert alert-ok" role="status">
            <p>
              Key <b>{state.data.label}</b> ({state.data.role.toLowerCase()}) created. Copy the secret now: it is not shown again.
            </p>
            <div className="row" style={{ marginTop: 6 }}>
              <code
                data-testid="new-secret"
                style={{ padding: "4px 6px", background: "#fff", border: "1px solid var(--border)", borderRadius: 4 }}
              >
                {state.data.secret}
              </code>
              <button
                type="button"
                className="btn btn-sm"
                onClick={() => {
                  void navigator.clipboard?.writeText(state.data.secret).then(() => setCopied(true));
                }}
              >
                {copied ? "Copied" : "Copy"}
              </button>
            </div>
          </div>
        ) : null}
      </form>
    </section>
  );
}

export function RevokeButton({ id, label }: { id: string; label: string }) {
  const revoke = useFormAction();
  return (
    <div className="row">
      <button
        type="button"
        className="btn btn-sm btn-danger-outline"
        disabled={revoke.pending}
        aria-label={`Revoke key ${label}`}
        onClick={() => {
          if (!window.confirm(`Revoke the key “${label}”? Requests with it fail from now on.`)) return;
          revoke.run(
            () => revokeApiKeyAction(id),
            () => undefined,
          );
        }}
      >
        {revoke.pending ? "Revoking…" : "Revoke"}
      </button>
      <FormError error={revoke.error} />
    </div>
  );
}
