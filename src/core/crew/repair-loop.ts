import { createHash } from "node:crypto";
import type { CheckResult } from "../report/run-report.js";
import type { ArchitectAnswer } from "../roles/architect.js";
import { roles } from "../roles/index.js";
import type { ReviewerAnswer } from "../roles/reviewer.js";
import type { CrewRun } from "./crew-run.js";
import { renderChangeMaterial, renderProblems } from "./prompt-text.js";
import { blockingComments, reviewChange } from "./review.js";
import { isFailing, type Validation } from "./validation.js";

/** Where the change stands after a round: its checks and its review. */
export interface RoundState {
  checks: CheckResult[];
  review: ReviewerAnswer | undefined;
}

export interface RepairInput {
  plan: ArchitectAnswer;
  context: string;
  validation: Validation;
  /** The checks and review of the change before the loop (round 0). */
  start: RoundState;
  /** When round 0 began (for its duration in the report). */
  startedAt: number;
  /** The files round 0 wrote. */
  startFiles: string[];
}

/** The loop's output: the state of the change at its last checked commit. */
export type RepairResult = RoundState;

function problemsOf(state: RoundState): string[] {
  const problems = state.checks
    .filter(isFailing)
    .map((c) => `${c.name} ${c.status === "timeout" ? "timed out" : "failed"}${c.failures.length ? `: ${c.failures.slice(0, 3).join(", ")}` : ""}`);
  for (const comment of blockingComments(state.review)) {
    problems.push(`review ${comment.severity}: ${comment.path}${comment.line ? `:${comment.line}` : ""} ${comment.message.split("\n")[0]!.slice(0, 160)}`);
  }
  return problems;
}

async function fingerprint(run: CrewRun): Promise<string> {
  const views = await run.changedFileViews();
  const hash = createHash("sha256");
  for (const view of views.sort((a, b) => a.path.localeCompare(b.path))) hash.update(`${view.path}\0${view.content ?? "<deleted>"}\0`);
  return hash.digest("hex");
}

/**
 * Bounded repair: while checks fail or blocking review comments remain, the debugger gets a summary of what
 * failed (never a raw error from another agent) and revises the files; then review and checks run again, in
 * parallel. Stops after `max_rounds`, or early when a round changes nothing or returns to an earlier state.
 * Each round is written to the run's journal as it ends, so a run that stops mid-loop still reports it.
 */
export async function runRepairLoop(run: CrewRun, input: RepairInput, signal: AbortSignal): Promise<RepairResult> {
  recordRound(run, 0, input.startedAt, input.start, input.startFiles);
  const seen = new Set<string>([await fingerprint(run)]);
  let current = input.start;

  for (let round = 1; round <= run.config.max_rounds; round++) {
    const failing = current.checks.filter(isFailing);
    const blocking = blockingComments(current.review);
    if (failing.length === 0 && blocking.length === 0) return current;

    const started = run.now();
    run.deps.onProgress?.({ type: "round", round, problems: problemsOf(current), at: started });
    const before = await run.changedFileViews();
    const answer = await run.ask(roles.debugger, {
      phase: "debugger",
      round,
      context: input.context,
      // The change includes its docs: the debugger keeps them true when its fix changes what they describe.
      material: renderChangeMaterial(input.plan, before),
      input: [renderProblems(failing, blocking, [...run.authorship.pendingRefusals]), "Fix these problems."].join("\n\n"),
      signal,
      explore: true,
    });
    const touched = await run.apply("debugger", answer);
    const after = await fingerprint(run);
    if (touched.length === 0 || seen.has(after)) {
      // The checks and review on record describe the last commit: put the files back so they stay true.
      await run.workspace.discardUncommitted();
      run.note(
        seen.has(after) && touched.length > 0 && after !== [...seen].at(-1)
          ? `the debugger's round ${round} returned the change to an earlier round's state, so the repair loop stopped early`
          : `the debugger's round ${round} changed nothing, so the repair loop stopped early`,
      );
      recordRound(run, round, started, { checks: [], review: undefined }, []);
      return current;
    }
    seen.add(after);
    await run.commit("debugger", answer.summary, round);
    const [review, checks] = await Promise.all([reviewChange(run, { plan: input.plan, context: input.context, round, signal }), input.validation.check(round, signal)]);
    current = { checks, review };
    recordRound(run, round, started, current, touched);
  }
  return current;
}

function recordRound(run: CrewRun, round: number, started: number, state: RoundState, changedFiles: string[]): void {
  run.rounds.push({
    round,
    durationMs: run.now() - started,
    checks: state.checks,
    review: state.review ? { verdict: state.review.verdict, blocking: blockingComments(state.review).length } : null,
    problems: problemsOf(state),
    changedFiles,
  });
}
