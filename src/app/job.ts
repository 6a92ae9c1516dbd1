import type { RunResult } from "../core/report/run-report.js";
import { workKey, type WorkItem } from "../core/work/work-item.js";

/**
 * One unit of queued work: "do this work item in this repository". Jobs carry only identifiers and the
 * trigger; the issue, review and comments are read from GitHub when the job runs (they are untrusted data and
 * may have changed since the webhook).
 */
export interface CodegenJob {
  /** X-GitHub-Delivery of the webhook, or `reconcile-<…>` for jobs the reconciler created. */
  deliveryId: string;
  installationId: number;
  owner: string;
  repo: string;
  /** What to do; its trigger names the sender, whose permission the run checks before anything else. */
  item: WorkItem;
  origin: "webhook" | "reconcile";
  /**
   * For a label job from a webhook: the label names that were added. The webhook does not know the
   * repository's trigger label (reading it is a GitHub call, which would delay the answer), so the job reads
   * it and runs only when one of these is it; otherwise it ends skipped, quietly. Several names when labels
   * added together (an issue opened with labels) were folded into one job that has not started.
   */
  labels?: string[];
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

/** The queue identity of a job: its issue and the PR share one key, so one run at a time works on them. */
export function jobKey(job: { owner: string; repo: string; item: Pick<WorkItem, "issue"> }): string {
  return workKey(job, job.item);
}

/** Progress a running job reports (BullMQ stores it on the job; the in-process queue keeps it in memory). */
export interface JobProgress {
  /** The phase of the latest model call ("architect", "debugger", …). */
  phase: string;
  calls: number;
  tokens: number;
}
