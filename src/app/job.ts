import type { RunResult } from "../core/report/run-report.js";

/**
 * One unit of queued work: "run codegen-crew on this issue, for this sender". Jobs carry only
 * identifiers; the issue text is read from GitHub when the job runs (it is untrusted data and may have
 * changed since the webhook).
 */
export interface CodegenJob {
  /** X-GitHub-Delivery of the webhook, or `reconcile:<…>` for jobs the reconciler created. */
  deliveryId: string;
  installationId: number;
  owner: string;
  repo: string;
  issueNumber: number;
  /** Who applied the label; runIssue checks their permission before anything else. */
  sender: string | undefined;
  origin: "webhook" | "reconcile";
}

/** What a finished job ended as: the run's result, or cancelled before or while it ran. */
export type JobResult = RunResult | "cancelled";

export interface JobOutcome {
  result: JobResult;
  message: string;
  pullRequestUrl?: string;
  tokens: number;
  costUsd: number;
}

/** "owner/repo#12", lower-cased: the identity of "a job for this issue" (GitHub names are case-insensitive). */
export function issueKey(target: { owner: string; repo: string; issueNumber: number }): string {
  return `${target.owner}/${target.repo}#${target.issueNumber}`.toLowerCase();
}

/** Progress a running job reports (BullMQ stores it on the job; the in-process queue keeps it in memory). */
export interface JobProgress {
  /** The phase of the latest model call ("architect", "debugger", …). */
  phase: string;
  calls: number;
  tokens: number;
}
