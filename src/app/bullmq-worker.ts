import { DelayedError, UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "probot";
import { CancelledError, describeError } from "../core/errors.js";
import { backlogKey, cancelKey, DEFAULT_QUEUE_NAME } from "./bullmq-queue.js";
import { jobKey, type CodegenJob, type JobOutcome } from "./job.js";
import type { JobProcessor } from "./job-queue.js";
import { QueueEvents } from "./queue-events.js";
import { workerConnection } from "./redis-connection.js";
import { isTransient } from "./retry-policy.js";

/**
 * The scale-out queue, worker side (`codegen-crew worker`): takes jobs from BullMQ, at most `concurrency`
 * at a time in this process. Transient failures are thrown back to BullMQ, which retries them with
 * exponential backoff; permanent ones become UnrecoverableError and go straight to the failed set (the
 * dead letters, kept for operators). A cancel asked for by a webhook server (label removed) arrives as a
 * Redis key this worker polls while the job runs. One job per issue (and its PR) runs at a time across all
 * workers: a job holds its key's lock in Redis while it runs, and a job whose key is busy goes back to the
 * delayed set until the lock is free (a review queued behind a running job starts when that job ends).
 */
export interface BullWorkerOptions {
  redisUrl: string;
  queueName?: string;
  concurrency: number;
  processor: JobProcessor;
  log: Logger;
  /** How often a running job checks for a cancel request (and renews its key's lock). Default 1000 ms. */
  cancelPollMs?: number;
  /** How long a job whose key is busy waits before it asks again. Default 2000 ms. */
  busyKeyDelayMs?: number;
}

/** A crashed worker's lock expires after this long without renewal; BullMQ hands its job to another worker. */
const KEY_LOCK_TTL_MS = 60_000;

export function keyLockKey(queueName: string, key: string): string {
  return `codegen-crew:${queueName}:running:${key}`;
}

export interface RunningWorker {
  readonly events: QueueEvents;
  /** Stops taking jobs; waits up to `deadlineMs` for running ones, then lets go of them (the process should exit). */
  close(deadlineMs: number): Promise<void>;
}

export async function startBullWorker(options: BullWorkerOptions): Promise<RunningWorker> {
  const name = options.queueName ?? DEFAULT_QUEUE_NAME;
  const connection = workerConnection(options.redisUrl);
  const events = new QueueEvents();
  const pollMs = options.cancelPollMs ?? 1_000;

  // BullMQ's own per-job signal is not linked: it fires on shutdown too, and a run stopped by shutdown must
  // stay unfinished (BullMQ re-queues it once its lock expires) rather than be recorded as cancelled.
  const process = async (job: Job<CodegenJob, JobOutcome>, token?: string): Promise<JobOutcome> => {
    const jobId = job.id ?? "unknown";
    const attempt = job.attemptsMade + 1;
    const lock = keyLockKey(name, jobKey(job.data));
    if (!(await takeLock(connection, lock, jobId))) {
      await job.moveToDelayed(Date.now() + (options.busyKeyDelayMs ?? 2_000), token);
      throw new DelayedError();
    }
    const controller = new AbortController();
    const checkCancel = async () => {
      await connection.pexpire(lock, KEY_LOCK_TTL_MS).catch(() => undefined);
      const reason = await connection.get(cancelKey(name, jobId)).catch(() => null);
      if (reason && !controller.signal.aborted) controller.abort(new CancelledError(reason));
    };
    await checkCancel();
    const poll = setInterval(() => void checkCancel(), pollMs);
    const started = Date.now();
    // Done for good, the job leaves its repository's line (bullmq-queue.ts): the repository's later jobs move up.
    const leaveLine = () => connection.srem(backlogKey(name, job.data), jobId).catch(() => undefined);
    events.emit({ type: "started", jobId, job: job.data, attempt });
    try {
      const outcome = await options.processor(job.data, {
        jobId,
        attempt,
        signal: controller.signal,
        progress: (progress) => void job.updateProgress({ ...progress }).catch(() => undefined),
      });
      events.emit({ type: "finished", jobId, job: job.data, outcome, durationMs: Date.now() - started });
      await leaveLine();
      return outcome;
    } catch (error) {
      const transient = isTransient(error) && !controller.signal.aborted;
      const willRetry = transient && attempt < (job.opts.attempts ?? 1);
      events.emit({ type: "failed", jobId, job: job.data, error, willRetry, durationMs: Date.now() - started });
      if (!willRetry) await leaveLine();
      if (!transient) throw new UnrecoverableError(describeError(error));
      throw error;
    } finally {
      clearInterval(poll);
      await connection.del(cancelKey(name, jobId)).catch(() => undefined);
      await releaseLock(connection, lock, jobId).catch(() => undefined);
    }
  };

  const worker = new Worker<CodegenJob, JobOutcome>(name, process, { connection, concurrency: options.concurrency, autorun: false });
  let reportedDown = false;
  worker.on("error", (error) => {
    if (reportedDown) return;
    reportedDown = true;
    options.log.error(`worker: Redis error: ${describeError(error)}; retrying the connection`);
  });
  connection.on("ready", () => {
    reportedDown = false;
  });
  void worker.run().catch((error: unknown) => options.log.error({ err: error }, `worker stopped: ${describeError(error)}`));
  await worker.waitUntilReady();
  options.log.info({ queue: name, concurrency: options.concurrency }, `worker ready: queue "${name}", concurrency ${options.concurrency}`);

  return {
    events,
    async close(deadlineMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"deadline">((resolve) => {
        timer = setTimeout(() => resolve("deadline"), deadlineMs);
      });
      const closed = await Promise.race([worker.close().then(() => "closed" as const), deadline]);
      clearTimeout(timer);
      if (closed === "deadline") {
        options.log.warn(`worker: running jobs did not finish within ${deadlineMs} ms; BullMQ hands them to another worker once their lock expires`);
      }
      connection.disconnect();
    },
  };
}

/** The key's lock for this job: newly taken, or already its own (a retry of a job whose worker died). */
async function takeLock(connection: Redis, lock: string, jobId: string): Promise<boolean> {
  if ((await connection.set(lock, jobId, "PX", KEY_LOCK_TTL_MS, "NX")) === "OK") return true;
  return (await connection.get(lock)) === jobId;
}

/** Deletes the lock only if this job still holds it (compare and delete in one step). */
async function releaseLock(connection: Redis, lock: string, jobId: string): Promise<void> {
  await connection.eval('if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0', 1, lock, jobId);
}
