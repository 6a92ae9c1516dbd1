import type { Phase } from "../errors.js";
import type { RevisionRecord, RunReport } from "../report/run-report.js";
import type { ArchitectAnswer } from "../roles/architect.js";
import type { ChangedFile } from "../workspace/run-workspace.js";
import type { CrewRun } from "./crew-run.js";
import type { CrewSnapshot } from "./crew-snapshot.js";
import type { Outcome } from "./outcome.js";
import type { RoundState } from "./repair-loop.js";

export interface ReportInput {
  run: CrewRun;
  mode: "new" | "revision";
  outcome: Outcome;
  plan: ArchitectAnswer | undefined;
  state: RoundState;
  pullRequest: { title: string; body: string } | null;
  revision: RevisionRecord | undefined;
  changed: ChangedFile[];
  headCommit: string;
  startedAt: number;
  endedAt: number;
  stopped: { phase: Phase; error: string } | undefined;
}

/** The text of a PR whose summarizer did not run: says plainly that the change is incomplete. */
export function fallbackPullRequest(run: CrewRun, plan: ArchitectAnswer | undefined, outcome: Outcome): { title: string; body: string } {
  const planText = plan ? `\n\n## Plan\n${plan.summary}\n\n${plan.steps.map((s, i) => `${i + 1}. ${s}`).join("\n")}` : "";
  return {
    title: `Draft: ${run.task.title}`.slice(0, 120),
    body: `This change is incomplete: ${outcome.reason}.${planText}`,
  };
}

export function crewSnapshot(run: CrewRun, plan: ArchitectAnswer | undefined, headCommit: string): CrewSnapshot {
  return { version: 1, plan: plan ?? null, authorship: run.authorship.record(), headCommit };
}

export function buildReport(input: ReportInput): RunReport {
  const { run } = input;
  const budget = run.deps.budget;
  const used = budget.used();
  const { ledger } = run.deps;
  return {
    version: 1,
    mode: input.mode,
    task: { title: run.task.title, source: run.task.source, ...(run.task.reference ? { reference: run.task.reference } : {}) },
    result: input.outcome.result,
    reason: input.outcome.reason,
    ...(input.stopped ? { stoppedAt: input.stopped } : {}),
    repository: { baseCommit: run.workspace.baseCommit, branch: run.workspace.branch, headCommit: input.headCommit },
    startedAt: new Date(input.startedAt).toISOString(),
    endedAt: new Date(input.endedAt).toISOString(),
    durationMs: input.endedAt - input.startedAt,
    phases: run.timeline.all(),
    calls: ledger.calls(),
    agents: ledger.byAgent(),
    totals: ledger.totals(),
    rounds: run.rounds,
    checks: input.state.checks,
    review: input.state.review ? { verdict: input.state.review.verdict, comments: input.state.review.comments } : null,
    plan: input.plan ? { summary: input.plan.summary, steps: input.plan.steps } : null,
    files: input.changed.map((f) => ({ path: f.path, status: f.status, by: run.authorship.authorsOf(f.path) })),
    refused: [...run.authorship.refused],
    pullRequest: input.pullRequest,
    ...(input.revision ? { revision: input.revision } : {}),
    snapshot: crewSnapshot(run, input.plan, input.headCommit),
    budget: {
      limits: { tokens: budget.limits.tokens, costUsd: budget.limits.costUsd, minutes: budget.limits.minutes },
      used: { tokens: used.tokens, costUsd: used.costUsd, minutes: used.minutes },
    },
  };
}
