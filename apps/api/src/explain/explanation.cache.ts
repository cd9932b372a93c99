// The key of the bounded LRU (core/lru.map.ts) of finished explanations. An explanation costs grid² + 1
// image encodes; the same query image is explained again whenever a reviewer toggles "why?" back on, so
// repeats are answered from memory. The key holds everything the result depends on (see explanationKey), so an edited
// caption or a switched model never reads a stale entry.

/**
 * Image content hash + target (caption id and a hash of its current text, or image id) + grid +
 * patch + model identity (name@version#manifest hash).
 */
export function explanationKey(parts: { imageSha256: string; target: string; grid: number; patch: number; model: string }): string {
  return `${parts.model}|${parts.imageSha256}|${parts.target}|g${parts.grid}p${parts.patch}`;
}
