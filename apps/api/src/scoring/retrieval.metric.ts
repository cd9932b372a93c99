/**
 * Retrieval metrics of the `retrieval` protocol (DESIGN.md): Recall@1/5/10, MRR and median rank,
 * image→text and text→image, where every caption whose text equals one of an image's captions
 * (after whitespace normalisation) is correct for that image. MedPix repeats captions within a
 * case, and a model must not be punished for ranking the twin caption first.
 */

export interface RankSummary {
  R1: number;
  R5: number;
  R10: number;
  MRR: number;
  /** Median of the 1-based ranks of the first correct item (mean of the two middle ranks). */
  medianRank: number;
  queries: number;
}

export interface RetrievalScores {
  imageToText: RankSummary;
  textToImage: RankSummary;
}

export interface RelevanceSets {
  /** Distinct image ids, in first-seen order: row i of a similarity matrix is imageIds[i]. */
  imageIds: string[];
  /** Caption texts in input order: column c of a similarity matrix is captions[c]. */
  captions: string[];
  /** Index into imageIds of the image each caption was written for. */
  captionImage: number[];
  /** Per image, the caption indices counted as correct for it (its own and textual twins). */
  relevant: Set<number>[];
}

/** Collapses whitespace runs and trims: the equality DESIGN.md's duplicate rule uses. */
export function normalizeCaptionText(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * Relevance sets from (imageId, captionText) pairs, one pair per caption. A caption is correct
 * for every image that carries a caption with the same normalised text.
 */
export function buildRelevance(pairs: readonly { imageId: string; captionText: string }[]): RelevanceSets {
  const imageIndex = new Map<string, number>();
  const imageIds: string[] = [];
  const captionImage: number[] = [];
  const byText = new Map<string, number[]>();
  pairs.forEach((pair, c) => {
    let i = imageIndex.get(pair.imageId);
    if (i === undefined) {
      i = imageIds.length;
      imageIndex.set(pair.imageId, i);
      imageIds.push(pair.imageId);
    }
    captionImage.push(i);
    const key = normalizeCaptionText(pair.captionText);
    const twins = byText.get(key);
    if (twins) twins.push(c);
    else byText.set(key, [c]);
  });
  const relevant = imageIds.map(() => new Set<number>());
  pairs.forEach((pair, c) => {
    const image = captionImage[c] ?? 0;
    for (const twin of byText.get(normalizeCaptionText(pair.captionText)) ?? []) {
      relevant[image]?.add(twin);
    }
  });
  return {
    imageIds,
    captions: pairs.map((p) => p.captionText),
    captionImage,
    relevant,
  };
}

/**
 * 1-based rank of the first correct candidate given the query's scores. Ties are broken
 * against the query (a wrong candidate scoring equal to the best correct one ranks above it),
 * so a degenerate model that scores everything the same cannot look good. A query with no
 * correct candidate gets rank Infinity: a miss at every cut-off, 0 reciprocal rank.
 */
export function rankOfFirstCorrect(scores: ArrayLike<number>, correct: ReadonlySet<number>): number {
  let best = Number.NEGATIVE_INFINITY;
  let found = false;
  for (const c of correct) {
    const s = scores[c];
    if (s === undefined) continue;
    found = true;
    if (s > best) best = s;
  }
  if (!found) return Number.POSITIVE_INFINITY;
  let above = 0;
  for (let j = 0; j < scores.length; j++) {
    if (!correct.has(j) && (scores[j] ?? Number.NEGATIVE_INFINITY) >= best) above++;
  }
  return above + 1;
}

/** 1-based position of the first correct id in an already ranked list (Infinity if absent). */
export function rankInList(ranked: readonly number[], correct: ReadonlySet<number>): number {
  const at = ranked.findIndex((id) => correct.has(id));
  return at < 0 ? Number.POSITIVE_INFINITY : at + 1;
}

export function summarizeRanks(ranks: readonly number[]): RankSummary {
  const n = ranks.length;
  if (n === 0) return { R1: 0, R5: 0, R10: 0, MRR: 0, medianRank: 0, queries: 0 };
  const recallAt = (k: number) => ranks.filter((r) => r <= k).length / n;
  const sorted = [...ranks].sort((a, b) => a - b);
  const mid = Math.floor(n / 2);
  const medianRank = n % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return {
    R1: recallAt(1),
    R5: recallAt(5),
    R10: recallAt(10),
    MRR: ranks.reduce((sum, r) => sum + 1 / r, 0) / n,
    medianRank,
    queries: n,
  };
}

/** Images that count as correct for each caption: the transpose of the relevance sets. */
export function relevantImagesPerCaption(relevant: readonly ReadonlySet<number>[], captionCount: number): Set<number>[] {
  const perCaption = Array.from({ length: captionCount }, () => new Set<number>());
  relevant.forEach((captions, image) => {
    for (const c of captions) perCaption[c]?.add(image);
  });
  return perCaption;
}

/** Per-query ranks in both directions from an images × captions similarity matrix. */
export function ranksFromSimilarity(
  similarity: readonly ArrayLike<number>[],
  relevant: readonly ReadonlySet<number>[],
): { imageToText: number[]; textToImage: number[] } {
  if (similarity.length !== relevant.length) {
    throw new Error(`similarity has ${similarity.length} image rows but relevance covers ${relevant.length} images`);
  }
  const captionCount = similarity[0]?.length ?? 0;
  for (const row of similarity) {
    if (row.length !== captionCount) throw new Error("similarity rows differ in length");
  }
  const imageToText = similarity.map((row, i) => rankOfFirstCorrect(row, relevant[i] ?? new Set()));
  const perCaption = relevantImagesPerCaption(relevant, captionCount);
  const column = new Float64Array(similarity.length);
  const textToImage: number[] = [];
  for (let c = 0; c < captionCount; c++) {
    similarity.forEach((row, i) => {
      column[i] = row[c] ?? Number.NEGATIVE_INFINITY;
    });
    textToImage.push(rankOfFirstCorrect(column, perCaption[c] ?? new Set()));
  }
  return { imageToText, textToImage };
}

/** Both directions' metrics from an images × captions similarity matrix. */
export function retrievalFromSimilarity(
  similarity: readonly ArrayLike<number>[],
  relevant: readonly ReadonlySet<number>[],
): RetrievalScores {
  const ranks = ranksFromSimilarity(similarity, relevant);
  return {
    imageToText: summarizeRanks(ranks.imageToText),
    textToImage: summarizeRanks(ranks.textToImage),
  };
}

/**
 * Both directions' metrics from ranked lists: imageToText[i] lists caption indices best first
 * for image i, textToImage[c] lists image indices best first for caption c. Lists may be
 * truncated (top-k search results); a correct item missing from a list is a miss.
 */
export function retrievalFromRankedLists(
  ranked: {
    imageToText: readonly (readonly number[])[];
    textToImage: readonly (readonly number[])[];
  },
  relevant: readonly ReadonlySet<number>[],
): RetrievalScores {
  if (ranked.imageToText.length !== relevant.length) {
    throw new Error(`${ranked.imageToText.length} image queries but relevance covers ${relevant.length} images`);
  }
  const perCaption = relevantImagesPerCaption(relevant, ranked.textToImage.length);
  return {
    imageToText: summarizeRanks(ranked.imageToText.map((list, i) => rankInList(list, relevant[i] ?? new Set()))),
    textToImage: summarizeRanks(ranked.textToImage.map((list, c) => rankInList(list, perCaption[c] ?? new Set()))),
  };
}

/** Per-query 0/1 hits at cut-off k, the input of a bootstrap interval for Recall@k. */
export function hitsAt(ranks: readonly number[], k: number): number[] {
  return ranks.map((r) => (r <= k ? 1 : 0));
}
