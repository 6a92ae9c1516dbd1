import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BullJobQueue } from "../../src/app/bullmq-queue.js";
import { startBullWorker, type RunningWorker } from "../../src/app/bullmq-worker.js";
import { jobKey, type CodegenJob, type JobOutcome } from "../../src/app/job.js";
import { PermanentJobError, QueueUnavailableError, type JobProcessor } from "../../src/app/job-queue.js";
import type { QueueEvent } from "../../src/app/queue-events.js";
import { ForgeError } from "../../src/core/forge/forge-client.js";
import type { WorkItem } from "../../src/core/work/work-item.js";
import { captureLog, waitFor } from "./app-fixture.js";
import { HAS_REDIS, startRedis, type RedisServer } from "./redis-server.js";

let redis: RedisServer;
const open: Array<{ close(deadlineMs: number): Promise<void> }> = [];
const inspectors: Queue[] = [];

beforeAll(async () => {
  if (HAS_REDIS) redis = await startRedis();
});
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close(2_000);
  for (const queue of inspectors.splice(0)) await queue.close();
});
afterAll(async () => {
  await redis?.stop();
});

const { log } = captureLog();
const ok: JobOutcome = { result: "ready", message: "done", tokens: 10, costUsd: 0 };

function job(
  issue: number,
  deliveryId: string = randomUUID(),
  repo = "widgets",
  item: WorkItem = { kind: "issue", issue, trigger: { type: "label", sender: "alice" } },
): CodegenJob {
  return { deliveryId, installationId: 1, owner: "acme", repo, item, origin: "webhook" };
}

const review = (issue: number, reviewId: number): WorkItem => ({
  kind: "revision",
  issue,
  pr: 90 + issue,
  trigger: { type: "review", sender: "alice", reviewId, url: `https://example.test/pull/${90 + issue}#pullrequestreview-${reviewId}` },
});

function setup(processor: JobProcessor, options: { concurrency?: number; attempts?: number } = {}) {
  const name = `test-${randomUUID()}`;
  const queue = new BullJobQueue({ redisUrl: redis.url, queueName: name, retry: { attempts: options.attempts ?? 3, backoffMs: 50 }, log });
  open.push(queue);
  const inspector = new Queue(name, { connection: { host: "127.0.0.1", port: redis.port } });
  inspectors.push(inspector);
  const events: QueueEvent[] = [];
  const worker = startBullWorker({ redisUrl: redis.url, queueName: name, concurrency: options.concurrency ?? 1, processor, log, cancelPollMs: 50, busyKeyDelayMs: 50 }).then(
    (started: RunningWorker) => {
      open.push(started);
      started.events.subscribe((event) => events.push(event));
      return started;
    },
  );
  return { queue, inspector, events, worker };
}

describe.skipIf(!HAS_REDIS)("the BullMQ queue (REDIS_URL) against a real redis-server", () => {
  it("keeps one job per delivery and per issue until it finishes; a later label makes a new one", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { queue, events, worker } = setup(async () => {
      await gate;
      return ok;
    });
    await queue.waitUntilReachable(5_000);
    const first = job(7, "delivery-a");

    expect(await queue.enqueue(first)).toEqual({ status: "queued", jobId: "delivery-a" });
    expect(await queue.enqueue(first)).toEqual({ status: "duplicate-delivery", jobId: "delivery-a" });
    expect(await queue.enqueue(job(7, "delivery-b"))).toEqual({ status: "already-active", jobId: "delivery-a" });
    expect(await queue.enqueue(job(8, "delivery-c"))).toMatchObject({ status: "queued" });
    expect(await queue.activeJob(jobKey(first))).toBe("delivery-a");

    await worker;
    release();
    await waitFor("both jobs to finish", () => events.filter((event) => event.type === "finished").length === 2, 10_000);
    expect(await queue.activeJob(jobKey(first))).toBeUndefined();
    expect(await queue.enqueue(job(7, "delivery-d"))).toEqual({ status: "queued", jobId: "delivery-d" });
    expect(await queue.enqueue(first)).toEqual({ status: "duplicate-delivery", jobId: "delivery-a" });
  });

  it("lets repositories take turns: the first jobs of two other repositories start before a busy one's backlog of 6", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const { queue, events, worker } = setup(async (codegenJob) => {
      order.push(`${codegenJob.repo}#${codegenJob.item.issue}`);
      await gate;
      return ok;
    });
    await queue.waitUntilReachable(5_000);
    await worker;
    for (let n = 1; n <= 6; n++) await queue.enqueue(job(n, randomUUID(), "busy"));
    await waitFor("the first job", () => order.length === 1, 5_000);
    await queue.enqueue(job(1, randomUUID(), "quiet"));
    await queue.enqueue(job(1, randomUUID(), "calm"));
    release();
    await waitFor("all jobs", () => events.filter((event) => event.type === "finished").length === 8, 15_000);
    expect(order).toEqual(["busy#1", "quiet#1", "calm#1", "busy#2", "busy#3", "busy#4", "busy#5", "busy#6"]);
  });

  it("retries a transient failure with backoff, reports progress, and keeps a permanent failure as a dead letter without retrying", async () => {
    const attempts = new Map<number, number>();
    const { queue, inspector, events } = setup(async (codegenJob, context) => {
      attempts.set(codegenJob.item.issue, context.attempt);
      if (codegenJob.item.issue === 1 && context.attempt === 1) throw new ForgeError("GET repository", "Bad Gateway", 502);
      if (codegenJob.item.issue === 2) throw new PermanentJobError("the app's installation 1 cannot access acme/widgets (HTTP 404)");
      context.progress({ phase: "architect", calls: 1, tokens: 42 });
      return ok;
    });
    await queue.waitUntilReachable(5_000);
    const transient = await queue.enqueue(job(1));
    const permanent = await queue.enqueue(job(2));

    await waitFor("both jobs to settle", async () => (await queue.counts()).completed === 1 && (await queue.counts()).failed === 1, 10_000);
    expect(attempts.get(1)).toBe(2);
    const retried = await inspector.getJob(transient.jobId);
    expect(retried?.attemptsMade).toBe(2);
    expect(retried?.progress).toEqual({ phase: "architect", calls: 1, tokens: 42 });
    expect(retried?.returnvalue).toEqual(ok);

    const [dead] = await inspector.getFailed();
    expect(dead?.id).toBe(permanent.jobId);
    expect(dead?.attemptsMade).toBe(1);
    expect(dead?.failedReason).toMatch(/cannot access acme\/widgets/);
    expect(events.filter((event) => event.type === "failed").map((event) => [event.job.item.issue, event.type === "failed" && event.willRetry])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(await queue.activeJob(jobKey(job(2)))).toBeUndefined();
  });

  it("cancels a waiting job by removing it and a running one through its AbortSignal", async () => {
    const reasons: string[] = [];
    const { queue, inspector, events, worker } = setup(async (_job, context) => {
      await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
      reasons.push((context.signal.reason as Error).message);
      return { ...ok, result: "cancelled" };
    });
    await queue.waitUntilReachable(5_000);
    await worker;
    const running = await queue.enqueue(job(1));
    const waiting = await queue.enqueue(job(2));
    await waitFor("the first job to run", () => events.some((event) => event.type === "started"), 5_000);

    expect(await queue.cancel(jobKey(job(2)), "label removed")).toEqual({ status: "removed", jobId: waiting.jobId });
    expect(await queue.cancel(jobKey(job(1)), "the label was removed by @alice")).toEqual({ status: "signalled", jobId: running.jobId });
    expect(await queue.cancel(jobKey(job(3)), "nothing there")).toEqual({ status: "none" });

    await waitFor("the running job to stop", () => events.some((event) => event.type === "finished"), 5_000);
    expect(reasons).toEqual(["the label was removed by @alice"]);
    expect(await inspector.getJob(waiting.jobId)).toBeUndefined();
    expect(await queue.activeJob(jobKey(job(2)))).toBeUndefined();
    expect(events.filter((event) => event.type === "started")).toHaveLength(1);
  });

  it("refuses with QueueUnavailableError (503) while Redis is down and heals when it is back", async () => {
    const { queue } = setup(async () => ok);
    await queue.waitUntilReachable(5_000);
    expect(await queue.ready()).toBe(true);

    await redis.stop();
    await waitFor("the connection to notice", async () => !(await queue.ready()), 5_000);
    const refused = await queue.enqueue(job(1)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QueueUnavailableError);
    expect((refused as QueueUnavailableError).status).toBe(503);

    await redis.start();
    expect(await queue.waitUntilReachable(10_000)).toBe(true);
    expect(await queue.enqueue(job(1))).toMatchObject({ status: "queued" });
  });

  it("queues a review behind its issue's running job even with a free worker, merges the reviews that wait, and drops a repeated label", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ran: WorkItem[] = [];
    const { queue, events, worker } = setup(
      async (codegenJob) => {
        ran.push(codegenJob.item);
        if (ran.length === 1) await gate;
        return ok;
      },
      { concurrency: 2 },
    );
    await queue.waitUntilReachable(5_000);
    await worker;
    const first = await queue.enqueue(job(4));
    await waitFor("the first job to run", () => ran.length === 1, 5_000);

    const behind = await queue.enqueue(job(4, randomUUID(), "widgets", review(4, 1)));
    const merged = await queue.enqueue(job(4, randomUUID(), "widgets", review(4, 2)));
    const relabel = await queue.enqueue(job(4));
    expect(behind).toEqual({ status: "queued", jobId: expect.any(String), behind: first.jobId });
    expect(merged).toEqual({ status: "merged", jobId: behind.jobId });
    expect(relabel).toEqual({ status: "already-active", jobId: first.jobId });
    // The second worker slot is free, yet the review waits: its issue's lock is held.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ran).toHaveLength(1);

    release();
    await waitFor("both jobs", () => events.filter((event) => event.type === "finished").length === 2, 10_000);
    expect(ran[1]).toEqual({ ...review(4, 1), merged: [review(4, 2).trigger] });
    expect(await queue.activeJob(jobKey(job(4)))).toBeUndefined();
    expect(await queue.enqueue(job(4))).toMatchObject({ status: "queued" });
  });

  it("cancel removes the job waiting behind and signals the running one", async () => {
    const { queue, inspector, events, worker } = setup(async (_job, context) => {
      await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
      return { ...ok, result: "cancelled" };
    });
    await queue.waitUntilReachable(5_000);
    await worker;
    const running = await queue.enqueue(job(4));
    await waitFor("the job to run", () => events.some((event) => event.type === "started"), 5_000);
    const waiting = await queue.enqueue(job(4, randomUUID(), "widgets", review(4, 1)));
    expect(waiting.status).toBe("queued");
    expect(await queue.cancel(jobKey(job(4)), "stopped by @alice")).toEqual({ status: "signalled", jobId: running.jobId });
    expect(await inspector.getJob(waiting.jobId)).toBeUndefined();
    await waitFor("the running job to stop", () => events.some((event) => event.type === "finished"), 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events.filter((event) => event.type === "started")).toHaveLength(1);
  });
});
