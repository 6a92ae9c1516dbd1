import { CancelledError, describeError, type Phase } from "../errors.js";
import type { RevisionRecord, RunReport } from "../report/run-report.js";
import type { Task } from "../task.js";
import { Authorship } from "./authorship.js";
import { buildReport, fallbackPullRequest } from "./crew-report.js";
import { CrewRun, type CrewDeps, type CrewOptions } from "./crew-run.js";
import type { CrewSnapshot } from "./crew-snapshot.js";
import { decideOutcome } from "./outcome.js";
import { runPhaseGraph, type GraphResult } from "./phase-graph.js";
import { PhaseTimeline } from "./phase-timeline.js";
import type { CrewOutputs } from "./crew-outputs.js";
import type { RoundState } from "./repair-loop.js";
import type { RevisionRequest } from "./revision.js";
import { buildWorkflow, type CrewWorkflow } from "./workflows.js";

export type { CrewDeps, CrewOptions } from "./crew-run.js";

export interface CrewRunOptions extends CrewOptions {
  /** Which workflow runs; default a new change from the task. */
  workflow?: CrewWorkflow;
  /** The snapshot of the run that wrote the change being revised (authorship carries over). */
  seed?: CrewSnapshot;
}

/**
 * Runs the crew on a task in a prepared workspace and returns the run report. The report always comes back:
 * failures end the run with result `failed` (no change) or `draft` (a change exists and is kept), with the
 * phase and reason recorded; they are never handed to another agent as if they were an answer.
 */
export async function runCrew(deps: CrewDeps, task: Task, options: CrewRunOptions): Promise<RunReport> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const timeline = new PhaseTimeline(deps.onProgress, now);
  const run = new CrewRun(deps, task, options, timeline, new Authorship(options.seed?.authorship));
  const workflow = options.workflow ?? { kind: "new" };

  const graph = await runPhaseGraph<CrewOutputs>(buildWorkflow(run, workflow), {
    concurrency: options.sequential ? 1 : Infinity,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  run.stopBackground.abort();
  await graph.outputs.prepare?.baseline.catch(() => undefined);

  const stopped = graph.failure ? { phase: failedPhase(graph.failure), error: graph.failure.error } : undefined;
  const changed = await deps.workspace.changedFiles();
  const state = latestState(run, graph.outputs);
  const outcome = decideOutcome({
    hasChange: changed.length > 0,
    stopped,
    checks: state.checks,
    review: state.review,
    repairRounds: Math.max(0, run.rounds.length - 1),
    hasTestCommand: graph.outputs.prepare?.hasTestCommand ?? true,
    notes: run.notes,
  });
  const plan = graph.outputs.plan;
  const summary = graph.outputs.summarizer;
  const pullRequest = summary ?? (changed.length > 0 && summary === undefined ? fallbackPullRequest(run, plan, outcome) : null);
  const report = buildReport({
    run,
    mode: workflow.kind,
    outcome,
    plan,
    state,
    pullRequest,
    revision: workflow.kind === "revision" ? revisionRecord(workflow.request, graph.outputs) : undefined,
    changed,
    headCommit: await deps.workspace.headCommit(),
    startedAt,
    endedAt: now(),
    stopped: stopped ? { phase: stopped.phase, error: describeError(stopped.error) } : undefined,
  });
  try {
    deps.onProgress?.({ type: "done", result: report.result, reason: report.reason, at: now() });
  } catch {
    // Observers never break a run.
  }
  return report;
}

/** An error that names its phase wins over the node it surfaced in (a check inside the repair loop, say). */
function failedPhase(failure: NonNullable<GraphResult<CrewOutputs>["failure"]>): Phase {
  const error = failure.error as { context?: { phase?: Phase } };
  if (failure.error instanceof CancelledError) return error.context?.phase ?? failure.phase;
  return error.context?.phase ?? failure.phase;
}

/** The newest checks and review on record, from the furthest phase that finished. */
function latestState(run: CrewRun, outputs: Partial<CrewOutputs>): RoundState {
  if (outputs.repair) return outputs.repair;
  const checked = [...run.rounds].reverse().find((r) => r.checks.length > 0);
  return { checks: checked?.checks ?? outputs.tests ?? [], review: outputs.reviewer };
}

function revisionRecord(request: RevisionRequest, outputs: Partial<CrewOutputs>): RevisionRecord {
  return {
    summary: request.summary,
    items: request.items.map((item) => ({
      id: item.id,
      kind: item.kind,
      author: item.author,
      ...(item.path ? { path: item.path } : {}),
      ...(item.line ? { line: item.line } : {}),
    })),
    responses: outputs.change?.responses ?? [],
    changedFiles: outputs.change?.files ?? [],
  };
}
