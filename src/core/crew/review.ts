import type { ReviewComment } from "../report/run-report.js";
import type { ArchitectAnswer } from "../roles/architect.js";
import { roles } from "../roles/index.js";
import type { ReviewerAnswer } from "../roles/reviewer.js";
import type { CrewRun } from "./crew-run.js";
import { renderFiles, renderPlan } from "./prompt-text.js";

/** The reviewer on the whole change as it stands (line numbers added so comments can point at lines). */
export async function reviewChange(run: CrewRun, input: { plan: ArchitectAnswer; context: string; round: number; signal: AbortSignal }): Promise<ReviewerAnswer> {
  const files = await run.changedFileViews();
  return run.ask(roles.reviewer, {
    phase: "reviewer",
    round: input.round,
    context: input.context,
    material: `${renderPlan(input.plan)}\n\n${renderFiles("The change to review (line numbers added for reference)", files, { lineNumbers: true })}`,
    input: "Review the change.",
    signal: input.signal,
  });
}

/** Comments that keep a change from being ready. */
export function blockingComments(review: ReviewerAnswer | undefined): ReviewComment[] {
  return review ? review.comments.filter((c) => c.severity === "blocker" || c.severity === "major") : [];
}
