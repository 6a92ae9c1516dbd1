import { CrewError } from "../core/errors.js";
import type { CodegenJob, JobOutcome, JobProgress } from "./job.js";

/**
 * The seam between the webhook server and the work: an in-process queue (memory-queue.ts) or BullMQ on
 * Redis (bullmq-queue.ts). Both guarantee at most one queued-or-running job per issue and ignore a
 * delivery they have already seen.
 */
export type EnqueueResult =
  | { status: "queued"; jobId: string }
  /** The same X-GitHub-Delivery was already taken (GitHub redelivered it, or it was sent twice). */
  | { status: "duplicate-delivery"; jobId: string }
  /** A job for the same issue is queued or running; a second one would race it. */
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
  /** Removes the queued job, or signals its running job to stop (its AbortSignal fires). */
  cancel(key: string, reason: string): Promise<CancelResult>;
  /** Whether a job for the issue is queued or running. */
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
