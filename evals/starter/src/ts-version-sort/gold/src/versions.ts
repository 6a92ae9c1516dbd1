interface Parsed {
  numbers: number[];
  prerelease: string | null;
}

function parse(version: string): Parsed {
  const text = version.trim().replace(/^v/i, "");
  const dash = text.indexOf("-");
  const core = dash === -1 ? text : text.slice(0, dash);
  return { numbers: core.split(".").map((part) => Number.parseInt(part, 10) || 0), prerelease: dash === -1 ? null : text.slice(dash + 1) };
}

/** Semantic-version order: numeric parts, missing parts count as 0, a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const left = parse(a);
  const right = parse(b);
  const length = Math.max(left.numbers.length, right.numbers.length);
  for (let i = 0; i < length; i += 1) {
    const difference = (left.numbers[i] ?? 0) - (right.numbers[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  if (left.prerelease === right.prerelease) return 0;
  if (left.prerelease === null) return 1;
  if (right.prerelease === null) return -1;
  return left.prerelease < right.prerelease ? -1 : 1;
}

/** Release tags, newest first. */
export function newestFirst(tags: readonly string[]): string[] {
  return [...tags].sort((a, b) => compareVersions(b, a));
}
