import path from "node:path";
import type { CheckResult } from "../report/run-report.js";
import type { CheckCommands, DetectedCommand } from "./detect-commands.js";
import { maskSecrets, runProcess } from "./process-runner.js";
import { checkSyntax } from "./syntax-check.js";

/**
 * Checks one round of the change: syntax first (cheap and precise), then the repository's own lint,
 * typecheck and test commands. The results go to the report and, when failing, to the debugger, so
 * each says what ran and what broke.
 */

export interface RunChecksOptions {
  dir: string;
  changedFiles: string[];
  commands: CheckCommands;
  timeoutMs: number;
  secrets?: string[];
  signal?: AbortSignal;
  /** Test files the crew added; a test run that never mentions them probably did not run them. */
  newTestFiles?: string[];
}

const MAX_FAILURES = 20;
const SYNTAX_FIRST = "Not run: syntax errors must be fixed first.";

const COMMAND_CHECKS = [
  { key: "lint", kind: "lint" },
  { key: "typecheck", kind: "lint" },
  { key: "test", kind: "test" },
] as const;

export async function runChecks(opts: RunChecksOptions): Promise<CheckResult[]> {
  const syntax = await checkSyntax(opts.dir, opts.changedFiles, {
    timeoutMs: opts.timeoutMs,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const results: CheckResult[] = [syntax];

  for (const { key, kind } of COMMAND_CHECKS) {
    const command = opts.commands[key];
    if (!command) {
      if (key === "test") {
        results.push(skipped(key, kind, undefined, "No test command was found: set `test:` in .github/codegen-crew.yml or add a test script to the repository."));
      }
      continue;
    }
    if (syntax.status === "fail") {
      results.push(skipped(key, kind, maskSecrets(command.command, opts.secrets ?? []), SYNTAX_FIRST));
      continue;
    }
    const result = await runCommandCheck(key, kind, command, opts);
    if (key === "test" && opts.newTestFiles?.length) result.output += unmentionedTestsNote(result.output, opts.newTestFiles, command.command);
    results.push(result);
  }
  return results;
}

function skipped(name: string, kind: CheckResult["kind"], command: string | undefined, output: string): CheckResult {
  return { name, kind, ...(command ? { command } : {}), status: "skipped", exitCode: null, durationMs: 0, output, failures: [], preExistingFailures: [], notes: [] };
}

async function runCommandCheck(name: string, kind: CheckResult["kind"], command: DetectedCommand, opts: RunChecksOptions): Promise<CheckResult> {
  const result = await runProcess({
    command: command.command,
    cwd: opts.dir,
    timeoutMs: opts.timeoutMs,
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const status = result.timedOut ? "timeout" : result.exitCode === 0 ? "pass" : "fail";
  // A configured command line can itself contain a secret; it is shown masked like the output.
  const shown = maskSecrets(command.command, opts.secrets ?? []);
  const notes = [`$ ${shown}   (from ${command.source})`, result.output.trimEnd()];
  if (result.timedOut) {
    notes.push(`[codegen-crew] the command did not finish within ${formatSeconds(opts.timeoutMs)} and was stopped (its whole process group was killed).`);
  } else if (result.exitCode === null) {
    notes.push(`[codegen-crew] the command ended without an exit code${result.signal ? ` (killed by ${result.signal})` : ""}.`);
  } else if (status === "fail") {
    notes.push(`[codegen-crew] the command exited with code ${result.exitCode}.`);
  }
  return {
    name,
    kind,
    command: shown,
    status,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    output: notes.filter(Boolean).join("\n"),
    failures: status === "pass" ? [] : extractFailures(result.output, { root: opts.dir }),
    preExistingFailures: [],
    notes: [],
  };
}

function unmentionedTestsNote(output: string, files: string[], command: string): string {
  const mentioned = files.some((file) => {
    const base = path.posix.basename(file);
    const stem = base.replace(/\.[^.]+$/, "");
    return output.includes(file) || output.includes(base) || (stem.length > 3 && output.includes(stem));
  });
  if (mentioned) return "";
  return `\n[codegen-crew] note: the test output does not mention the new test file(s) ${files.join(", ")}; \`${command}\` may not have run them.`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
