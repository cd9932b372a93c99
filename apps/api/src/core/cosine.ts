// Cosine similarity of two embeddings, for the few places that compare vectors outside the vector
// stores (explanations, GPU/CPU parity, bench's reference-graph check, the parity tests).

/** Cosine of a and b; 0 when either has zero length (an all-zero vector has no direction). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
