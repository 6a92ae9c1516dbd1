import type { CrewState } from "./crew-state.js";
import { decideOutcome } from "./outcome.js";
import { renderCheckStatus, renderFiles, renderPlan } from "./prompt-text.js";
import { isFailing, runValidation } from "./repair-loop.js";

const DOC_FILE = /(\.(md|mdx|markdown|rst|txt|adoc)$)|(^|\/)(docs?|documentation)\//i;

/**
 * The documenter may add docstrings to code, so code files it touches are checked again; if that breaks
 * anything its code edits are rolled back (the docs stay) and the report says so.
 */
export async function runDocumenter(state: CrewState, signal: AbortSignal): Promise<void> {
  const before = await state.changedFileViews();
  const input = `${renderPlan(state.plan!)}\n\n${renderFiles("The change to document", before)}\n\nDocument the change.`;
  const answer = await state.ask("documenter", "documenter", 0, input, signal);
  const codeFiles = answer.files.filter((f) => !DOC_FILE.test(f.path)).map((f) => f.path);
  const touched = await state.apply("documenter", answer);
  if (touched.length === 0) return;

  const touchedCode = touched.filter((p) => codeFiles.includes(p));
  if (touchedCode.length > 0) {
    const lastRound = Math.max(0, ...state.checks.keys());
    const previous = state.checks.get(lastRound) ?? [];
    const recheck = await runValidation(state, lastRound, signal);
    const newlyFailing = recheck.filter((c) => isFailing(c) && !previous.some((p) => p.name === c.name && isFailing(p)));
    if (newlyFailing.length > 0) {
      await state.workspace.discardUncommitted(touchedCode);
      state.checks.set(lastRound, previous);
      state.stopNote = [state.stopNote, `the documenter's edits to ${touchedCode.join(", ")} broke ${newlyFailing.map((c) => c.name).join(", ")} and were rolled back`]
        .filter(Boolean)
        .join("; ");
    }
  }
  await state.commit("documenter", answer.summary);
}

export async function runSummarizer(state: CrewState, signal: AbortSignal): Promise<void> {
  const changed = await state.workspace.changedFiles();
  const outcome = decideOutcome(state, changed.length > 0, undefined);
  const review = state.latestReview;
  const input = [
    renderPlan(state.plan!),
    `## Files changed\n${changed.map((f) => `- ${f.status} \`${f.path}\``).join("\n")}`,
    `## Checks (final)\n${renderCheckStatus(state.latestChecks)}`,
    `## Review\n${review ? `${review.verdict}${review.comments.length ? `\n${review.comments.map((c) => `- [${c.severity}] ${c.path}${c.line ? `:${c.line}` : ""}: ${c.message}`).join("\n")}` : ""}` : "no review"}`,
    `## Outcome\nThe pull request will be opened as ${outcome.result === "ready" ? "ready for review" : "a draft"}: ${outcome.reason}`,
    "Write the pull request title and body.",
  ].join("\n\n");
  state.pullRequest = await state.ask("summarizer", "summarizer", 0, input, signal);
}
