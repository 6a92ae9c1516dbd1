/**
 * The most spans open at one time. At equal times an end counts before a start: a slot handed over, or
 * back-to-back jobs, are not two at once.
 */
export function maxOverlap(spans: ReadonlyArray<{ start: number; end: number }>): number {
  const edges = spans.flatMap((span) => [
    { at: span.start, delta: 1 },
    { at: span.end, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (open += edge.delta));
  return most;
}
