import type { TestOutcome } from "../checks/test-results.js";

/**
 * Grading a task from its hidden tests' outcomes, the SWE-bench way: resolved when every FAIL_TO_PASS
 * test passes and every PASS_TO_PASS test still passes; partial when some FAIL_TO_PASS tests pass but
 * not everything required does; unresolved otherwise. A listed test the run never reported is missing,
 * which counts as not passing (a file that no longer imports reports none of its tests).
 */
export type EvalStatus = "resolved" | "partial" | "unresolved" | "error";

export interface TestListOutcome {
  passed: string[];
  failed: string[];
  missing: string[];
}

export interface Grade {
  status: Exclude<EvalStatus, "error">;
  fail_to_pass: TestListOutcome;
  pass_to_pass: TestListOutcome;
}

export type OutcomeOf = (name: string) => TestOutcome | undefined;

export function outcomesOf(names: readonly string[], outcomeOf: OutcomeOf): TestListOutcome {
  const result: TestListOutcome = { passed: [], failed: [], missing: [] };
  for (const name of names) {
    const outcome = outcomeOf(name);
    if (outcome === "passed") result.passed.push(name);
    else if (outcome === "failed") result.failed.push(name);
    else result.missing.push(name);
  }
  return result;
}

export function gradeTask(lists: { FAIL_TO_PASS: readonly string[]; PASS_TO_PASS: readonly string[] }, outcomeOf: OutcomeOf): Grade {
  const failToPass = outcomesOf(lists.FAIL_TO_PASS, outcomeOf);
  const passToPass = outcomesOf(lists.PASS_TO_PASS, outcomeOf);
  const allPass = failToPass.passed.length === lists.FAIL_TO_PASS.length && passToPass.passed.length === lists.PASS_TO_PASS.length;
  const status = allPass ? "resolved" : failToPass.passed.length > 0 ? "partial" : "unresolved";
  return { status, fail_to_pass: failToPass, pass_to_pass: passToPass };
}
