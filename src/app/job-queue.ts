import { CrewError } from "../core/errors.js";
import type { CodegenJob, JobOutcome, JobProgress } from "./job.js";

/**
 * The seam between the webhook server and the work: an in-process queue (memory-queue.ts) or BullMQ on
 * Redis (bullmq-queue.ts). Both run at most one job at a time per issue and its PR (`jobKey`), ignore a
 * delivery they have already seen, and apply job-merge.ts to a trigger that arrives while a job for the
 * same key is queued or running: a repeated label is dropped, a review or instruction waits behind the
 * running job, and those that wait are merged into one.
 */
export type EnqueueResult =
  /** A new job; `behind` is the running job it waits for. */
  | { status: "queued"; jobId: string; behind?: string }
  /** Folded into the job `jobId` that was waiting for the same issue or PR (job-merge.ts). */
  | { status: "merged"; jobId: string }
  /** The same X-GitHub-Delivery was already taken (GitHub redelivered it, or it was sent twice). */
  | { status: "duplicate-delivery"; jobId: string }
  /** A job for the same issue already covers this (a repeated label), or cannot take it (a retry while one waits). */
  | { status: "already-active"; jobId: string };

export type CancelResult = { status: "removed" | "signalled"; jobId: string } | { status: "none" };

export interface JobCounts {
  queued: number;
  running: number;
  completed: number;
  failed: number;
}

export interface JobQueue {
  readonly mode: "memory" | "redis";
  enqueue(job: CodegenJob): Promise<EnqueueResult>;
  /** Removes the key's waiting jobs, and removes its queued job or signals its running one to stop (its AbortSignal fires). */
  cancel(key: string, reason: string): Promise<CancelResult>;
  /** The job queued or running for the key (not one waiting behind it), if any. */
  activeJob(key: string): Promise<string | undefined>;
  /** The queue can take jobs (Redis answers, the queue is not closing). */
  ready(): Promise<boolean>;
  counts(): Promise<JobCounts>;
  /** Stops taking jobs and waits up to `deadlineMs` for running ones; what is left is for reconciliation. */
  close(deadlineMs: number): Promise<void>;
}

/** What a job processor is given besides the job. */
export interface JobContext {
  jobId: string;
  attempt: number;
  signal: AbortSignal;
  progress(progress: JobProgress): void;
}

export type JobProcessor = (job: CodegenJob, context: JobContext) => Promise<JobOutcome>;

/**
 * The queue cannot take the job right now (Redis is down). The webhook answers 503 so GitHub records a
 * failed delivery (redeliverable) and the reconciler picks the issue up once the queue is back.
 */
export class QueueUnavailableError extends CrewError {
  /** Read by @octokit/webhooks' middleware as the HTTP status of the webhook answer. */
  readonly status = 503;
}

/** A failure that retrying will not fix (no access to the repository, installation gone). */
export class PermanentJobError extends CrewError {}
