/** Negative when a < b, positive when a > b, 0 when equal. */
export function compareVersions(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Release tags, newest first. */
export function newestFirst(tags: readonly string[]): string[] {
  return [...tags].sort((a, b) => compareVersions(b, a));
}
