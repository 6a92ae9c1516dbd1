import type { Logger } from "probot";
import { describeError } from "../core/errors.js";
import type { QueueEvent, QueueEvents } from "./queue-events.js";

/**
 * The operator's view of jobs: one line when a job starts and one when it ends, each with the delivery,
 * repository, issue and job id. The end line is the per-job metric: result, duration, tokens, cost.
 */
export function logJobEvents(events: QueueEvents, log: Logger): () => void {
  return events.subscribe((event) => writeLine(event, log));
}

function writeLine(event: QueueEvent, log: Logger): void {
  const fields = {
    jobId: event.jobId,
    deliveryId: event.job.deliveryId,
    repo: `${event.job.owner}/${event.job.repo}`,
    issue: event.job.item.issue,
    ...(event.job.item.kind === "revision" ? { pr: event.job.item.pr } : {}),
    trigger: event.job.item.trigger.type,
    ...(event.job.item.merged?.length ? { merged: event.job.item.merged.length } : {}),
    origin: event.job.origin,
  };
  switch (event.type) {
    case "started":
      log.info({ ...fields, attempt: event.attempt }, `job started (attempt ${event.attempt})`);
      return;
    case "finished": {
      const { outcome } = event;
      log.info(
        {
          ...fields,
          event: "job-finished",
          result: outcome.result,
          durationMs: event.durationMs,
          tokens: outcome.tokens,
          costUsd: outcome.costUsd,
          ...(outcome.pullRequestUrl ? { pullRequest: outcome.pullRequestUrl } : {}),
        },
        `job finished: ${outcome.result} in ${(event.durationMs / 1000).toFixed(1)}s, ${outcome.tokens} tokens ($${outcome.costUsd.toFixed(4)}) — ${outcome.message}`,
      );
      return;
    }
    case "failed":
      log[event.willRetry ? "warn" : "error"](
        { ...fields, event: "job-failed", result: "error", durationMs: event.durationMs, willRetry: event.willRetry },
        `job failed${event.willRetry ? " (will retry)" : " (not retried; kept as failed)"}: ${describeError(event.error)}`,
      );
      return;
    case "cancelled":
      log.info({ ...fields, event: "job-finished", result: "cancelled", durationMs: 0, tokens: 0, costUsd: 0 }, "job cancelled before it started");
      return;
  }
}
