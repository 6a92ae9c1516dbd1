import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readFile, realpath, rename, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { CancelledError, errorMessage } from "../errors.js";
import { isObjectId } from "../workspace/git-files.js";
import { Git } from "../workspace/git.js";
import type { CheckCommands } from "./detect-commands.js";
import { FailingTestCollector, stripAnsi } from "./failures.js";
import { reportedTestName } from "./node-test-names.js";
import type { CommandRunner } from "./command-runner.js";
import { commandToRun } from "./npm-script.js";
import { maskSecrets } from "./process-runner.js";

/**
 * The test command run once on the base commit, before the change: which tests already failed there.
 * The test check then holds only new failures against the change. Runs in its own detached worktree so
 * it can overlap with the agents' work, and is cached per base commit and command.
 */

export const baselineSchema = z.object({
  commit: z.string(),
  /** The command as shown in the report (secrets masked). */
  command: z.string(),
  status: z.enum(["pass", "fail", "timeout", "error", "skipped"]),
  exitCode: z.number().int().nullable(),
  /** Failing test names, paths relative to the checkout. */
  failures: z.array(z.string()),
  /** False when the run had more failing tests than could be kept: the names cannot be compared then. */
  failuresComplete: z.boolean(),
  durationMs: z.number().nonnegative(),
  /** Why there is no usable result (status "error" or "skipped"). */
  reason: z.string().optional(),
  /**
   * Every test name node's test runner reported, passing or not (node-test-names.ts); absent when the run
   * timed out or reported more than can be kept. A new test file whose tests have names none of these has, and which the
   * change's run reports, ran: it need not be run again on its own (test-discovery.ts).
   */
  testNames: z.array(z.string()).optional(),
  network: z.string(),
});
export type Baseline = z.infer<typeof baselineSchema>;

export interface BaselineOptions {
  runner: CommandRunner;
  /** A repository, or any worktree of it (the run's own worktree works). */
  repoDir: string;
  baseCommit: string;
  commands: CheckCommands;
  timeoutMs: number;
  secrets?: string[];
  /** Also keep results on disk here (JSON, one file per base commit and command). */
  cacheDir?: string;
  signal?: AbortSignal;
  /**
   * A directory whose installed dependencies (node_modules, .venv, venv) the baseline checkout, which has
   * none, is shown read-only while its tests run (never a link into the other worktree): usually the run's
   * worktree after installDependencies.
   */
  dependenciesFrom?: string;
  /** Where the temporary worktree is made; default os.tmpdir(). */
  worktreeRoot?: string;
}

/** Beyond this many names the list is dropped (the cache file stays small); new test files are then run on their own. */
const MAX_TEST_NAMES = 20_000;
const DEPENDENCY_DIRS = ["node_modules", ".venv", "venv"];

/**
 * Never rejects: it is usually started early and awaited late (or not at all), and a rejection nobody
 * awaits would crash the process. Problems come back as status "error" with the reason.
 */
export function runBaseline(opts: BaselineOptions): Promise<Baseline> {
  const test = opts.commands.test;
  const shown = maskSecrets(test?.command ?? "", opts.secrets ?? []);
  const unusable = (status: "error" | "skipped", reason: string, commit = opts.baseCommit): Baseline => ({
    commit,
    command: shown,
    status,
    exitCode: null,
    failures: [],
    failuresComplete: false,
    durationMs: 0,
    reason,
    network: "",
  });
  if (!test) return Promise.resolve(unusable("skipped", "there is no test command"));

  return (async () => {
    let commit: string;
    try {
      // A full sha (what the crew passes) needs no resolving; one that is no commit here fails at `worktree add`.
      commit = isObjectId(opts.baseCommit) ? opts.baseCommit : await (await Git.open(opts.repoDir)).revParse(opts.baseCommit);
    } catch (error) {
      return unusable("error", `the base commit could not be resolved: ${errorMessage(error)}`);
    }
    const key = createHash("sha256").update(`${commit}\0${test.command}`).digest("hex").slice(0, 32);
    // Kept for the runner's life (bounded). A run that was cut short says nothing about the base commit; the next caller tries again.
    return opts.runner.memo.get(
      "baseline",
      key,
      () => fromDisk(opts.cacheDir, key).then(async (stored) => stored ?? measure(opts, commit, test.command, shown, key)),
      (result) => result.status !== "error" && result.status !== "timeout",
    );
  })().catch((error: unknown) => unusable("error", errorMessage(error)));
}

/** Drops the runner's in-memory results (the disk cache stays): for tests, and for servers that want fresh baselines. */
export function forgetBaselines(runner: CommandRunner): void {
  runner.memo.forget("baseline");
}

async function measure(opts: BaselineOptions, commit: string, command: string, shown: string, key: string): Promise<Baseline> {
  const repo = await Git.open(opts.repoDir);
  const parent = await mkdtemp(path.join(opts.worktreeRoot ?? os.tmpdir(), "codegen-crew-baseline-"));
  const dir = path.join(await realpath(parent), "checkout");
  try {
    await repo.raw(["worktree", "add", "--detach", "--quiet", dir, commit]);
    const mounts = opts.dependenciesFrom ? await dependencyMounts(opts.dependenciesFrom, dir) : [];
    const collector = new FailingTestCollector([dir, parent]);
    const testNames = new Set<string>();
    const result = await opts.runner.run({
      ...(await commandToRun(dir, command)),
      cwd: dir,
      // Nobody waits on it while the change's checks run: it must not slow them down on a small machine.
      priority: "background",
      ...(mounts.length ? { readOnlyMounts: mounts } : {}),
      timeoutMs: opts.timeoutMs,
      ...(opts.secrets ? { secrets: opts.secrets } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onLine: (line) => {
        collector.push(line);
        const name = testNames.size <= MAX_TEST_NAMES ? reportedTestName(stripAnsi(line)) : undefined;
        if (name) testNames.add(name);
      },
    });
    const { names, complete } = collector.result();
    const status = result.timedOut ? "timeout" : result.exitCode === 0 ? "pass" : "fail";
    const baseline: Baseline = {
      commit,
      command: shown,
      status,
      exitCode: result.exitCode,
      failures: status === "pass" ? [] : names,
      failuresComplete: status === "pass" || complete,
      durationMs: result.durationMs,
      network: result.network,
      // A run cut short has not reported every old name: its list would vouch for an old name as new.
      ...(status !== "timeout" && testNames.size <= MAX_TEST_NAMES ? { testNames: [...testNames] } : {}),
      ...(status === "timeout" ? { reason: `the test command did not finish within ${opts.timeoutMs / 1000} s on the base commit` } : {}),
    };
    if (status !== "timeout") await toDisk(opts.cacheDir, key, baseline);
    return baseline;
  } catch (error) {
    const reason = error instanceof CancelledError ? "cancelled" : errorMessage(error);
    return { commit, command: shown, status: "error", exitCode: null, failures: [], failuresComplete: false, durationMs: 0, reason, network: "" };
  } finally {
    await repo.dropWorktree(parent);
  }
}

/** Each installed dependency folder of `from` that the checkout lacks, to be shown read-only at its place. */
async function dependencyMounts(from: string, checkout: string): Promise<{ source: string; target: string }[]> {
  const mounts: { source: string; target: string }[] = [];
  for (const name of DEPENDENCY_DIRS) {
    const source = path.join(from, name);
    const target = path.join(checkout, name);
    const sourceStat = await lstat(source).catch(() => null);
    if (!sourceStat?.isDirectory() || (await lstat(target).catch(() => null))) continue;
    mounts.push({ source, target });
  }
  return mounts;
}

function cacheFile(cacheDir: string, key: string): string {
  return path.join(cacheDir, `baseline-${key}.json`);
}

async function fromDisk(cacheDir: string | undefined, key: string): Promise<Baseline | null> {
  if (!cacheDir) return null;
  try {
    const parsed = baselineSchema.safeParse(JSON.parse(await readFile(cacheFile(cacheDir, key), "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function toDisk(cacheDir: string | undefined, key: string, baseline: Baseline): Promise<void> {
  if (!cacheDir) return;
  try {
    await mkdir(cacheDir, { recursive: true });
    const file = cacheFile(cacheDir, key);
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(baseline, null, 2)}\n`);
    await rename(temporary, file);
  } catch {
    // A cache that cannot be written only costs a rerun next time.
  }
}

export interface TestRunFailures {
  exitCode: number | null;
  /** Every failing test name of the run (FailingTestCollector). */
  names: string[];
  complete: boolean;
}

export interface BaselineJudgement {
  status: "pass" | "fail";
  /** Failures held against the change. */
  failures: string[];
  preExistingFailures: string[];
  notes: string[];
}

/**
 * The gate for a test run that exited non-zero: "no new failures". Names that also failed on the base
 * commit are pre-existing; anything that cannot be compared name by name counts against the change.
 */
export function judgeAgainstBaseline(run: TestRunFailures, baseline: Baseline): BaselineJudgement {
  const base = baseline.commit.slice(0, 7);
  const fail = (note: string): BaselineJudgement => ({ status: "fail", failures: run.names, preExistingFailures: [], notes: [note] });
  if (baseline.status === "pass") return fail(`baseline: the tests pass on the base commit ${base}, so every failure is new.`);
  if (baseline.status !== "fail") return fail(`baseline: not available (${baseline.reason ?? baseline.status}); failures are not compared with the base commit.`);
  if (run.names.length === 0) {
    return fail(
      `baseline: the test command failed (exit code ${run.exitCode ?? "none"}) but no failing test names could be read from its output; the base commit ${base} failed too, but without names the two runs cannot be compared, so this counts as a failure.`,
    );
  }
  if (baseline.failures.length === 0 || !baseline.failuresComplete) {
    return fail(`baseline: the base commit ${base} failed too, but its failing tests could not be read, so the failures cannot be compared and count against the change.`);
  }
  if (!run.complete) return fail("baseline: this run had too many failing tests to compare name by name, so they count against the change.");

  const known = new Set(baseline.failures);
  const preExisting = run.names.filter((name) => known.has(name));
  const fresh = run.names.filter((name) => !known.has(name));
  if (fresh.length === 0) {
    return {
      status: "pass",
      failures: [],
      preExistingFailures: preExisting,
      notes: [
        `baseline: the command exited with code ${run.exitCode ?? "none"}, but all ${preExisting.length} failing test(s) also fail on the base commit ${base}; they are listed as pre-existing and not held against the change.`,
      ],
    };
  }
  return {
    status: "fail",
    failures: fresh,
    preExistingFailures: preExisting,
    notes: [`baseline: ${fresh.length} failing test(s) are new${preExisting.length ? `; ${preExisting.length} also fail on the base commit ${base} (pre-existing)` : ""}.`],
  };
}
