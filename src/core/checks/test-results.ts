import { stripAnsi } from "./failures.js";

/**
 * Per-test outcomes from a test run's output, line by line: which named tests passed and which failed.
 * `failures.ts` only needs the failing names; grading a change against a list of tests (an eval's
 * FAIL_TO_PASS and PASS_TO_PASS) also needs to see the passing ones. Names are kept as the runner prints
 * them, since that is how task lists name tests (SWE-bench style).
 *
 * Covers node --test (TAP and spec reporters), jest --verbose and vitest's verbose reporter, pytest (-rA
 * summary lines and -v progress lines) and unittest -v.
 */

export type TestOutcome = "passed" | "failed" | "skipped";

interface LinePattern {
  pattern: RegExp;
  /** Outcome from the match; null when the line is not a result after all. */
  outcome: (match: RegExpExecArray) => TestOutcome | null;
  name?: (match: RegExpExecArray) => string;
}

const DURATION = String.raw`(?:\s+\(\d+(?:\.\d+)?\s*m?s\)|\s+\d+(?:\.\d+)?\s*m?s)?`;
const PATTERNS: LinePattern[] = [
  // TAP (node --test --test-reporter=tap): "ok 3 - name", "not ok 4 - name # SKIP".
  {
    pattern: /^\s*(not )?ok \d+ - (.+?)(\s+#\s*(?:TODO|SKIP)\b.*)?$/i,
    outcome: (m) => (m[3] ? "skipped" : m[1] ? "failed" : "passed"),
    name: (m) => m[2]!.replace(/\\([#\\])/g, "$1"),
  },
  // node's spec reporter, jest --verbose, vitest verbose: "✔ name (1.2ms)", "✖ name", "✓ name 3ms", "× name".
  {
    pattern: new RegExp(String.raw`^\s*([✔✓√✖✕×﹣↓])\s+(.+?)${DURATION}(\s+#\s*(?:TODO|SKIP)\b.*)?\s*$`),
    outcome: (m) => (m[3] || m[1] === "﹣" || m[1] === "↓" ? "skipped" : "✔✓√".includes(m[1]!) ? "passed" : "failed"),
  },
  // pytest -rA summary: "PASSED tests/test_x.py::test_a", "FAILED tests/test_x.py::test_b - AssertionError".
  {
    pattern: /^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\s+(\S+::\S.*?)(?:\s+-\s+.*)?$/,
    outcome: (m) => pytestOutcome(m[1]!),
  },
  // pytest -v progress: "tests/test_x.py::test_a PASSED [ 50%]".
  {
    pattern: /^(\S+::\S+)\s+(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)(?:\s+\[\s*\d+%\])?\s*$/,
    outcome: (m) => pytestOutcome(m[2]!),
    name: (m) => m[1]!,
  },
  // unittest -v: "test_add (pkg.test_x.CalcTest.test_add) ... ok" (3.11+ adds the method to the dotted name).
  {
    pattern: /^(\w+ \([\w.]+\))(?:\s.*?)? \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)\s*$/,
    outcome: (m) => (m[2] === "ok" || m[2] === "expected failure" ? "passed" : m[2]!.startsWith("skipped") ? "skipped" : "failed"),
    name: (m) => m[1]!,
  },
];

function pytestOutcome(word: string): TestOutcome {
  if (word === "PASSED" || word === "XFAIL") return "passed";
  if (word === "SKIPPED") return "skipped";
  return "failed";
}

/** Lines that look like results but summarise instead of naming a test. */
const NOT_A_TEST = /^(?:failing tests:?|\d+ (?:passed|failed|failing|skipped).*|tests? \d+.*)$/i;

/** The test one output line reports, with its outcome; null when the line reports none. */
export function parseTestResultLine(rawLine: string): { name: string; outcome: TestOutcome } | null {
  const line = stripAnsi(rawLine).replace(/\r$/, "");
  for (const { pattern, outcome, name } of PATTERNS) {
    const match = pattern.exec(line);
    if (!match) continue;
    const result = outcome(match);
    const testName = (name ? name(match) : match[2]!).trim();
    if (!result || !testName || NOT_A_TEST.test(testName)) return null;
    return { name: testName, outcome: result };
  }
  return null;
}

/**
 * Every test outcome of a run. A name reported more than once (spec reporters repeat failures in a
 * summary; two tests may share a name) keeps its worst outcome: failed over passed over skipped.
 */
export class TestResultCollector {
  private readonly outcomes = new Map<string, TestOutcome>();

  push(line: string): void {
    const result = parseTestResultLine(line);
    if (!result) return;
    const previous = this.outcomes.get(result.name);
    if (!previous || RANK[result.outcome] > RANK[previous]) this.outcomes.set(result.name, result.outcome);
  }

  outcome(name: string): TestOutcome | undefined {
    return this.outcomes.get(name) ?? this.outcomes.get(unittestVariant(name));
  }

  results(): Map<string, TestOutcome> {
    return new Map(this.outcomes);
  }
}

const RANK: Record<TestOutcome, number> = { skipped: 0, passed: 1, failed: 2 };

/**
 * unittest before 3.11 prints "test_a (mod.Class)", 3.11+ "test_a (mod.Class.test_a)"; SWE-bench lists use
 * either, so a name in one form also finds the other.
 */
function unittestVariant(name: string): string {
  const match = /^(\w+) \(([\w.]+)\)$/.exec(name);
  if (!match) return name;
  const [, method, dotted] = match as unknown as [string, string, string];
  return dotted.endsWith(`.${method}`) ? `${method} (${dotted.slice(0, -method.length - 1)})` : `${method} (${dotted}.${method})`;
}
