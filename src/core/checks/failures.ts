import path from "node:path";

/**
 * Reading what failed out of a test or lint run. Two readers: `extractFailures` for the report and the
 * debugger (names and file:line locations from the kept output, at most 20), and `FailingTestCollector`,
 * which sees every line of the run and keeps every failing test name, for comparing against the baseline.
 */

const MAX_FAILURES = 20;
/** Beyond this many failing names a run is treated as unreadable rather than compared name by name. */
const MAX_COLLECTED_NAMES = 5_000;

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Test-runner lines that name one failing test; the first group is the name. */
const FAILURE_PATTERNS: RegExp[] = [
  /^\s*not ok \d+ - (.+?)(?:\s+#\s*(?!TODO|SKIP).*)?$/i, // TAP (node --test, tap, …)
  /^\s*[✖✕×]\s+(.+?)(?:\s+\(\d+(?:\.\d+)?\s*m?s\)|\s+\d+(?:\.\d+)?\s*m?s)?\s*$/, // node spec, jest, vitest
  /^\s*FAIL\s+(\S.*?)\s*$/, // jest/vitest "FAIL file" / "FAIL file > suite > name"
  /^(?:FAILED|ERROR)\s+(\S+::\S+)/, // pytest summary
  /^(?:FAIL|ERROR): (\S+ \([\w.]+\))/, // unittest
  /^\s*--- FAIL: (\S+)/, // go test
  /^test (\S+) \.\.\. FAILED$/, // cargo test
];
const TAP_TODO = /#\s*(TODO|SKIP)\b/i;
const NOT_A_TEST = /^(failing tests:?|\d+ (?:failed|failing).*)$/i;

const SOURCE_EXTENSIONS = "js|mjs|cjs|jsx|ts|tsx|mts|cts|py|go|rs|rb|java|kt|php|cs|c|cc|cpp|h|hpp|swift";
// Bounded repetitions keep the scan linear on long minified lines.
const LOCATION = new RegExp(`(?:file://)?((?:[\\w.@~+-]{0,100}/){0,30}[\\w.@+-]{1,100}\\.(?:${SOURCE_EXTENSIONS})):(\\d+)`, "g");
const PYTHON_FRAME = /File "([^"]+)", line (\d+)/g;
const FOREIGN_LOCATION = /node_modules\/|^node:|site-packages\/|\/lib\/python\d|\/usr\/(?:local\/)?(?:lib|go)\/|\/rustc\/|\.cargo\/registry/;

/**
 * Failing test names and file:line locations from a test or lint run, names first, at most 20. Covers
 * node --test (TAP and spec), jest, vitest, pytest, unittest, go test and cargo test.
 */
export function extractFailures(output: string, options: { root?: string } = {}): string[] {
  const found = new Set<string>();
  const add = (entry: string) => {
    if (found.size < MAX_FAILURES && entry.trim()) found.add(entry.trim());
  };
  const lines = stripAnsi(output).split(/\r?\n/);
  for (const line of lines) {
    const name = failingTestName(line);
    if (name) add(name);
  }
  for (const location of extractLocations(lines.join("\n"), options.root)) add(location);
  return [...found];
}

/** file:line locations in the output that belong to the repository (not node_modules, node: or stdlib). */
export function extractLocations(output: string, root?: string): string[] {
  const text = stripAnsi(output);
  const locations = [...[...text.matchAll(LOCATION)].map((m) => [m[1]!, m[2]!] as const), ...[...text.matchAll(PYTHON_FRAME)].map((m) => [m[1]!, m[2]!] as const)];
  const found = new Set<string>();
  for (const [file, line] of locations) {
    if (!FOREIGN_LOCATION.test(file)) found.add(`${relativeTo(root, file)}:${line}`);
  }
  return [...found];
}

export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** The failing test one output line names, or null. */
export function failingTestName(rawLine: string): string | null {
  const line = stripAnsi(rawLine);
  if (TAP_TODO.test(line) && /not ok/.test(line)) return null;
  for (const pattern of FAILURE_PATTERNS) {
    const name = pattern.exec(line)?.[1]?.trim();
    if (name && !NOT_A_TEST.test(name)) return name;
  }
  return null;
}

/**
 * Collects every failing test name of a run, line by line. Absolute paths under `roots` (the worktree)
 * are made relative, so the same test failing in the baseline's checkout and in the run's worktree gets
 * the same name.
 */
export class FailingTestCollector {
  private readonly names = new Set<string>();
  private overflow = false;
  private readonly roots: string[];

  constructor(roots: string[]) {
    // Longest first, so /tmp/x/worktree wins over /tmp/x.
    this.roots = [...new Set(roots.filter(Boolean))].sort((a, b) => b.length - a.length);
  }

  push(line: string): void {
    const name = failingTestName(line);
    if (!name) return;
    if (this.names.size >= MAX_COLLECTED_NAMES) {
      this.overflow = true;
      return;
    }
    this.names.add(this.normalise(name));
  }

  /** Every failing name seen; `complete` is false when there were too many to keep. */
  result(): { names: string[]; complete: boolean } {
    return { names: [...this.names], complete: !this.overflow };
  }

  private normalise(name: string): string {
    let result = name;
    for (const root of this.roots) result = result.split(`${root}/`).join("");
    return result;
  }
}

function relativeTo(root: string | undefined, file: string): string {
  if (!root || !path.isAbsolute(file)) return file;
  const relative = path.relative(root, file);
  return relative.startsWith("..") ? file : relative;
}
