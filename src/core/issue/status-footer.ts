import { sandboxSentence, weakestSandbox } from "../report/sandbox-note.js";
import type { RunReport, RunResult } from "../report/run-report.js";
import type { PullRequestInfo } from "../forge/forge-client.js";

/** What the status comment's final edit says under its checklist. */
export interface FinalStatus {
  result: RunResult;
  message: string;
  pullRequest?: PullRequestInfo;
  report?: RunReport;
}

export function statusFooter(outcome: FinalStatus): string {
  // The weak sandbox tier is said on the issue too, not only in the PR: people read the status comment.
  const weak = outcome.report && weakestSandbox(outcome.report.checks)?.tier === "weak" ? `\n\n${sandboxSentence(outcome.report.checks)}` : "";
  return `${outcomeLine(outcome)}${weak}`;
}

function outcomeLine(outcome: FinalStatus): string {
  if (outcome.pullRequest) {
    const kind = outcome.result === "ready" ? "Pull request" : "Draft pull request";
    return `**${kind}:** ${outcome.pullRequest.htmlUrl} — ${outcome.message}`;
  }
  if (outcome.result === "skipped") return `**Skipped:** ${outcome.message}`;
  return `**What failed:** ${outcome.message}\n\nFix the cause (the run's log has details) and add the label again to retry.`;
}
