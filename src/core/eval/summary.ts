import type { EvalSummary, TaskResult } from "./results-schema.js";
import { wilsonInterval } from "./wilson.js";

/**
 * The suite's numbers from its task results. Tasks that could not run (`error`) are listed but left out
 * of the rate: the rate is resolved / graded, with a 95 % Wilson interval, so a broken task neither
 * helps nor hurts the crew. Token, cost and time figures cover every task the crew ran.
 */
export function summarize(results: readonly TaskResult[], meta: { suite: string; model: string | null; startedAt: Date; endedAt: Date }): EvalSummary {
  const graded = results.filter((r) => r.status !== "error");
  const count = (status: TaskResult["status"]) => results.filter((r) => r.status === status).length;
  const resolved = count("resolved");
  const ready = (r: TaskResult) => r.result === "ready";
  const isResolved = (r: TaskResult) => r.status === "resolved";
  const agreement = {
    ready_and_resolved: graded.filter((r) => ready(r) && isResolved(r)).length,
    ready_not_resolved: graded.filter((r) => ready(r) && !isResolved(r)).length,
    not_ready_resolved: graded.filter((r) => !ready(r) && isResolved(r)).length,
    not_ready_not_resolved: graded.filter((r) => !ready(r) && !isResolved(r)).length,
  };
  const readyCount = agreement.ready_and_resolved + agreement.ready_not_resolved;
  const ran = results.filter((r) => r.result !== null);
  return {
    version: 1,
    suite: meta.suite,
    model: meta.model,
    started_at: meta.startedAt.toISOString(),
    ended_at: meta.endedAt.toISOString(),
    tasks: results.length,
    errors: count("error"),
    graded: graded.length,
    resolved,
    partial: count("partial"),
    unresolved: count("unresolved"),
    resolved_rate: graded.length ? resolved / graded.length : null,
    resolved_interval_95: wilsonInterval(resolved, graded.length),
    agreement: {
      ...agreement,
      rate: graded.length ? (agreement.ready_and_resolved + agreement.not_ready_not_resolved) / graded.length : null,
      ready_precision: readyCount ? agreement.ready_and_resolved / readyCount : null,
    },
    prompt_tokens: distribution(ran.map((r) => r.prompt_tokens)),
    completion_tokens: distribution(ran.map((r) => r.completion_tokens)),
    cost_usd: distribution(ran.map((r) => r.cost_usd)),
    wall_seconds: distribution(results.map((r) => r.wall_seconds)),
  };
}

function distribution(values: number[]): { total: number; median: number } {
  return { total: values.reduce((sum, value) => sum + value, 0), median: median(values) };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
