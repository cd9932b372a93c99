// The words every layer uses about retrieval: a query image and the model version that answers.
// A leaf (no imports): search/ and explain/ both take them from here, so neither imports the other
// to name a query or a model.

/**
 * A query image: uploaded bytes, or an image already in the catalogue. `D` is the decoded form the
 * intake may attach to uploaded bytes so nothing decodes them twice (the encoders' `DecodedImage`;
 * named by the layers that know it: search/search.types.ts, explain/).
 */
export type ImageQuery<D = never> =
  | { bytes: Uint8Array; decoded?: D; imageId?: undefined }
  | { imageId: string; bytes?: undefined; decoded?: undefined };

export interface ModelRef {
  name: string;
  version: string;
  modelVersionId: string;
}
