import type { ArchitectAnswer } from "../roles/architect.js";
import { roles } from "../roles/index.js";
import type { SummarizerAnswer } from "../roles/summarizer.js";
import type { CrewRun } from "./crew-run.js";
import { decideOutcome } from "./outcome.js";
import { renderCheckStatus, renderFiles, renderPlan } from "./prompt-text.js";
import type { RepairResult } from "./repair-loop.js";
import { isFailing, type Validation } from "./validation.js";

const DOC_FILE = /(\.(md|mdx|markdown|rst|txt|adoc)$)|(^|\/)(docs?|documentation)\//i;

export interface FinishingInput {
  plan: ArchitectAnswer;
  context: string;
  validation: Validation;
  /** The change's state after the repair loop. */
  state: RepairResult;
  signal: AbortSignal;
}

/**
 * The documenter may add docstrings to code, so code files it touches are checked again; if that breaks
 * anything its code edits are rolled back (the docs stay) and the report says so. Returns the change's
 * state afterwards (the re-run checks when they held).
 */
export async function runDocumenter(run: CrewRun, input: FinishingInput): Promise<RepairResult> {
  const before = await run.changedFileViews();
  const answer = await run.ask(roles.documenter, {
    phase: "documenter",
    round: 0,
    context: input.context,
    input: `${renderPlan(input.plan)}\n\n${renderFiles("The change to document", before)}\n\nDocument the change.`,
    signal: input.signal,
  });
  const codeFiles = answer.files.filter((f) => !DOC_FILE.test(f.path)).map((f) => f.path);
  const touched = await run.apply("documenter", answer);
  if (touched.length === 0) return input.state;

  let state = input.state;
  const touchedCode = touched.filter((p) => codeFiles.includes(p));
  if (touchedCode.length > 0) {
    const lastRound = run.rounds.at(-1)?.round ?? 0;
    const previous = input.state.checks;
    const recheck = await input.validation.check(lastRound, input.signal);
    const newlyFailing = recheck.filter((c) => isFailing(c) && !previous.some((p) => p.name === c.name && isFailing(p)));
    if (newlyFailing.length > 0) {
      await run.workspace.discardUncommitted(touchedCode);
      run.note(`the documenter's edits to ${touchedCode.join(", ")} broke ${newlyFailing.map((c) => c.name).join(", ")} and were rolled back`);
    } else {
      state = { ...state, checks: recheck };
    }
  }
  await run.commit("documenter", answer.summary);
  return state;
}

export async function runSummarizer(run: CrewRun, input: Omit<FinishingInput, "validation"> & { hasTestCommand: boolean }): Promise<SummarizerAnswer> {
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
    renderPlan(input.plan),
    `## Files changed\n${changed.map((f) => `- ${f.status} \`${f.path}\``).join("\n")}`,
    `## Checks (final)\n${renderCheckStatus(state.checks)}`,
    `## Review\n${review ? `${review.verdict}${review.comments.length ? `\n${review.comments.map((c) => `- [${c.severity}] ${c.path}${c.line ? `:${c.line}` : ""}: ${c.message}`).join("\n")}` : ""}` : "no review"}`,
    `## Outcome\nThe pull request will be opened as ${outcome.result === "ready" ? "ready for review" : "a draft"}: ${outcome.reason}`,
    "Write the pull request title and body.",
  ].join("\n\n");
  return run.ask(roles.summarizer, { phase: "summarizer", round: 0, context: input.context, input: text, signal: input.signal });
}
