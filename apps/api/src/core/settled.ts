// A promise's outcome as a value, for work started ahead of the code that will await it: a rejection
// held this way is never an unhandled rejection while nobody awaits it yet.

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** `work()`'s outcome; never rejects. */
export function settle<T>(work: () => Promise<T>): Promise<Settled<T>> {
  return work().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** The value, or the error thrown. */
export function unwrap<T>(s: Settled<T>): T {
  if (!s.ok) throw s.error;
  return s.value;
}
