/** Arithmetic mean of a non-empty array of numbers. */
export function mean(values) {
  if (!Array.isArray(values) || values.length === 0) throw new RangeError("mean needs at least one value");
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Middle value of a non-empty array of numbers (the mean of the two middle values for an even count). */
export function median(values) {
  if (!Array.isArray(values) || values.length === 0) throw new RangeError("median needs at least one value");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
