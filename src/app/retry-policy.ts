import { CrewError } from "../core/errors.js";
import { PermanentJobError } from "./job-queue.js";

/**
 * Which job failures are worth another attempt. runIssue already turns failures of the run itself into a
 * finished "failed" status comment; what reaches the queue is what happened before or around it (minting
 * the token, cloning, reading the issue), where 5xx answers and network errors pass and 4xx do not.
 */
export interface RetryPolicy {
  attempts: number;
  /** First backoff; doubled on every further attempt. */
  backoffMs: number;
}

export function isTransient(error: unknown): boolean {
  if (error instanceof PermanentJobError) return false;
  const status = statusOf(error);
  if (status !== undefined) return status >= 500 || status === 429 || status === 408;
  if (error instanceof CrewError) {
    // A git transport failure names the HTTP status in its message; anything else local (disk, git) may pass.
    return !/\b(401|403|404|410|422)\b/.test(error.message);
  }
  return true;
}

export function backoffFor(policy: RetryPolicy, attempt: number): number {
  return policy.backoffMs * 2 ** Math.max(0, attempt - 1);
}

function statusOf(error: unknown): number | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}
