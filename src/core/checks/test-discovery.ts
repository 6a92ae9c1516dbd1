import { readFile } from "node:fs/promises";
import path from "node:path";
import { stripAnsi } from "./failures.js";
import type { CommandRunner } from "./command-runner.js";
import { resolveTestCommand, shellQuote, type TestRunner } from "./test-command.js";
import { declaredTestNames, reportedTestName } from "./node-test-names.js";
import { pathExists } from "./path-exists.js";

/**
 * Did the test command run the tester's new test files? A change whose new tests never ran is not
 * validated, so a file the command does not pick up fails the test check. The evidence: the file's path
 * in the run's output (jest, vitest, pytest with -rA print it), or the names its tests get when the file
 * is run directly with the same runner (node --test, unittest -v), looked for in the run's output. For
 * node's runner the file's own literal test names usually settle it without that second run: when the run
 * reports every one of them and the base commit's run reported none (the baseline's `testNames`), they
 * can only be the new file's. The direct runs happen after the test command, and only where needed.
 */

export interface TestDiscoveryOptions {
  runner: CommandRunner;
  dir: string;
  command: string;
  /** The command as shown in the report (secrets masked). */
  shownCommand: string;
  newTestFiles: string[];
  timeoutMs: number;
  secrets?: string[];
  signal?: AbortSignal;
  /** The test names the base commit's run reported, if that run has finished and kept them (never waited for). */
  baseTestNames?: () => ReadonlySet<string> | undefined;
}

export interface TestDiscoveryOutcome {
  /** Failures for the test check: "new test file X was not run by the test command `…`". */
  failures: string[];
  notes: string[];
}

export interface TestDiscovery {
  /** Environment for the test command so that its output names what ran (PYTEST_ADDOPTS=-rA). */
  env: Record<string, string>;
  /** Every line of the test command's output. */
  observe(line: string): void;
  /** After the test command: runs the new files that the output does not vouch for on their own, and judges. */
  conclude(run: { timedOut: boolean }): Promise<TestDiscoveryOutcome>;
}

const JS_TEST = /\.(?:[cm]?[jt]sx?)$/;
const PY_TEST = /\.py$/;
const MAX_DIRECT_RUNS = 10;
const DIRECT_RUN_TIMEOUT_MS = 60_000;
/** All direct runs together; a hanging new test must not cost the round ten timeouts after the real run. */
const DIRECT_RUNS_BUDGET_MS = 120_000;
/** Test files larger than this are not read for their declared names (they are run on their own instead). */
const MAX_DECLARING_BYTES = 512 * 1024;
/** unittest -v: "test_add (pkg.test_x.CalcTest.test_add) ... ok" (3.11+) or "(pkg.test_x.CalcTest)". */
const UNITTEST_RESULT = /^(\w+) \(([\w.]+)\)(?:\s|$)/;
const UNITTEST_VERBOSE = / \.\.\. (?:ok|FAIL|ERROR|skipped|expected failure|unexpected success)\b/;
/** A line of a reporter that lists test files (jest PASS/FAIL, vitest ✓/❯/×). */
const LISTS_FILES = /^\s*(?:PASS|FAIL|[✓✔×❯])\s+\S+\.(?:test|spec)\.[cm]?[jt]sx?\b/;

interface FileEvidence {
  file: string;
  /** Names its tests had when run directly with node --test (null: not run that way). */
  nodeNames: Set<string> | null;
  unittestKeys: Set<string> | null;
  pytestCount: number | null;
  /** Why a direct run told us nothing. */
  directProblem: string | null;
  mentioned: boolean;
  /** The literal test names the file declares (node-test-names.ts). */
  declared: string[];
}

export async function prepareTestDiscovery(opts: TestDiscoveryOptions): Promise<TestDiscovery | null> {
  const evidence: FileEvidence[] = [];
  for (const file of [...new Set(opts.newTestFiles)]) {
    if (!(JS_TEST.test(file) || PY_TEST.test(file)) || !(await pathExists(path.join(opts.dir, file)))) continue;
    const item: FileEvidence = { file, nodeNames: null, unittestKeys: null, pytestCount: null, directProblem: null, mentioned: false, declared: [] };
    if (JS_TEST.test(file)) item.declared = declaredTestNames(await readDeclaring(path.join(opts.dir, file)));
    evidence.push(item);
  }
  if (evidence.length === 0) return null;
  const resolved = await resolveTestCommand(opts.dir, opts.command);

  const seenNodeNames = new Set<string>();
  const seenUnittestKeys = new Set<string>();
  let unittestVerbose = false;
  let listsFiles = false;
  const hasPytest = resolved.runners.some((r) => r.kind === "pytest");

  return {
    // -rA makes pytest name every test it ran; the ambient environment is not the sandbox's to read.
    env: hasPytest ? { PYTEST_ADDOPTS: "-rA" } : {},
    observe(rawLine) {
      const line = stripAnsi(rawLine);
      for (const item of evidence) if (!item.mentioned && mentions(line, item.file)) item.mentioned = true;
      const name = reportedTestName(line);
      if (name) seenNodeNames.add(name);
      const unittest = UNITTEST_RESULT.exec(line);
      if (unittest) seenUnittestKeys.add(unittestKey(unittest[1]!, unittest[2]!));
      if (UNITTEST_VERBOSE.test(line)) unittestVerbose = true;
      if (LISTS_FILES.test(line)) listsFiles = true;
    },
    async conclude(run) {
      const shown = `\`${opts.shownCommand}\``;
      if (run.timedOut) return { failures: [], notes: [`new tests: not confirmed, because ${shown} did not finish.`] };
      const base = opts.baseTestNames?.();
      const vouched = (item: FileEvidence) =>
        item.mentioned || (base !== undefined && applicable(resolved.runners, item.file).some((r) => r.kind === "node") && onlyNewNamesRan(item.declared, seenNodeNames, base));
      await runDirectlyWithin(
        evidence.filter((item) => !vouched(item)),
        resolved.runners,
        opts,
      );
      const failures: string[] = [];
      const notes: string[] = [];
      const ran: string[] = [];
      for (const item of evidence) {
        if (vouched(item)) {
          ran.push(item.file);
          continue;
        }
        const verdicts = applicable(resolved.runners, item.file).map((runner) => verdictFor(runner, item, { seenNodeNames, seenUnittestKeys, unittestVerbose, listsFiles }));
        if (item.mentioned || verdicts.includes("ran")) ran.push(item.file);
        else if (verdicts.includes("not run") && !verdicts.includes("unknown") && resolved.unknown.length === 0) {
          failures.push(`new test file ${item.file} was not run by the test command ${shown}`);
        } else if (verdicts.length === 0 && resolved.unknown.length === 0) {
          failures.push(`new test file ${item.file} was not run by the test command ${shown}`);
          notes.push(`new tests: ${shown} starts no test runner for ${path.posix.extname(item.file)} files.`);
        } else {
          const why =
            item.directProblem ?? (resolved.unknown.length ? `its output does not show which tests \`${resolved.unknown[0]}\` ran` : "its output does not show which tests ran");
          notes.push(`new tests: could not confirm that ${shown} ran ${item.file} (${why}).`);
        }
      }
      if (ran.length) notes.unshift(`new tests: ${shown} ran ${ran.join(", ")}.`);
      return { failures, notes };
    },
  };
}

/** Every declared name was reported by the change's run, and none by the base commit's: the file ran. */
function onlyNewNamesRan(declared: string[], seen: ReadonlySet<string>, base: ReadonlySet<string>): boolean {
  return declared.length > 0 && declared.every((name) => seen.has(name) && !base.has(name));
}

async function readDeclaring(file: string): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.length > MAX_DECLARING_BYTES ? "" : text;
}

/** The direct runs, one file after another, within one time budget for all. */
async function runDirectlyWithin(items: FileEvidence[], runners: TestRunner[], opts: TestDiscoveryOptions): Promise<void> {
  const deadline = Date.now() + Math.min(opts.timeoutMs, DIRECT_RUNS_BUDGET_MS);
  for (const [index, item] of items.entries()) {
    const left = deadline - Date.now();
    if (index >= MAX_DIRECT_RUNS) item.directProblem = `only the first ${MAX_DIRECT_RUNS} new test files are run directly`;
    else if (left <= 0) item.directProblem = "no time was left to run it directly";
    else await runDirectly(item, applicable(runners, item.file), { ...opts, timeoutMs: Math.min(left, DIRECT_RUN_TIMEOUT_MS) });
  }
}

type Verdict = "ran" | "not run" | "unknown";

function verdictFor(
  runner: TestRunner,
  item: FileEvidence,
  seen: { seenNodeNames: Set<string>; seenUnittestKeys: Set<string>; unittestVerbose: boolean; listsFiles: boolean },
): Verdict {
  switch (runner.kind) {
    case "node":
      if (!item.nodeNames || item.nodeNames.size === 0) return "unknown";
      return [...item.nodeNames].every((name) => seen.seenNodeNames.has(name)) ? "ran" : "not run";
    case "unittest":
      if (!item.unittestKeys || item.unittestKeys.size === 0 || !seen.unittestVerbose) return "unknown";
      return [...item.unittestKeys].every((key) => seen.seenUnittestKeys.has(key)) ? "ran" : "not run";
    case "pytest":
      // With -rA every test that ran is listed with its path, so silence about a file with tests is absence.
      return item.pytestCount && item.pytestCount > 0 ? "not run" : "unknown";
    case "jest":
    case "vitest":
      return seen.listsFiles ? "not run" : "unknown";
  }
}

function applicable(runners: TestRunner[], file: string): TestRunner[] {
  const python = PY_TEST.test(file);
  return runners.filter((runner) => (runner.kind === "pytest" || runner.kind === "unittest") === python);
}

/** Runs one new file by itself, the way each applicable runner would, and records what its tests are called. */
async function runDirectly(item: FileEvidence, runners: TestRunner[], opts: TestDiscoveryOptions): Promise<void> {
  const relative = `./${item.file}`;
  const problems: string[] = [];
  for (const runner of runners) {
    let command: string | string[] | null = null;
    if (runner.kind === "node") {
      // The file run by node itself reports its tests under the names `node --test` gives them, without a
      // second node process for the test runner.
      command = [...runner.assignments, runner.program, ...runner.flags, "--test-reporter=tap", relative].map(shellQuote).join(" ");
    } else if (runner.kind === "pytest") command = [...runner.program, "--collect-only", "-q", "-p", "no:cacheprovider", relative];
    else if (runner.kind === "unittest") command = [runner.python, "-m", "unittest", "-v", relative];
    if (!command) continue;
    const names = new Set<string>();
    let collected = 0;
    const result = await opts.runner.run({
      command,
      cwd: opts.dir,
      timeoutMs: opts.timeoutMs,
      prependPath: [path.join(opts.dir, "node_modules", ".bin")],
      ...(opts.secrets ? { secrets: opts.secrets } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onLine: (raw) => {
        const line = stripAnsi(raw);
        if (runner.kind === "node") {
          const name = reportedTestName(line, "tap");
          if (name && !mentions(name, item.file)) names.add(name);
        } else if (runner.kind === "unittest") {
          const match = UNITTEST_RESULT.exec(line);
          if (match) names.add(unittestKey(match[1]!, match[2]!));
        } else if (line.includes("::")) collected += 1;
      },
    });
    if (runner.kind === "node") item.nodeNames = names;
    else if (runner.kind === "unittest") item.unittestKeys = names;
    else item.pytestCount = collected;
    if (names.size === 0 && collected === 0) {
      const first = result.output
        .split("\n")
        .find((line) => /error|Error|not found/.test(line))
        ?.trim()
        .slice(0, 160);
      problems.push(`run directly, it shows no tests${first ? `: ${first}` : ""}`);
    }
  }
  item.directProblem = problems[0] ?? null;
}

/**
 * Whether an output line names the file: by its path or by a tail of it ("tests/test_x.py", "test_x.py"),
 * since runners print paths relative to their own root (pytest's rootdir, jest's rootDir), which need not
 * be the repository's.
 */
function mentions(line: string, file: string): boolean {
  const parts = file.split("/");
  for (let i = 0; i < parts.length; i += 1) {
    const tail = parts.slice(i).join("/");
    let at = line.indexOf(tail);
    while (at !== -1) {
      const before = at === 0 ? "" : line[at - 1]!;
      const after = line[at + tail.length] ?? "";
      if ((before === "" || /[\s/"'(:[]/.test(before)) && !/[\w.-]/.test(after)) return true;
      at = line.indexOf(tail, at + 1);
    }
  }
  return false;
}

function unittestKey(method: string, dotted: string): string {
  const parts = dotted.split(".");
  // 3.11+ prints module.Class.method, older versions module.Class.
  const className = parts.at(-1) === method ? parts.at(-2) : parts.at(-1);
  return `${className}.${method}`;
}
