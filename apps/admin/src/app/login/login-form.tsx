"use client";

import { useActionState } from "react";
import { type LoginState, login } from "./actions";

export function LoginForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<LoginState, FormData>(login, {});
  return (
    <form action={action} className="stack" aria-describedby={state.error ? "login-error" : undefined}>
      <input type="hidden" name="next" value={next} />
      <div className="field">
        <label htmlFor="apiKey">API key</label>
        <input
          id="apiKey"
          name="apiKey"
          type="password"
          autoComplete="current-password"
          spellCheck={false}
          required
          // biome-ignore lint/a11y/noAutofocus: the page has a single field; focusing it is what every user wants.
          autoFocus
          defaultValue={state.key}
          placeholder="mcp_…"
          aria-invalid={state.error ? true : undefined}
        />
        <p className="hint">
          Keys are issued by an admin (or <code>npx medcap keys create</code>). Your role comes with the key.
        </p>
      </div>
      {state.error ? (
        <p id="login-error" role="alert" className="alert alert-error">
          {state.error}
        </p>
      ) : null}
      <button type="submit" className="btn btn-primary" disabled={pending}>
        {pending ? "Checking key…" : "Sign in"}
      </button>
    </form>
  );
}
