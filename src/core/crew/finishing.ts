import type { ArchitectAnswer } from "../roles/architect.js";
import { roles } from "../roles/index.js";
import type { SummarizerAnswer } from "../roles/summarizer.js";
import type { CrewRun } from "./crew-run.js";
import { decideOutcome } from "./outcome.js";
import { renderCheckStatus, renderPlan } from "./prompt-text.js";
import type { RepairResult } from "./repair-loop.js";

export interface SummarizerInput {
  plan: ArchitectAnswer;
  context: string;
  /** The change's state after the repair loop. */
  state: RepairResult;
  hasTestCommand: boolean;
  signal: AbortSignal;
}

export async function runSummarizer(run: CrewRun, input: SummarizerInput): Promise<SummarizerAnswer> {
  const changed = await run.workspace.changedFiles();
  const { state } = input;
  const outcome = decideOutcome({
    hasChange: changed.length > 0,
    checks: state.checks,
    review: state.review,
    repairRounds: Math.max(0, run.rounds.length - 1),
    hasTestCommand: input.hasTestCommand,
    notes: run.notes,
  });
  const review = state.review;
  const text = [
    `## Files changed\n${changed.map((f) => `- ${f.status} \`${f.path}\``).join("\n")}`,
    `## Checks (final)\n${renderCheckStatus(state.checks)}`,
    `## Review\n${review ? `${review.verdict}${review.comments.length ? `\n${review.comments.map((c) => `- [${c.severity}] ${c.path}${c.line ? `:${c.line}` : ""}: ${c.message}`).join("\n")}` : ""}` : "no review"}`,
    `## Outcome\nThe pull request will be opened as ${outcome.result === "ready" ? "ready for review" : "a draft"}: ${outcome.reason}`,
    "Write the pull request title and body.",
  ].join("\n\n");
  return run.ask(roles.summarizer, { phase: "summarizer", round: 0, context: input.context, material: renderPlan(input.plan), input: text, signal: input.signal });
}
