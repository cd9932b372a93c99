// What a starting server is doing, for /readyz and the admin: the API listens at once and reports
// its start-up (database, model, first import, index) instead of refusing connections for minutes.

export type BootstrapPhase = "database" | "model" | "import" | "index" | "ready" | "failed";

export interface BootstrapStatus {
  phase: BootstrapPhase;
  /** Items done and expected in the current phase (import: cases, index: images + captions). */
  done?: number;
  total?: number;
  /** The part of the phase that `done`/`total` count, when a phase has several. */
  step?: string;
  /** A sentence for people: what is happening, or what went wrong and what to do. */
  message?: string;
  /** Things worth knowing that did not stop the start (e.g. no MedPix copy was found). */
  notices: string[];
}

export class BootstrapState {
  private status: BootstrapStatus = { phase: "database", message: "starting PostgreSQL and applying migrations", notices: [] };

  get current(): BootstrapStatus {
    return { ...this.status, notices: [...this.status.notices] };
  }

  get ready(): boolean {
    return this.status.phase === "ready";
  }

  enter(phase: BootstrapPhase, message?: string): void {
    this.status = { phase, message, notices: this.status.notices };
  }

  /** `step` names the part of the phase the counts belong to (e.g. "images", then "captions"). */
  progress(done: number, total: number, step?: string): void {
    this.status = { ...this.status, done, total, ...(step ? { step } : {}) };
  }

  notice(message: string): void {
    this.status.notices.push(message);
  }

  fail(message: string): void {
    this.enter("failed", message);
  }
}
