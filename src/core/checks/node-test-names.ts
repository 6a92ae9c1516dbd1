/**
 * Test names of node's test runner: the ones a run reports (TAP or spec result lines) and the ones a test
 * file declares with a literal name. Together with the names the base commit's run reported, they tell
 * whether a new test file ran without running it a second time on its own (test-discovery.ts).
 */

/** TAP result lines and spec result lines (✔ ✖ ﹣) of node's test runner; group 1 is the test name. */
const NODE_RESULT = [/^\s*(?:not )?ok \d+ - (.+?)(?:\s+#\s*(?:TODO|SKIP)\b.*)?$/, /^\s*[✔✖﹣▶]\s+(.+?)(?:\s+\(\d+(?:\.\d+)?m?s\))?(?:\s+#\s*\w+.*)?$/];

/** The test name an output line of node's test runner reports, if it is a result line. */
export function reportedTestName(line: string, format: "tap" | "any" = "any"): string | undefined {
  for (const pattern of format === "tap" ? NODE_RESULT.slice(0, 1) : NODE_RESULT) {
    const name = pattern.exec(line)?.[1];
    if (name) return name.replace(/\\([#\\])/g, "$1").trim();
  }
  return undefined;
}

/**
 * `test("…")`, `it('…')`, `describe(…)`, `suite(…)` (and their `.only`/`.skip`/`.todo`) with a plain
 * literal name: a name with an escape or an interpolation is left out rather than guessed. Subtests
 * (`t.test(…)`) are methods, not these calls, and are left out too.
 */
const DECLARATION = /(?<![\w$.])(?:test|it|describe|suite)(?:\.(?:only|skip|todo))?\s*\(\s*(?:"([^"\\\n]*)"|'([^'\\\n]*)'|`([^`\\$]*)`)\s*[,)]/g;

/** The literal names a test file's source declares, in order, without repeats. */
export function declaredTestNames(source: string): string[] {
  const names = new Set<string>();
  for (const match of source.matchAll(DECLARATION)) {
    const name = (match[1] ?? match[2] ?? match[3] ?? "").trim();
    if (name) names.add(name);
  }
  return [...names];
}
