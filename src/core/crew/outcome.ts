import { BudgetExceededError, CancelledError, describeError, type Phase } from "../errors.js";
import type { CheckResult, RunResult } from "../report/run-report.js";
import type { ReviewerAnswer } from "../roles/reviewer.js";
import { blockingComments } from "./review.js";
import { isFailing } from "./validation.js";

export interface Outcome {
  result: RunResult;
  reason: string;
}

/** What the verdict is decided on: facts measured by the run, nothing an agent said about itself. */
export interface OutcomeFacts {
  /** Whether the branch differs from where the change is measured from (the default branch's merge base). */
  hasChange: boolean;
  /** Set when the run stopped early: the phase and what stopped it. */
  stopped?: { phase: Phase; error: unknown } | undefined;
  /** The latest checks and review of the change. */
  checks: CheckResult[];
  review: ReviewerAnswer | undefined;
  repairRounds: number;
  /** False when no test command was configured or detected. */
  hasTestCommand: boolean;
  notes: readonly string[];
}

/**
 * The verdict is measured, not judged: `ready` needs the repository's tests to have run and passed and no
 * blocking review comment; anything short of that with a change on disk is a `draft`; no change is `failed`.
 */
export function decideOutcome(facts: OutcomeFacts): Outcome {
  const { stopped, hasChange } = facts;
  if (stopped) {
    const why = stopped.error instanceof BudgetExceededError ? stopped.error.message : describeError(stopped.error);
    const cancelled = stopped.error instanceof CancelledError;
    if (hasChange && !cancelled) {
      return { result: "draft", reason: `stopped at ${stopped.phase}: ${why}; the change made so far is kept as a draft` };
    }
    return { result: "failed", reason: `${cancelled ? "cancelled" : "failed"} at ${stopped.phase}: ${why}` };
  }
  if (!hasChange) return { result: "failed", reason: "the crew produced no change" };

  const failing = facts.checks.filter(isFailing);
  const blocking = blockingComments(facts.review);
  const tests = facts.checks.find((c) => c.kind === "test");
  const notes = facts.notes.length ? `; ${facts.notes.join("; ")}` : "";
  if (failing.length > 0 || blocking.length > 0) {
    const what = [
      failing.length ? `failing checks: ${failing.map((c) => c.name).join(", ")}` : "",
      blocking.length ? `${blocking.length} blocking review comment${blocking.length > 1 ? "s" : ""}` : "",
    ]
      .filter(Boolean)
      .join(" and ");
    const rounds = facts.repairRounds;
    return { result: "draft", reason: `${what} remain after ${rounds} repair round${rounds === 1 ? "" : "s"}${notes}` };
  }
  if (!tests || tests.status !== "pass") {
    return {
      result: "draft",
      reason: `${facts.hasTestCommand ? "the tests did not run" : "no test command was found (set `test` in the config)"}, so the change is untested${notes}`,
    };
  }
  const reviewNote = facts.review?.verdict === "approve" ? "the reviewer approved" : "only minor review comments remain";
  return { result: "ready", reason: `the checks pass and ${reviewNote}${notes}` };
}
