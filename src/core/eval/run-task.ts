import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { CommandRunner } from "../checks/command-runner.js";
import { runCrewInRepository } from "../crew/run-in-repository.js";
import { describeError } from "../errors.js";
import type { ConnectModel } from "../model/model-client.js";
import type { ProgressListener } from "../progress.js";
import type { RunReport, UsageTotals } from "../report/run-report.js";
import type { Task } from "../task.js";
import { Git } from "../workspace/git.js";
import { gradeTask, type TestListOutcome } from "./grade.js";
import { runHiddenTests, type HiddenTestRun } from "./hidden-tests.js";
import type { TaskResult } from "./results-schema.js";
import { seedRepository } from "./seed-repo.js";
import type { EvalTask } from "./task-format.js";

/**
 * One task through the whole product path: a fresh repository at the base commit, a check that the
 * task is sound there, the crew (the same engine and validation as `run`), then the hidden tests on the
 * crew's result and the grade. Everything happens in the task's own temp folder, removed afterwards.
 */

export interface EvalRunOptions {
  connect: ConnectModel;
  /** The sandbox for the crew's checks and the hidden tests. */
  runner: CommandRunner;
  model?: string;
  secrets?: string[];
  /** Per run of the hidden tests. */
  testTimeoutMs: number;
  /** Where task folders are made; default the OS temp folder. */
  workRoot?: string;
  onUsage?: (taskId: string, totals: UsageTotals) => void;
  onProgress?: (taskId: string) => ProgressListener | undefined;
  signal?: AbortSignal;
}

/** A task that could not run: seeding, the base check or the test command failed. */
class TaskNotRunnable extends Error {}

export async function evalTask(task: EvalTask, opts: EvalRunOptions): Promise<TaskResult> {
  const started = Date.now();
  const root = await mkdtemp(path.join(opts.workRoot ?? os.tmpdir(), `codegen-crew-eval-${task.instance_id.slice(0, 40)}-`));
  let report: RunReport | undefined;
  try {
    const scratch = path.join(root, "scratch");
    await mkdir(scratch);
    const seeded = await seedRepository(task.repo, task.base_commit, path.join(root, "repo"), scratch);
    const hidden = (commit: string) =>
      runHiddenTests({
        dir: seeded.dir,
        baseCommit: seeded.baseCommit,
        commit,
        testPatch: task.test_patch,
        command: task.test_command,
        timeoutMs: opts.testTimeoutMs,
        runner: opts.runner,
        scratchDir: scratch,
        ...(opts.secrets ? { secrets: opts.secrets } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });

    const problems = baseProblems(task, await hidden(seeded.baseCommit));
    if (problems) throw new TaskNotRunnable(`the task is not sound at base_commit: ${problems}`);
    await resetCheckout(seeded.dir);

    const listener = opts.onProgress?.(task.instance_id);
    const run = await runCrewInRepository({
      repoDir: seeded.dir,
      task: evalTaskPrompt(task),
      branch: "codegen-crew/eval",
      baseRef: seeded.baseCommit,
      connect: opts.connect,
      runner: opts.runner,
      ...(opts.model ? { model: opts.model } : {}),
      ...(opts.secrets ? { secrets: opts.secrets } : {}),
      ...(listener ? { onProgress: listener } : {}),
      ...(opts.onUsage ? { onUsage: (totals: UsageTotals) => opts.onUsage!(task.instance_id, totals) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    report = run.report;
    const head = report.repository.headCommit ?? seeded.baseCommit;
    const tests = await hidden(head);
    const grade = gradeTask(task, (name) => tests.results.outcome(name));
    const note = tests.timedOut ? `the hidden tests timed out after ${Math.round(opts.testTimeoutMs / 1000)} s` : null;
    return record(task, started, report, { status: grade.status, fail_to_pass: grade.fail_to_pass, pass_to_pass: grade.pass_to_pass, error: note });
  } catch (error) {
    const reason = error instanceof TaskNotRunnable ? error.message : describeError(error);
    return record(task, started, report, { status: "error", fail_to_pass: untested(task.FAIL_TO_PASS), pass_to_pass: untested(task.PASS_TO_PASS), error: reason });
  } finally {
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Why the hidden tests cannot grade anything at the base commit, or null when they can. */
export function baseProblems(task: EvalTask, run: HiddenTestRun): string | null {
  const grade = gradeTask(task, (name) => run.results.outcome(name));
  const problems: string[] = [];
  const broken = [...grade.pass_to_pass.failed, ...grade.pass_to_pass.missing];
  if (broken.length) problems.push(`PASS_TO_PASS does not pass: ${list(broken)}`);
  if (grade.fail_to_pass.passed.length) problems.push(`FAIL_TO_PASS already passes: ${list(grade.fail_to_pass.passed)}`);
  if (!problems.length) return null;
  if (run.results.results().size === 0) problems.push(`the test command reported no tests (exit code ${run.exitCode}${run.timedOut ? ", timed out" : ""}): ${tail(run.output)}`);
  return problems.join("; ");
}

/** The problem statement as the crew's task: first line the title, like a CLI task. */
function evalTaskPrompt(task: EvalTask): Task {
  const lines = task.problem_statement.replace(/\r\n?/g, "\n").trim().split("\n");
  return { title: lines[0]!.trim().slice(0, 300), body: lines.slice(1).join("\n").trim(), comments: [], source: "eval", reference: task.instance_id };
}

async function resetCheckout(dir: string): Promise<void> {
  const git = await Git.open(dir);
  await git.raw(["reset", "--quiet", "--hard"]);
  await git.raw(["clean", "-qfdx"]);
  await git.raw(["checkout", "--quiet", "main"]);
}

function record(task: EvalTask, started: number, report: RunReport | undefined, graded: Pick<TaskResult, "status" | "fail_to_pass" | "pass_to_pass" | "error">): TaskResult {
  return {
    instance_id: task.instance_id,
    ...graded,
    result: report?.result ?? null,
    model_calls: report?.totals.calls ?? 0,
    prompt_tokens: report?.totals.promptTokens ?? 0,
    completion_tokens: report?.totals.completionTokens ?? 0,
    cost_usd: report?.totals.costUsd ?? 0,
    wall_seconds: Math.round((Date.now() - started) / 100) / 10,
    repair_rounds: Math.max(0, (report?.rounds.length ?? 0) - 1),
    ...(task.language ? { language: task.language } : {}),
    ...(task.difficulty ? { difficulty: task.difficulty } : {}),
  };
}

function untested(names: string[]): TestListOutcome {
  return { passed: [], failed: [], missing: [...names] };
}

function list(names: string[]): string {
  return names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more` : names.join(", ");
}

function tail(output: string): string {
  return output.trim().split("\n").slice(-5).join(" / ").slice(0, 500);
}
