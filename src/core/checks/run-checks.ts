import { realpath } from "node:fs/promises";
import path from "node:path";
import { CancelledError, errorMessage } from "../errors.js";
import type { CheckResult } from "../report/run-report.js";
import { judgeAgainstBaseline, type Baseline } from "./baseline.js";
import type { CheckCommands, DetectedCommand } from "./detect-commands.js";
import { extractFailures, extractLocations, FailingTestCollector } from "./failures.js";
import type { CommandRunner } from "./command-runner.js";
import { commandToRun } from "./npm-script.js";
import { maskSecrets } from "./process-runner.js";
import { checkSyntax } from "./syntax-check.js";
import type { SyntaxMemo } from "./syntax-memo.js";
import { prepareTestDiscovery, type TestDiscovery } from "./test-discovery.js";
import { runTypecheck } from "./typescript-check.js";
import { pathExists } from "./path-exists.js";

export { extractFailures } from "./failures.js";

/**
 * Checks one round of the change: syntax first (cheap and precise), then the repository's own lint,
 * typecheck and test commands. The results go to the report and, when failing, to the debugger, so
 * each says what ran and what broke. The test check's gate is "no new failures, and the new tests ran".
 */

export interface RunChecksOptions {
  /** Where the commands run: the process's sandbox. */
  runner: CommandRunner;
  dir: string;
  changedFiles: string[];
  commands: CheckCommands;
  timeoutMs: number;
  secrets?: string[];
  signal?: AbortSignal;
  /** Test files the crew added: the test check fails when the test command does not run them. */
  newTestFiles?: string[];
  /**
   * The test command's result on the base commit (runBaseline). A promise is awaited only when the tests
   * fail, so the baseline can run while the agents work. Failures it also has are pre-existing.
   */
  baseline?: Baseline | Promise<Baseline>;
  /** The run's earlier syntax verdicts (the static check's): unchanged files are not parsed again. */
  syntaxMemo?: SyntaxMemo;
  /** Run the repository's own `tsc --noEmit` as "typecheck" when it has a tsconfig.json and no typecheck script; default true. */
  typecheck?: boolean;
}

const MAX_FAILURES = 20;
const SYNTAX_FIRST = "Not run: syntax errors must be fixed first.";

export async function runChecks(opts: RunChecksOptions): Promise<CheckResult[]> {
  // The round's commands run one after another in the same worktree: it is prepared for them once.
  const release = await opts.runner.holdWorktree?.(opts.dir);
  try {
    return await runRound(opts);
  } finally {
    await release?.();
  }
}

async function runRound(opts: RunChecksOptions): Promise<CheckResult[]> {
  const test = opts.commands.test;
  // With nothing to run between them, the tests start beside the syntax check; they are stopped, and
  // reported as not run, should the syntax fail. Lint and typecheck would read the worktree the tests write in.
  const early = test && !(await runsLintOrTypecheck(opts)) ? startTestCheck(test, opts) : undefined;
  const syntax = await checkSyntax(opts.runner, opts.dir, opts.changedFiles, {
    timeoutMs: opts.timeoutMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.syntaxMemo ? { memo: opts.syntaxMemo } : {}),
  });
  const results: CheckResult[] = [syntax];
  const blocked = syntax.status === "fail";
  const secrets = opts.secrets ?? [];
  if (blocked) await early?.stop();

  if (opts.commands.lint) {
    results.push(blocked ? skipped("lint", "lint", maskSecrets(opts.commands.lint.command, secrets), SYNTAX_FIRST) : await runCommandCheck("lint", opts.commands.lint, opts));
  }

  if (opts.commands.typecheck) {
    const command = opts.commands.typecheck;
    results.push(blocked ? skipped("typecheck", "lint", maskSecrets(command.command, secrets), SYNTAX_FIRST) : await runCommandCheck("typecheck", command, opts));
  } else if (opts.typecheck !== false) {
    if (blocked) {
      if (await pathExists(path.join(opts.dir, "tsconfig.json"))) results.push(skipped("typecheck", "lint", "tsc --noEmit -p .", SYNTAX_FIRST));
    } else {
      const typecheck = await runTypecheck(opts.runner, opts.dir, { timeoutMs: opts.timeoutMs, secrets, ...(opts.signal ? { signal: opts.signal } : {}) });
      if (typecheck) results.push(typecheck);
    }
  }

  if (!test) {
    results.push(skipped("test", "test", undefined, "No test command was found: set `test:` in .github/codegen-crew.yml or add a test script to the repository."));
  } else if (blocked) {
    results.push(skipped("test", "test", maskSecrets(test.command, secrets), SYNTAX_FIRST));
  } else {
    results.push(await (early?.result ?? runTestCheck(test, opts)));
  }
  return results;
}

async function runsLintOrTypecheck(opts: RunChecksOptions): Promise<boolean> {
  if (opts.commands.lint || opts.commands.typecheck) return true;
  return opts.typecheck !== false && (await pathExists(path.join(opts.dir, "tsconfig.json")));
}

interface StartedTestCheck {
  result: Promise<CheckResult>;
  /** Stops the test command (the syntax failed) and waits until it has. */
  stop(): Promise<void>;
}

function startTestCheck(command: DetectedCommand, opts: RunChecksOptions): StartedTestCheck {
  const stop = new AbortController();
  const onAbort = () => stop.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  const result = runTestCheck(command, { ...opts, signal: stop.signal }).finally(() => opts.signal?.removeEventListener("abort", onAbort));
  // Awaited by the round, or stopped when the syntax blocks the tests; a rejection is never unhandled.
  result.catch(() => undefined);
  return {
    result,
    stop: async () => {
      stop.abort(new CancelledError("the syntax check failed: the tests will not run"));
      await result.catch(() => undefined);
    },
  };
}

function skipped(name: string, kind: CheckResult["kind"], command: string | undefined, output: string): CheckResult {
  return { name, kind, ...(command ? { command } : {}), status: "skipped", exitCode: null, durationMs: 0, output, failures: [], preExistingFailures: [], notes: [] };
}

async function runCommandCheck(name: string, command: DetectedCommand, opts: RunChecksOptions): Promise<CheckResult> {
  const run = await commandToRun(opts.dir, command.command);
  const result = await opts.runner.run({
    ...run,
    cwd: opts.dir,
    timeoutMs: opts.timeoutMs,
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const status = result.timedOut ? "timeout" : result.exitCode === 0 ? "pass" : "fail";
  const shown = maskSecrets(command.command, opts.secrets ?? []);
  return {
    name,
    kind: "lint",
    command: shown,
    status,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    output: describeRun(shown, command.source, result, opts.timeoutMs),
    failures: status === "pass" ? [] : extractFailures(result.output, { root: opts.dir }),
    preExistingFailures: [],
    notes: [result.network],
    sandbox: result.sandbox,
  };
}

async function runTestCheck(command: DetectedCommand, opts: RunChecksOptions): Promise<CheckResult> {
  // A configured command line can itself contain a secret; it is shown masked like the output.
  const shown = maskSecrets(command.command, opts.secrets ?? []);
  const discovery = await discover(shown, command, opts);
  const collector = new FailingTestCollector([opts.dir, await realpath(opts.dir).catch(() => opts.dir)]);
  const run = await commandToRun(opts.dir, command.command);
  const env = { ...run.env, ...discovery?.env };
  const result = await opts.runner.run({
    ...run,
    cwd: opts.dir,
    timeoutMs: opts.timeoutMs,
    ...(Object.keys(env).length ? { env } : {}),
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onLine: (line) => {
      collector.push(line);
      discovery?.observe(line);
    },
  });

  let status: CheckResult["status"] = result.timedOut ? "timeout" : result.exitCode === 0 ? "pass" : "fail";
  const notes = [result.network];
  let failures: string[] = [];
  let preExistingFailures: string[] = [];
  if (status === "fail") {
    const run = { exitCode: result.exitCode, ...collector.result() };
    failures = run.names;
    if (opts.baseline) {
      const judgement = judgeAgainstBaseline(run, await settledBaseline(opts.baseline));
      status = judgement.status;
      failures = judgement.failures;
      preExistingFailures = judgement.preExistingFailures;
      notes.push(...judgement.notes);
    }
    if (status === "fail") failures = [...failures.slice(0, MAX_FAILURES), ...extractLocations(result.output, opts.dir)].slice(0, MAX_FAILURES);
  }
  if (discovery) {
    const outcome = await discovery.conclude({ timedOut: result.timedOut });
    notes.push(...outcome.notes);
    if (outcome.failures.length) {
      failures = [...outcome.failures, ...failures];
      if (status !== "timeout") status = "fail";
    }
  }
  return {
    name: "test",
    kind: "test",
    command: shown,
    status,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    output: describeRun(shown, command.source, result, opts.timeoutMs),
    failures,
    preExistingFailures,
    notes,
    sandbox: result.sandbox,
  };
}

/** Whether the new test files ran: set up before the test command, concluded after it (test-discovery.ts). */
async function discover(shown: string, command: DetectedCommand, opts: RunChecksOptions): Promise<TestDiscovery | null> {
  if (!opts.newTestFiles?.length) return null;
  // The baseline started long before; its names are used if it has finished, never waited for.
  let base: Baseline | undefined;
  if (opts.baseline)
    void Promise.resolve(opts.baseline).then(
      (settled) => (base = settled),
      () => undefined,
    );
  return prepareTestDiscovery({
    runner: opts.runner,
    dir: opts.dir,
    command: command.command,
    shownCommand: shown,
    newTestFiles: opts.newTestFiles,
    timeoutMs: opts.timeoutMs,
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    baseTestNames: () => (base?.testNames ? new Set(base.testNames) : undefined),
  });
}

/** runBaseline never rejects, but a caller's own promise might; that only means "no baseline". */
async function settledBaseline(baseline: Baseline | Promise<Baseline>): Promise<Baseline> {
  try {
    return await baseline;
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    return { commit: "", command: "", status: "error", exitCode: null, failures: [], failuresComplete: false, durationMs: 0, reason: errorMessage(error), network: "" };
  }
}

function describeRun(shown: string, source: string, result: { output: string; timedOut: boolean; exitCode: number | null; signal: string | null }, timeoutMs: number): string {
  const lines = [`$ ${shown}   (from ${source})`, result.output.trimEnd()];
  if (result.timedOut) {
    lines.push(`[codegen-crew] the command did not finish within ${formatSeconds(timeoutMs)} and was stopped (its whole process group was killed).`);
  } else if (result.exitCode === null) {
    lines.push(`[codegen-crew] the command ended without an exit code${result.signal ? ` (killed by ${result.signal})` : ""}.`);
  } else if (result.exitCode !== 0) {
    lines.push(`[codegen-crew] the command exited with code ${result.exitCode}.`);
  }
  return lines.filter(Boolean).join("\n");
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
