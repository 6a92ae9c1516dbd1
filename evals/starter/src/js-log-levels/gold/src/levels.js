/** Severity of each level: a logger prints messages at or above its own level. */
export const LEVELS = Object.freeze({ debug: 10, info: 20, warn: 30, error: 40 });

/** "INFO", "info", " Info " -> "info"; throws for an unknown level. */
export function parseLevel(text) {
  const name = String(text).trim().toLowerCase();
  if (!Object.hasOwn(LEVELS, name)) throw new Error(`unknown log level: ${text}`);
  return name;
}
