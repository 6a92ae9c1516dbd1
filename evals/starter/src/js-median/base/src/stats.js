/** Arithmetic mean of a non-empty array of numbers. */
export function mean(values) {
  if (!Array.isArray(values) || values.length === 0) throw new RangeError("mean needs at least one value");
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
