import type { Logger } from "probot";
import { describeError } from "../core/errors.js";
import { QueueUnavailableError } from "./job-queue.js";

/** A delivery's logger: every line carries the delivery id, the repository and the issue or PR. */
export function deliveryLog(context: { id: string; log: Logger }, repo: string, fields: Record<string, unknown>): Logger {
  return context.log.child({ deliveryId: context.id, repo, ...fields });
}

/** A queue that cannot answer turns into a 503 for GitHub (a failed, redeliverable delivery), never a silent drop. */
export async function unlessQueueDown<T>(log: Logger, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    const unavailable = error instanceof QueueUnavailableError ? error : new QueueUnavailableError(`the job queue is unavailable: ${describeError(error)}`, {}, { cause: error });
    log.error({ err: unavailable }, `${unavailable.message}; answering 503 so the delivery can be redelivered`);
    throw unavailable;
  }
}

/**
 * GitHub writes that need not delay the webhook's answer (reactions, replies): started now, finished after
 * the answer, a failure logged (the run, or the person, does not depend on them).
 */
export function afterAnswer(log: Logger, what: string, write: () => Promise<unknown>): void {
  void write().catch((error: unknown) => log.warn(`could not ${what}: ${describeError(error)}`));
}
