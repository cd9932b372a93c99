// One model version's retrieval core: its encoder, vector store, stored vectors, indexer and search.
// app/retrieval.composition.ts builds it (openRetrieval); the served-model handle (lifecycle/) swaps
// whole ones; evaluation, the caption audit and the benchmarks run on one they are handed.
import type { EncoderService } from "../encoders/encoder.service.js";
import type { VectorStore } from "../vectors/vector.store.js";
import type { EmbeddingRepository } from "./embedding.repository.js";
import type { IndexService } from "./index.service.js";
import type { SearchService } from "./search.service.js";
import type { ModelRef } from "./search.types.js";

export interface Retrieval {
  encoder: EncoderService;
  store: VectorStore;
  repo: EmbeddingRepository;
  indexer: IndexService;
  search: SearchService;
  model: ModelRef;
  close(): Promise<void>;
}
