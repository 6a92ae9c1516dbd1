import { Queue, type Job, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "probot";
import { describeError } from "../core/errors.js";
import { jobKey, type CodegenJob, type JobOutcome } from "./job.js";
import { foldInto, isRepeatable, placeRepeatable } from "./job-merge.js";
import { QueueUnavailableError, type CancelResult, type EnqueueResult, type JobCounts, type JobQueue } from "./job-queue.js";
import { producerConnection, redisAnswers } from "./redis-connection.js";
import type { RetryPolicy } from "./retry-policy.js";
import { RedisLabelCache, type TriggerLabelCache } from "./trigger-label-cache.js";

/**
 * The scale-out queue, producer side (the webhook server): jobs go to BullMQ on Redis and `codegen-crew
 * worker` processes run them. Deduplication lives in Redis, so it holds across any number of webhook
 * servers: the job id is the delivery id (a redelivery finds its job). Each issue (with its PR) has two
 * BullMQ deduplication ids: the key itself for its current job, and `<key>:next` for one job waiting behind
 * it (reviews and instructions are merged into that one while it waits). Workers run one job per key at a
 * time (bullmq-worker.ts holds a per-key lock in Redis), so the waiting job starts when the current one ends.
 *
 * Fairness across repositories with plain BullMQ (no groups): a job's priority is its place in its
 * repository's line when it is added (1 for a repository with nothing queued or running, 2 for the next, …),
 * so workers take the first job of every repository before the second of any. The line is a Redis set per
 * repository (`backlogKey`) that a job leaves when it is done for good (bullmq-worker.ts) or cancelled.
 */
export const DEFAULT_QUEUE_NAME = "codegen-crew";
export const JOB_NAME = "issue";

export interface BullQueueOptions {
  redisUrl: string;
  queueName?: string;
  retry: RetryPolicy;
  log: Logger;
  /** Called when Redis answers again after an outage (the app reconciles then: deliveries refused meanwhile). */
  onRecovered?: () => void;
  /** Finished jobs are kept this long: completed ones answer "duplicate delivery", failed ones are the dead letters. */
  keepCompletedSeconds?: number;
  keepFailedSeconds?: number;
}

/** BullMQ's largest priority; a line longer than that shares the last place. */
const MAX_PRIORITY = 2 ** 21;

/** A forgotten member (a job removed by hand) must not hold its repository's place forever. */
const BACKLOG_TTL_SECONDS = 7 * 24 * 3600;

/** The jobs of one repository that are queued or running (their count is the next job's priority). */
export function backlogKey(queueName: string, job: { owner: string; repo: string }): string {
  return `codegen-crew:${queueName}:backlog:${job.owner}/${job.repo}`.toLowerCase();
}

/** Where a webhook server asks the worker running a job to stop (workers poll it). */
export function cancelKey(queueName: string, jobId: string): string {
  return `codegen-crew:${queueName}:cancel:${jobId}`;
}

export class BullJobQueue implements JobQueue {
  readonly mode = "redis" as const;
  private readonly redis: Redis;
  private readonly queue: Queue<CodegenJob>;
  private readonly name: string;
  private closing = false;
  private reportedDown = false;

  constructor(private readonly options: BullQueueOptions) {
    this.name = options.queueName ?? DEFAULT_QUEUE_NAME;
    this.redis = producerConnection(options.redisUrl);
    this.queue = new Queue<CodegenJob>(this.name, { connection: this.redis });
    // Without a listener an 'error' event would throw. The outage itself is logged once, from the connection.
    this.queue.on("error", () => undefined);
    this.redis.on("close", () => {
      if (this.reportedDown || this.closing) return;
      this.reportedDown = true;
      options.log.error("lost the connection to Redis (the job queue); webhooks answer 503 until it is back");
    });
    this.redis.on("ready", () => {
      if (!this.reportedDown) return;
      this.reportedDown = false;
      options.log.info("Redis for the job queue is reachable again");
      options.onRecovered?.();
    });
  }

  /** Resolves when Redis answers, or after `timeoutMs` (then webhooks get 503 until it does). */
  async waitUntilReachable(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (await redisAnswers(this.redis)) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  async enqueue(job: CodegenJob): Promise<EnqueueResult> {
    const jobId = safeJobId(job.deliveryId);
    const key = jobKey(job);
    return this.guard(async () => {
      if (await this.queue.getJob(jobId)) return { status: "duplicate-delivery", jobId };
      const current = await this.jobFor(key);
      if (!current) return this.add(job, jobId, key);
      const next = await this.jobFor(nextKey(key));
      if (isRepeatable(job.item)) return this.enqueueRepeatable(job, jobId, key, current, next);
      // A job that has not started takes the trigger in (its data is replaced while it waits).
      for (const waiting of next ? [next] : [current]) {
        const folded = (await notStarted(waiting)) ? foldInto(waiting.data.item, job.item) : undefined;
        if (!folded) continue;
        await waiting.updateData({ ...waiting.data, item: folded });
        return { status: "merged", jobId: waiting.id ?? "unknown" };
      }
      if (next || (await notStarted(current))) return { status: "already-active", jobId: (next ?? current).id ?? "unknown" };
      const added = await this.add(job, jobId, nextKey(key));
      return added.status === "queued" ? { ...added, behind: current.id ?? "unknown" } : added;
    });
  }

  /** The trigger labels the workers read, shared through this queue's Redis. */
  labelCache(): TriggerLabelCache {
    return new RedisLabelCache(this.redis, this.name);
  }

  /**
   * A label, dispatch or reconcile trigger for a key that has a job: dropped when a job of the key covers it,
   * else (a label the key's label jobs do not name yet) joined to the label job that waits, or queued behind.
   */
  private async enqueueRepeatable(job: CodegenJob, jobId: string, key: string, current: Job<CodegenJob>, next: Job<CodegenJob> | undefined): Promise<EnqueueResult> {
    const currentId = current.id ?? "unknown";
    const waiting = next ?? ((await notStarted(current)) ? current : undefined);
    const place = placeRepeatable([current.data, ...(next ? [next.data] : [])], waiting?.data, job);
    if (place.kind === "covered") return { status: "already-active", jobId: currentId };
    if (place.kind === "join") {
      await waiting!.updateData(place.job);
      return { status: "merged", jobId: waiting!.id ?? "unknown" };
    }
    const added = await this.add(job, jobId, nextKey(key));
    return added.status === "queued" ? { ...added, behind: currentId } : added;
  }

  async cancel(key: string, reason: string): Promise<CancelResult> {
    return this.guard(async () => {
      const next = await this.jobFor(nextKey(key));
      if (next) await this.cancelJob(next, reason);
      const current = await this.jobFor(key);
      return current ? this.cancelJob(current, reason) : { status: "none" };
    });
  }

  async activeJob(key: string): Promise<string | undefined> {
    return this.guard(async () => (await this.queue.getDeduplicationJobId(key)) ?? undefined);
  }

  /** The job holding a deduplication id, if it still exists. */
  private async jobFor(deduplicationId: string): Promise<Job<CodegenJob> | undefined> {
    const id = await this.queue.getDeduplicationJobId(deduplicationId);
    return (id && (await this.queue.getJob(id))) || undefined;
  }

  private async add(job: CodegenJob, jobId: string, deduplicationId: string): Promise<EnqueueResult> {
    const backlog = backlogKey(this.name, job);
    const [, place] = await this.redis.multi().sadd(backlog, jobId).scard(backlog).expire(backlog, BACKLOG_TTL_SECONDS).exec().then(results);
    const priority = Math.min(Math.max(1, Number(place)), MAX_PRIORITY);
    const added = await this.queue.add(JOB_NAME, job, { ...this.jobOptions(), jobId, priority, deduplication: { id: deduplicationId } });
    // BullMQ answers with the job that holds the deduplication id when it did not add ours.
    if (added.id === jobId) return { status: "queued", jobId };
    await this.redis.srem(backlog, jobId);
    return { status: "already-active", jobId: added.id ?? "unknown" };
  }

  private async cancelJob(job: Job<CodegenJob, JobOutcome>, reason: string): Promise<CancelResult> {
    const jobId = job.id ?? "unknown";
    if (await isWaiting(job)) {
      try {
        await job.remove();
        await job.removeDeduplicationKey();
        await this.redis.srem(backlogKey(this.name, job.data), jobId);
        return { status: "removed", jobId };
      } catch {
        // A worker took it meanwhile (it is locked): signal it like a running one.
      }
    }
    if ((await job.getState()) !== "active") return { status: "none" };
    await this.redis.set(cancelKey(this.name, jobId), reason, "EX", 24 * 3600);
    return { status: "signalled", jobId };
  }

  async ready(): Promise<boolean> {
    return !this.closing && (await redisAnswers(this.redis));
  }

  async counts(): Promise<JobCounts> {
    const counts = await this.guard(() => this.queue.getJobCounts("waiting", "delayed", "prioritized", "active", "completed", "failed"));
    return {
      queued: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0),
      running: counts.active ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  /** The producer holds no running jobs: closing only stops taking new ones. */
  async close(): Promise<void> {
    this.closing = true;
    await this.queue.close().catch(() => undefined);
    this.redis.disconnect();
  }

  private jobOptions(): JobsOptions {
    return {
      attempts: this.options.retry.attempts,
      backoff: { type: "exponential", delay: this.options.retry.backoffMs },
      removeOnComplete: { age: this.options.keepCompletedSeconds ?? 7 * 24 * 3600 },
      removeOnFail: { age: this.options.keepFailedSeconds ?? 30 * 24 * 3600 },
    };
  }

  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closing) throw new QueueUnavailableError("the job queue is shutting down");
    if (this.redis.status !== "ready") throw new QueueUnavailableError(`Redis is not reachable (connection ${this.redis.status})`);
    try {
      return await operation();
    } catch (error) {
      throw new QueueUnavailableError(`the job queue (Redis) failed: ${describeError(error)}`, {}, { cause: error });
    }
  }
}

/** The replies of a MULTI, or its first error. */
function results(replies: Array<[Error | null, unknown]> | null): unknown[] {
  if (!replies) throw new Error("the Redis transaction was aborted");
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

/** The deduplication id of the job waiting behind the key's current one. */
export function nextKey(key: string): string {
  return `${key}:next`;
}

/** Not started yet: waiting, delayed (for a retry, or behind its key's lock) or prioritized. */
async function isWaiting(job: Job): Promise<boolean> {
  const state = await job.getState();
  return state === "waiting" || state === "delayed" || state === "prioritized";
}

/** Waiting and never attempted: a job delayed for a retry has run once, and is not merged into. */
async function notStarted(job: Job): Promise<boolean> {
  return job.attemptsMade === 0 && (await isWaiting(job));
}

/** BullMQ job ids must not contain ":" (its key separator) nor look like integers. */
export function safeJobId(deliveryId: string): string {
  const cleaned = deliveryId.replace(/[^A-Za-z0-9._-]/g, "_");
  return /^\d+$/.test(cleaned) ? `delivery-${cleaned}` : cleaned;
}
