const UNITS = ["KiB", "MiB", "GiB", "TiB"];

/** A byte count for people: 1023 -> "1023 B", 1536 -> "1.5 KiB" (powers of 1024, one decimal, trailing ".0" dropped). */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError("bytes must be a non-negative number");
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(1))} ${UNITS[unit]}`;
}
