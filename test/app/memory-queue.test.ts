import { describe, expect, it } from "vitest";
import type { CodegenJob, JobOutcome } from "../../src/app/job.js";
import { PermanentJobError, type JobProcessor } from "../../src/app/job-queue.js";
import { MemoryJobQueue } from "../../src/app/memory-queue.js";
import type { QueueEvent } from "../../src/app/queue-events.js";
import { ForgeError } from "../../src/core/forge/forge-client.js";
import type { WorkItem } from "../../src/core/work/work-item.js";
import { waitFor } from "./app-fixture.js";

const ok: JobOutcome = { result: "ready", message: "done", tokens: 1, costUsd: 0 };
let deliveries = 0;
const job = (issue: number, repo = "widgets", item: WorkItem = { kind: "issue", issue, trigger: { type: "label", sender: "alice" } }): CodegenJob => ({
  deliveryId: `d-${++deliveries}`,
  installationId: 1,
  owner: "acme",
  repo,
  item,
  origin: "webhook",
});
const review = (reviewId: number): WorkItem => ({
  kind: "revision",
  issue: 4,
  pr: 9,
  trigger: { type: "review", sender: "alice", reviewId, url: `https://example.test/pull/9#pullrequestreview-${reviewId}` },
});
const command = (instruction: string): WorkItem => ({
  kind: "revision",
  issue: 4,
  pr: 9,
  trigger: { type: "command", sender: "alice", commentId: instruction.length, instruction, url: "https://example.test/pull/9" },
});

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
      order.push(codegenJob.item.issue);
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

  it("lets repositories take turns: the first jobs of two other repositories start before a busy one's backlog of 6", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const { queue, events } = queueWith(async (codegenJob) => {
      order.push(`${codegenJob.repo}#${codegenJob.item.issue}`);
      await gate;
      return ok;
    }, 1);
    for (let n = 1; n <= 6; n++) await queue.enqueue(job(n, "busy"));
    await queue.enqueue(job(1, "quiet"));
    await queue.enqueue(job(1, "calm"));
    release();
    await waitFor("all jobs", () => settled(events) === 8);
    expect(order).toEqual(["busy#1", "quiet#1", "calm#1", "busy#2", "busy#3", "busy#4", "busy#5", "busy#6"]);
  });

  // The app's queue shares its event loop with the webhook server: a burst is enqueued (and answered) before
  // any of its jobs starts, and the fair order then sees the whole burst.
  it("with a start delay, starts a burst's jobs once enqueues pause, fairly across repositories", async () => {
    const order: string[] = [];
    const queue = new MemoryJobQueue({
      concurrency: 2,
      retry: { attempts: 1, backoffMs: 20 },
      startAfterQuiet: { quietMs: 20, maxMs: 1_000 },
      processor: async (codegenJob) => {
        order.push(`${codegenJob.repo}#${codegenJob.item.issue}`);
        return ok;
      },
    });
    const events: QueueEvent[] = [];
    queue.events.subscribe((event) => events.push(event));
    for (let n = 1; n <= 3; n++) await queue.enqueue(job(n, "busy"));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await queue.enqueue(job(1, "quiet"));
    expect(order).toEqual([]);
    expect(await queue.counts()).toMatchObject({ queued: 4, running: 0 });
    await waitFor("all jobs", () => settled(events) === 4);
    // Started together, the quiet repository's job takes the second slot instead of waiting behind busy's.
    expect(order.slice(0, 2)).toEqual(["busy#1", "quiet#1"]);
  });

  it("with several slots, a repository with fewer jobs running goes first", async () => {
    const gates = new Map<string, () => void>();
    const order: string[] = [];
    const { queue, events } = queueWith(async (codegenJob) => {
      const name = `${codegenJob.repo}#${codegenJob.item.issue}`;
      order.push(name);
      await new Promise<void>((resolve) => gates.set(name, resolve));
      return ok;
    }, 2);
    for (let n = 1; n <= 4; n++) await queue.enqueue(job(n, "busy"));
    await queue.enqueue(job(1, "quiet"));
    expect(order).toEqual(["busy#1", "busy#2"]);
    // busy still runs one job when a slot frees, quiet none: quiet's job is next.
    gates.get("busy#1")!();
    await waitFor("the next job", () => order.length === 3);
    expect(order[2]).toBe("quiet#1");
    for (const name of ["busy#2", "quiet#1"]) gates.get(name)!();
    await waitFor("the rest", () => order.length === 5);
    for (const name of ["busy#3", "busy#4"]) gates.get(name)!();
    await waitFor("all jobs", () => settled(events) === 5);
  });

  it("a label the issue's job does not name yet gets its own chance: joined to the job that waits, or queued behind the running one", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ran: Array<string[] | undefined> = [];
    const { queue, events } = queueWith(async (codegenJob) => {
      ran.push(codegenJob.labels);
      await gate;
      return ok;
    }, 1);
    const withLabel = (issue: number, label: string): CodegenJob => ({ ...job(issue), labels: [label] });
    // Issue 1 occupies the only slot; issue 2 is opened with two labels (two deliveries) while it waits.
    await queue.enqueue(withLabel(1, "bug"));
    const first = await queue.enqueue(withLabel(2, "bug"));
    const second = await queue.enqueue(withLabel(2, "codegen"));
    const repeated = await queue.enqueue(withLabel(2, "CODEGEN"));
    expect(second).toEqual({ status: "merged", jobId: first.jobId });
    expect(repeated).toEqual({ status: "already-active", jobId: first.jobId });
    // Issue 1's job runs under "bug", which may not be the trigger: "codegen" waits behind it rather than being dropped.
    const behind = await queue.enqueue(withLabel(1, "codegen"));
    expect(behind).toMatchObject({ status: "queued", behind: expect.any(String) });
    release();
    await waitFor("all jobs", () => settled(events) === 3);
    expect(ran).toEqual([["bug"], ["bug", "codegen"], ["codegen"]]);
  });

  it("retries transient failures with backoff and gives up at once on permanent ones", async () => {
    const attempts: Array<[number, number]> = [];
    const { queue, events } = queueWith(async (codegenJob, context) => {
      attempts.push([codegenJob.item.issue, context.attempt]);
      if (codegenJob.item.issue === 1 && context.attempt < 3) throw new ForgeError("GET issue #1", "Service Unavailable", 503);
      if (codegenJob.item.issue === 2) throw new PermanentJobError("no access");
      if (codegenJob.item.issue === 3) throw new ForgeError("GET issue #3", "Not Found", 404);
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
      started.push(codegenJob.item.issue);
      if (codegenJob.item.issue === 1) await gate;
      return ok;
    }, 1);
    await queue.enqueue(job(1));
    await queue.enqueue(job(2));

    setTimeout(release, 100);
    await queue.close(5_000);
    expect(events.filter((event) => event.type === "finished").map((event) => event.job.item.issue)).toEqual([1]);
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

  it("queues a review behind the running job of its issue, merges the reviews and instructions that wait, and drops a repeated label", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ran: WorkItem[] = [];
    const { queue, events } = queueWith(async (codegenJob) => {
      ran.push(codegenJob.item);
      if (ran.length === 1) await gate;
      return ok;
    });
    const first = await queue.enqueue(job(4));
    await waitFor("the first job to start", () => ran.length === 1);

    const behind = await queue.enqueue(job(4, "widgets", review(1)));
    const merged = [await queue.enqueue(job(4, "widgets", review(2))), await queue.enqueue(job(4, "widgets", command("also test empty strings")))];
    const relabel = await queue.enqueue(job(4));
    const retry = await queue.enqueue(job(4, "widgets", { kind: "revision", issue: 4, pr: 9, trigger: { type: "retry", sender: "alice", commentId: 3, url: "u" } }));

    expect(first.status).toBe("queued");
    expect(behind).toEqual({ status: "queued", jobId: expect.any(String), behind: first.jobId });
    expect(merged).toEqual([
      { status: "merged", jobId: behind.jobId },
      { status: "merged", jobId: behind.jobId },
    ]);
    expect(relabel).toEqual({ status: "already-active", jobId: first.jobId });
    expect(retry).toEqual({ status: "already-active", jobId: behind.jobId });
    expect(await queue.counts()).toMatchObject({ running: 1, queued: 1 });
    // The other issue is not held up by issue 4's queue.
    await queue.enqueue(job(5));
    await waitFor("issue 5", () => ran.some((item) => item.issue === 5));

    release();
    await waitFor("both jobs of issue 4", () => events.filter((event) => event.type === "finished" && event.job.item.issue === 4).length === 2);
    const revision = ran.filter((item) => item.issue === 4)[1]!;
    expect(revision).toEqual({ ...review(1), merged: [review(2).trigger, command("also test empty strings").trigger] });
    expect(events.filter((event) => event.type === "started" && event.job.item.issue === 4).map((event) => event.job.item.trigger.type)).toEqual(["label", "review"]);
  });

  it("a review folds into a queued issue run that has not started, which becomes a revision of the PR", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ran: WorkItem[] = [];
    const { queue, events } = queueWith(async (codegenJob) => {
      ran.push(codegenJob.item);
      if (codegenJob.item.issue === 1) await gate;
      return ok;
    }, 1);
    await queue.enqueue(job(1));
    const labelled = await queue.enqueue(job(4));
    expect(await queue.enqueue(job(4, "widgets", review(7)))).toEqual({ status: "merged", jobId: labelled.jobId });
    release();
    await waitFor("both jobs", () => settled(events) === 2);
    expect(ran[1]).toEqual({ kind: "revision", issue: 4, pr: 9, trigger: { type: "label", sender: "alice" }, merged: [review(7).trigger] });
  });

  it("cancel removes the job waiting behind and signals the running one", async () => {
    const { queue, events } = queueWith(
      (_job, context) => new Promise<JobOutcome>((resolve) => context.signal.addEventListener("abort", () => resolve({ ...ok, result: "cancelled" }))),
    );
    const running = await queue.enqueue(job(4));
    await waitFor("the job to start", () => events.some((event) => event.type === "started"));
    const waiting = await queue.enqueue(job(4, "widgets", review(1)));
    expect(await queue.cancel("acme/widgets#4", "stopped by @alice")).toEqual({ status: "signalled", jobId: running.jobId });
    expect(events.filter((event) => event.type === "cancelled").map((event) => event.jobId)).toEqual([waiting.jobId]);
    await waitFor("the running job to end", () => settled(events) === 1);
    expect(await queue.activeJob("acme/widgets#4")).toBeUndefined();
    expect(events.filter((event) => event.type === "started")).toHaveLength(1);
  });
});
