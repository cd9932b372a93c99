// The words every layer uses about retrieval: a query image and the model version that answers.
// A leaf (no imports): search/ and explain/ both take them from here, so neither imports the other
// to name a query or a model.

/** A query image: uploaded bytes, or an image already in the catalogue. */
export type ImageQuery = { bytes: Uint8Array; imageId?: undefined } | { imageId: string; bytes?: undefined };

export interface ModelRef {
  name: string;
  version: string;
  modelVersionId: string;
}
