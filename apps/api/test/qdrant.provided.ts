// What qdrant.global-setup.ts hands to every test file through vitest's provide/inject.
declare module "vitest" {
  export interface ProvidedContext {
    /** URL of the Qdrant server under test; empty when there is none. */
    qdrantUrl: string;
    /** Why the Qdrant suites are skipped; empty when they run. */
    qdrantSkipReason: string;
  }
}

export {};
