import { BudgetExceededError, CancelledError, describeError, type Phase } from "../errors.js";
import type { RunReport, RunResult } from "../report/run-report.js";
import type { CrewState } from "./crew-state.js";
import { isFailing } from "./repair-loop.js";

export interface Outcome {
  result: RunResult;
  reason: string;
}

/**
 * The verdict is measured, not judged: `ready` needs the repository's tests to have run and passed and no
 * blocking review comment; anything short of that with a change on disk is a `draft`; no change is `failed`.
 */
export function decideOutcome(state: CrewState, hasChange: boolean, stopped: { phase: Phase; error: unknown } | undefined): Outcome {
  if (stopped) {
    const why = stopped.error instanceof BudgetExceededError ? stopped.error.message : describeError(stopped.error);
    const cancelled = stopped.error instanceof CancelledError;
    if (hasChange && !cancelled) {
      return { result: "draft", reason: `stopped at ${stopped.phase}: ${why}; the change made so far is kept as a draft` };
    }
    return { result: "failed", reason: `${cancelled ? "cancelled" : "failed"} at ${stopped.phase}: ${why}` };
  }
  if (!hasChange) return { result: "failed", reason: "the crew produced no change" };

  const checks = state.latestChecks;
  const failing = checks.filter(isFailing);
  const blocking = state.blockingComments();
  const tests = checks.find((c) => c.kind === "test");
  const notes = state.stopNote ? `; ${state.stopNote}` : "";
  if (failing.length > 0 || blocking.length > 0) {
    const what = [
      failing.length ? `failing checks: ${failing.map((c) => c.name).join(", ")}` : "",
      blocking.length ? `${blocking.length} blocking review comment${blocking.length > 1 ? "s" : ""}` : "",
    ]
      .filter(Boolean)
      .join(" and ");
    const rounds = state.rounds.length - 1;
    return { result: "draft", reason: `${what} remain after ${rounds} repair round${rounds === 1 ? "" : "s"}${notes}` };
  }
  if (!tests || tests.status !== "pass") {
    return {
      result: "draft",
      reason: `${state.noTestCommand ? "no test command was found (set `test` in the config)" : "the tests did not run"}, so the change is untested${notes}`,
    };
  }
  const review = state.latestReview;
  const reviewNote = review?.verdict === "approve" ? "the reviewer approved" : "only minor review comments remain";
  return { result: "ready", reason: `the checks pass and ${reviewNote}${notes}` };
}

export function fallbackPullRequest(state: CrewState, outcome: Outcome): { title: string; body: string } {
  const plan = state.plan ? `\n\n## Plan\n${state.plan.summary}\n\n${state.plan.steps.map((s, i) => `${i + 1}. ${s}`).join("\n")}` : "";
  return {
    title: `Draft: ${state.task.title}`.slice(0, 120),
    body: `This change is incomplete: ${outcome.reason}.${plan}`,
  };
}

export function buildReport(input: {
  state: CrewState;
  outcome: Outcome;
  pullRequest: { title: string; body: string } | null;
  changed: { path: string; status: "added" | "modified" | "deleted" }[];
  headCommit: string;
  startedAt: number;
  endedAt: number;
  stopped: { phase: string; error: string } | undefined;
}): RunReport {
  const { state } = input;
  const budget = state.deps.budget;
  const used = budget.used();
  return {
    version: 1,
    task: { title: state.task.title, source: state.task.source, ...(state.task.reference ? { reference: state.task.reference } : {}) },
    result: input.outcome.result,
    reason: input.outcome.reason,
    ...(input.stopped ? { stoppedAt: input.stopped } : {}),
    repository: { baseCommit: state.workspace.baseCommit, branch: state.workspace.branch, headCommit: input.headCommit },
    startedAt: new Date(input.startedAt).toISOString(),
    endedAt: new Date(input.endedAt).toISOString(),
    durationMs: input.endedAt - input.startedAt,
    phases: state.timeline.all(),
    calls: state.deps.ledger.calls(),
    agents: state.deps.ledger.byAgent(),
    totals: state.deps.ledger.totals(),
    rounds: state.rounds,
    checks: state.latestChecks,
    review: state.latestReview ? { verdict: state.latestReview.verdict, comments: state.latestReview.comments } : null,
    plan: state.plan ? { summary: state.plan.summary, steps: state.plan.steps } : null,
    files: input.changed.map((f) => ({ path: f.path, status: f.status, by: [...(state.authors.get(f.path) ?? [])] })),
    refused: state.refused,
    pullRequest: input.pullRequest,
    budget: {
      limits: { tokens: budget.limits.tokens, costUsd: budget.limits.costUsd, minutes: budget.limits.minutes },
      used: { tokens: used.tokens, costUsd: used.costUsd, minutes: used.minutes },
    },
  };
}
