import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describeError } from "../errors.js";
import { gradeTask } from "./grade.js";
import { runHiddenTests } from "./hidden-tests.js";
import { baseProblems } from "./run-task.js";
import { seedRepository } from "./seed-repo.js";
import type { EvalTask } from "./task-format.js";

/**
 * Proves a task can grade anything: at base_commit (with the test patch) every FAIL_TO_PASS test fails
 * and every PASS_TO_PASS test passes; with the gold patch every one of them passes. No model involved.
 */
export interface TaskValidation {
  instance_id: string;
  status: "valid" | "error";
  /** What is wrong, one entry per finding; empty when valid. */
  problems: string[];
}

export async function validateTask(task: EvalTask, opts: { testTimeoutMs: number; workRoot?: string; signal?: AbortSignal }): Promise<TaskValidation> {
  const root = await mkdtemp(path.join(opts.workRoot ?? os.tmpdir(), "codegen-crew-validate-"));
  const problems: string[] = [];
  try {
    const scratch = path.join(root, "scratch");
    await mkdir(scratch);
    const seeded = await seedRepository(task.repo, task.base_commit, path.join(root, "repo"), scratch);
    const run = (extraPatch?: string) =>
      runHiddenTests({
        dir: seeded.dir,
        baseCommit: seeded.baseCommit,
        commit: seeded.baseCommit,
        testPatch: task.test_patch,
        ...(extraPatch ? { extraPatch } : {}),
        command: task.test_command,
        timeoutMs: opts.testTimeoutMs,
        scratchDir: scratch,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    const atBase = baseProblems(task, await run());
    if (atBase) problems.push(`at base_commit: ${atBase}`);
    if (!task.gold_patch) problems.push("no gold_patch: cannot prove the hidden tests can pass");
    else {
      const goldRun = await run(task.gold_patch);
      const gold = gradeTask(task, (name) => goldRun.results.outcome(name));
      const notPassing = [...gold.fail_to_pass.failed, ...gold.fail_to_pass.missing, ...gold.pass_to_pass.failed, ...gold.pass_to_pass.missing];
      if (notPassing.length) problems.push(`with gold_patch, these tests do not pass: ${notPassing.join(", ")}`);
    }
  } catch (error) {
    problems.push(describeError(error));
  } finally {
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
  }
  return { instance_id: task.instance_id, status: problems.length ? "error" : "valid", problems };
}
