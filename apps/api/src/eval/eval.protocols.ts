// The evaluation protocols, in one place for the evaluator, the CLI, the EVALUATION job handler and
// the GraphQL enum (whose names are the keys below; stored runs and the CLI use the values).
export const PROTOCOL_BY_KEY = {
  RETRIEVAL: "retrieval",
  CAPTION_LIBRARY: "caption-library",
  SEED_TEMPLATE: "seed-template",
} as const;
export type ProtocolKey = keyof typeof PROTOCOL_BY_KEY;
export type Protocol = (typeof PROTOCOL_BY_KEY)[ProtocolKey];
export const PROTOCOLS: readonly Protocol[] = Object.values(PROTOCOL_BY_KEY);
