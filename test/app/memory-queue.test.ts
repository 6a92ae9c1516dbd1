import { describe, expect, it } from "vitest";
import type { CodegenJob, JobOutcome } from "../../src/app/job.js";
import { PermanentJobError, type JobProcessor } from "../../src/app/job-queue.js";
import { MemoryJobQueue } from "../../src/app/memory-queue.js";
import type { QueueEvent } from "../../src/app/queue-events.js";
import { ForgeError } from "../../src/core/forge/forge-client.js";
import { waitFor } from "./app-fixture.js";

const ok: JobOutcome = { result: "ready", message: "done", tokens: 1, costUsd: 0 };
let deliveries = 0;
const job = (issueNumber: number, repo = "widgets"): CodegenJob => ({ deliveryId: `d-${++deliveries}`, installationId: 1, owner: "acme", repo, issueNumber, sender: "alice", origin: "webhook" });

function queueWith(processor: JobProcessor, concurrency = 2, attempts = 3) {
  const queue = new MemoryJobQueue({ concurrency, processor, retry: { attempts, backoffMs: 20 } });
  const events: QueueEvent[] = [];
  queue.events.subscribe((event) => events.push(event));
  return { queue, events };
}

const settled = (events: QueueEvent[]) => events.filter((event) => event.type === "finished" || (event.type === "failed" && !event.willRetry)).length;

describe("the in-process job queue", () => {
  it("runs at most `concurrency` jobs at once, first in first out", async () => {
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const { queue, events } = queueWith(async (codegenJob) => {
      most = Math.max(most, ++running);
      order.push(codegenJob.issueNumber);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      return ok;
    });
    for (let n = 1; n <= 7; n++) await queue.enqueue(job(n));
    await waitFor("all jobs", () => settled(events) === 7);
    expect(most).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await queue.counts()).toEqual({ queued: 0, running: 0, completed: 7, failed: 0 });
  });

  it("retries transient failures with backoff and gives up at once on permanent ones", async () => {
    const attempts: Array<[number, number]> = [];
    const { queue, events } = queueWith(async (codegenJob, context) => {
      attempts.push([codegenJob.issueNumber, context.attempt]);
      if (codegenJob.issueNumber === 1 && context.attempt < 3) throw new ForgeError("GET issue #1", "Service Unavailable", 503);
      if (codegenJob.issueNumber === 2) throw new PermanentJobError("no access");
      if (codegenJob.issueNumber === 3) throw new ForgeError("GET issue #3", "Not Found", 404);
      return ok;
    });
    for (const n of [1, 2, 3]) await queue.enqueue(job(n));
    await waitFor("all jobs", () => settled(events) === 3);
    expect(attempts.filter(([n]) => n === 1).map(([, attempt]) => attempt)).toEqual([1, 2, 3]);
    expect(attempts.filter(([n]) => n !== 1)).toEqual([
      [2, 1],
      [3, 1],
    ]);
    expect(await queue.counts()).toEqual({ queued: 0, running: 0, completed: 1, failed: 2 });
    // Settled jobs free their issue for the next label.
    expect(await queue.activeJob("acme/widgets#1")).toBeUndefined();
  });

  it("on close stops taking jobs, waits for running ones up to the deadline, and drops the queued ones", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: number[] = [];
    const { queue, events } = queueWith(async (codegenJob) => {
      started.push(codegenJob.issueNumber);
      if (codegenJob.issueNumber === 1) await gate;
      return ok;
    }, 1);
    await queue.enqueue(job(1));
    await queue.enqueue(job(2));

    setTimeout(release, 100);
    await queue.close(5_000);
    expect(events.filter((event) => event.type === "finished").map((event) => event.job.issueNumber)).toEqual([1]);
    expect(started).toEqual([1]);
    expect(await queue.ready()).toBe(false);
    await expect(queue.enqueue(job(3))).rejects.toMatchObject({ status: 503 });

    // A job that outlives the deadline is left running: close() returns at the deadline.
    const stuck = queueWith(() => new Promise<JobOutcome>(() => undefined), 1);
    await stuck.queue.enqueue(job(9));
    const before = Date.now();
    await stuck.queue.close(150);
    expect(Date.now() - before).toBeLessThan(5_000);
    expect((await stuck.queue.counts()).running).toBe(1);
  });
});
