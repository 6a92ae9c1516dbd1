const UNITS = ["kB", "MB", "GB", "TB"];

/** A byte count for people: 999 -> "999 B", 1500 -> "1.5 kB" (one decimal, trailing ".0" dropped). */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError("bytes must be a non-negative number");
  if (bytes < 1000) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${Number(value.toFixed(1))} ${UNITS[unit]}`;
}
