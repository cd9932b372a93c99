// Seeded synthetic embeddings, for the Qdrant benchmark and the vector-store tests: unit vectors in
// random directions, and unit vectors scattered around a centre (clusters like image embeddings).
// The same seed gives the same vectors, so runs are comparable.

/** A standard normal sample (Box-Muller) from a uniform stream. */
export function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** Scales v to unit length in place (a zero vector stays zero) and returns it. */
export function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += (v[i] as number) ** 2;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
  return v;
}

/** A unit vector in a uniformly random direction. */
export function randomUnitVector(rand: () => number, dim: number): Float32Array {
  return normalise(Float32Array.from({ length: dim }, () => gaussian(rand)));
}

/** A unit vector near `centre` (unit length): Gaussian noise of total norm about `noise`, renormalised. */
export function unitVectorNear(rand: () => number, centre: Float32Array, noise: number): Float32Array {
  const sigma = noise / Math.sqrt(centre.length);
  const v = new Float32Array(centre.length);
  for (let i = 0; i < centre.length; i++) v[i] = (centre[i] as number) + gaussian(rand) * sigma;
  return normalise(v);
}
