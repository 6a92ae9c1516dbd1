import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { TestResultCollector } from "../checks/test-results.js";
import { runProcess } from "../checks/process-runner.js";
import { WorkspaceError } from "../errors.js";
import { Git } from "../workspace/git.js";

/**
 * The hidden tests of a task, run on a commit: check the commit out, put every file the test patch
 * touches back as it was at the base commit (so a test the crew edited cannot shadow the hidden one),
 * apply the patch, run the task's test command in the sandbox and read each test's outcome.
 */

export interface HiddenTestRun {
  results: TestResultCollector;
  exitCode: number | null;
  timedOut: boolean;
  /** The run's output, head and tail (for the error of a task that could not run). */
  output: string;
}

export interface HiddenTestOptions {
  /** The seeded repository (its own checkout is the eval's, never the crew's). */
  dir: string;
  baseCommit: string;
  /** The commit to test: the crew's head, or the base commit. */
  commit: string;
  testPatch: string;
  /** A patch applied before the tests (the gold patch, when validating a task). */
  extraPatch?: string;
  command: string;
  timeoutMs: number;
  /** Folder for the patch files, outside the repository. */
  scratchDir: string;
  secrets?: string[];
  signal?: AbortSignal;
}

export async function runHiddenTests(opts: HiddenTestOptions): Promise<HiddenTestRun> {
  const git = await Git.open(opts.dir);
  await git.raw(["reset", "--quiet", "--hard"]);
  await git.raw(["clean", "-qfdx"]);
  await git.raw(["checkout", "--quiet", "--detach", opts.commit]);
  if (opts.extraPatch) await applyPatch(git, opts.extraPatch, path.join(opts.scratchDir, "extra.patch"), "the gold patch");
  for (const file of patchedPaths(opts.testPatch)) await restoreFromBase(git, opts.baseCommit, file);
  await applyPatch(git, opts.testPatch, path.join(opts.scratchDir, "test.patch"), "the test patch");
  return runTestCommand(opts);
}

/** The one place the eval runs a task's own command (the sandboxed process runner). */
async function runTestCommand(opts: HiddenTestOptions): Promise<HiddenTestRun> {
  const results = new TestResultCollector();
  const run = await runProcess({
    command: opts.command,
    cwd: opts.dir,
    timeoutMs: opts.timeoutMs,
    // Names as the runners print them without a terminal; no bytecode files left in the checkout.
    env: { ...process.env, CI: "1", NO_COLOR: "1", PYTHONDONTWRITEBYTECODE: "1" },
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onLine: (line) => results.push(line),
  });
  return { results, exitCode: run.exitCode, timedOut: run.timedOut, output: run.output };
}

async function restoreFromBase(git: Git, baseCommit: string, file: string): Promise<void> {
  const atBase = await git.raw(["ls-tree", "--name-only", baseCommit, "--", file]);
  if (atBase.trim()) await git.raw(["checkout", "--quiet", baseCommit, "--", file]);
  else await rm(path.join(git.dir, file), { force: true });
}

async function applyPatch(git: Git, patch: string, file: string, what: string): Promise<void> {
  await writeFile(file, patch.endsWith("\n") ? patch : `${patch}\n`);
  try {
    await git.raw(["apply", "--whitespace=nowarn", file]);
  } catch (error) {
    throw new WorkspaceError(`${what} does not apply: ${(error as Error).message}`, { path: git.dir }, { cause: error });
  }
}

/** Paths a unified diff creates, changes or deletes (both sides of a rename). */
export function patchedPaths(patch: string): string[] {
  const paths = new Set<string>();
  for (const line of patch.split("\n")) {
    const header = /^diff --git a\/(.+) b\/(.+)$/.exec(line);
    if (header) {
      paths.add(header[1]!);
      paths.add(header[2]!);
      continue;
    }
    const side = /^(?:---|\+\+\+) (?:a|b)\/(.+?)(?:\t.*)?$/.exec(line);
    if (side) paths.add(side[1]!);
  }
  return [...paths];
}
