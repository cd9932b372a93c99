"use client";

import { useEffect } from "react";

/** One error view for every page in the shell: what went wrong, and a way to retry. */
export default function ShellError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div className="card" role="alert">
      <div className="card-body stack">
        <h1>Something went wrong</h1>
        <p>{error.message || "The page could not be loaded."}</p>
        {error.digest ? <p className="muted small">Reference {error.digest}</p> : null}
        <div>
          <button type="button" className="btn" onClick={reset}>
            Try again
          </button>
        </div>
      </div>
    </div>
  );
}
