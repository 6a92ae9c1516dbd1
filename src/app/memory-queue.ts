import { randomUUID } from "node:crypto";
import { CancelledError } from "../core/errors.js";
import { jobKey, type CodegenJob, type JobProgress } from "./job.js";
import { FairQueue } from "./fair-queue.js";
import { foldInto, isRepeatable, placeRepeatable } from "./job-merge.js";
import { QueueUnavailableError, type CancelResult, type EnqueueResult, type JobCounts, type JobProcessor, type JobQueue } from "./job-queue.js";
import { QueueEvents } from "./queue-events.js";
import { backoffFor, isTransient, type RetryPolicy } from "./retry-policy.js";

/**
 * The embedded queue: jobs run in this process, at most `concurrency` at a time, taking repositories in
 * turn (fair-queue.ts) and each repository's jobs first in first out. It
 * needs no other service; what it holds is lost with the process, which is why the app reconciles with
 * GitHub on startup (a labelled issue without a finished status comment is enqueued again).
 */
export interface MemoryQueueOptions {
  concurrency: number;
  processor: JobProcessor;
  retry: RetryPolicy;
  /** How many delivery ids are remembered for deduplication. */
  rememberDeliveries?: number;
  /**
   * Jobs share the process with the webhook server: a new job starts once enqueues have paused for `quietMs`
   * (at most `maxMs` after the first one waiting), so a burst of deliveries is answered before its jobs start
   * clones and processes on the same event loop. Default: start at once.
   */
  startAfterQuiet?: { quietMs: number; maxMs: number };
}

interface Entry {
  id: string;
  key: string;
  job: CodegenJob;
  attempt: number;
  controller: AbortController;
  progress?: JobProgress;
  state: "queued" | "running" | "waiting-retry";
  retryTimer?: NodeJS.Timeout;
}

/** The jobs of one issue and its PR: the one queued or running, and at most one waiting for it to end. */
interface Slot {
  current: Entry;
  next?: Entry;
}

export class MemoryJobQueue implements JobQueue {
  readonly mode = "memory" as const;
  readonly events = new QueueEvents();
  private readonly pending = new FairQueue<Entry>();
  private readonly byKey = new Map<string, Slot>();
  private readonly running = new Set<Promise<void>>();
  private readonly runningPerRepository = new Map<string, number>();
  private readonly deliveries = new Map<string, string>();
  private readonly totals = { completed: 0, failed: 0 };
  private closing = false;
  private startTimer: { timer: NodeJS.Timeout; firstAt: number } | undefined;

  constructor(private readonly options: MemoryQueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
  }

  async enqueue(job: CodegenJob): Promise<EnqueueResult> {
    if (this.closing) throw new QueueUnavailableError("the app is shutting down; the label stays on the issue and the next start picks it up");
    const seen = this.deliveries.get(job.deliveryId);
    if (seen) return { status: "duplicate-delivery", jobId: seen };
    const key = jobKey(job);
    const slot = this.byKey.get(key);
    if (!slot) {
      const entry = this.newEntry(key, job);
      this.byKey.set(key, { current: entry });
      this.queue(entry);
      this.pumpAfterQuiet();
      return { status: "queued", jobId: entry.id };
    }
    // A job that has not started yet takes the trigger in; one that runs (or ran and waits to retry) does not.
    const waiting = slot.next ?? (slot.current.state === "queued" ? slot.current : undefined);
    if (isRepeatable(job.item)) return this.enqueueRepeatable(job, slot, waiting);
    const folded = waiting ? foldInto(waiting.job.item, job.item) : undefined;
    if (waiting && folded) {
      waiting.job = { ...waiting.job, item: folded };
      this.remember(job.deliveryId, waiting.id);
      return { status: "merged", jobId: waiting.id };
    }
    if (slot.next || slot.current.state === "queued") return { status: "already-active", jobId: (slot.next ?? slot.current).id };
    slot.next = this.newEntry(key, job);
    return { status: "queued", jobId: slot.next.id, behind: slot.current.id };
  }

  async cancel(key: string, reason: string): Promise<CancelResult> {
    const slot = this.byKey.get(key);
    if (!slot) return { status: "none" };
    if (slot.next) {
      this.events.emit({ type: "cancelled", jobId: slot.next.id, job: slot.next.job });
      slot.next = undefined;
    }
    const entry = slot.current;
    if (entry.state === "running") {
      entry.controller.abort(new CancelledError(reason));
      return { status: "signalled", jobId: entry.id };
    }
    this.pending.remove(entry);
    if (entry.retryTimer) clearTimeout(entry.retryTimer);
    this.byKey.delete(key);
    this.events.emit({ type: "cancelled", jobId: entry.id, job: entry.job });
    return { status: "removed", jobId: entry.id };
  }

  async activeJob(key: string): Promise<string | undefined> {
    return this.byKey.get(key)?.current.id;
  }

  async ready(): Promise<boolean> {
    return !this.closing;
  }

  async counts(): Promise<JobCounts> {
    const entries = this.entries();
    const running = entries.filter((entry) => entry.state === "running").length;
    return { queued: entries.length - running, running, ...this.totals };
  }

  /** The progress last reported by a running job (for operators and tests). */
  progressOf(jobId: string): JobProgress | undefined {
    return this.entries().find((entry) => entry.id === jobId)?.progress;
  }

  async close(deadlineMs: number): Promise<void> {
    this.closing = true;
    if (this.startTimer) clearTimeout(this.startTimer.timer);
    for (const entry of this.entries()) if (entry.retryTimer) clearTimeout(entry.retryTimer);
    // Queued jobs are dropped on purpose: GitHub still shows their label, so reconciliation re-creates them.
    this.pending.clear();
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.running]), deadline]);
    clearTimeout(timer);
  }

  /**
   * A label, dispatch or reconcile trigger for a key that has a job: dropped when a job of the key covers it,
   * else (a label the key's label jobs do not name yet) joined to the label job that waits, or queued behind
   * the running one.
   */
  private enqueueRepeatable(job: CodegenJob, slot: Slot, waiting: Entry | undefined): EnqueueResult {
    const existing = [slot.current, slot.next].flatMap((entry) => (entry ? [entry.job] : []));
    const place = placeRepeatable(existing, waiting?.job, job);
    if (place.kind === "covered") return { status: "already-active", jobId: slot.current.id };
    if (place.kind === "join") {
      waiting!.job = place.job;
      this.remember(job.deliveryId, waiting!.id);
      return { status: "merged", jobId: waiting!.id };
    }
    slot.next = this.newEntry(jobKey(job), job);
    return { status: "queued", jobId: slot.next.id, behind: slot.current.id };
  }

  private queue(entry: Entry): void {
    this.pending.push(repositoryOf(entry), entry);
  }

  private runningIn(repository: string): number {
    return this.runningPerRepository.get(repository) ?? 0;
  }

  private newEntry(key: string, job: CodegenJob): Entry {
    const entry: Entry = { id: randomUUID(), key, job, attempt: 1, controller: new AbortController(), state: "queued" };
    this.remember(job.deliveryId, entry.id);
    return entry;
  }

  private entries(): Entry[] {
    return [...this.byKey.values()].flatMap((slot) => (slot.next ? [slot.current, slot.next] : [slot.current]));
  }

  /** The key's current job ended for good: the one waiting behind it (if any) is queued now. */
  private release(entry: Entry): void {
    const slot = this.byKey.get(entry.key);
    if (!slot || slot.current !== entry) return;
    if (!slot.next) {
      this.byKey.delete(entry.key);
      return;
    }
    slot.current = slot.next;
    slot.next = undefined;
    if (!this.closing) this.queue(slot.current);
  }

  private remember(deliveryId: string, jobId: string): void {
    this.deliveries.set(deliveryId, jobId);
    const limit = this.options.rememberDeliveries ?? 10_000;
    // Maps iterate in insertion order: the first key is the oldest.
    while (this.deliveries.size > limit) this.deliveries.delete(this.deliveries.keys().next().value!);
  }

  private pumpAfterQuiet(): void {
    const delay = this.options.startAfterQuiet;
    if (!delay) return this.pump();
    const now = Date.now();
    const firstAt = this.startTimer?.firstAt ?? now;
    if (this.startTimer) clearTimeout(this.startTimer.timer);
    const timer = setTimeout(
      () => {
        this.startTimer = undefined;
        this.pump();
      },
      Math.max(0, Math.min(delay.quietMs, firstAt + delay.maxMs - now)),
    );
    this.startTimer = { timer, firstAt };
  }

  private pump(): void {
    while (!this.closing && this.running.size < this.options.concurrency && this.pending.size > 0) {
      const entry = this.pending.shift((repository) => this.runningIn(repository))!;
      const run = this.run(entry).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  /** Counted as it runs: the fair queue asks for every repository's count at every start (a burst: 200 × 20). */
  private async run(entry: Entry): Promise<void> {
    const repository = repositoryOf(entry);
    this.runningPerRepository.set(repository, this.runningIn(repository) + 1);
    try {
      await this.runAttempt(entry);
    } finally {
      const left = this.runningIn(repository) - 1;
      if (left > 0) this.runningPerRepository.set(repository, left);
      else this.runningPerRepository.delete(repository);
    }
  }

  private async runAttempt(entry: Entry): Promise<void> {
    entry.state = "running";
    const started = Date.now();
    this.events.emit({ type: "started", jobId: entry.id, job: entry.job, attempt: entry.attempt });
    try {
      const outcome = await this.options.processor(entry.job, {
        jobId: entry.id,
        attempt: entry.attempt,
        signal: entry.controller.signal,
        progress: (progress) => {
          entry.progress = progress;
        },
      });
      this.release(entry);
      this.totals.completed++;
      this.events.emit({ type: "finished", jobId: entry.id, job: entry.job, outcome, durationMs: Date.now() - started });
    } catch (error) {
      const willRetry = !this.closing && !entry.controller.signal.aborted && entry.attempt < this.options.retry.attempts && isTransient(error);
      this.events.emit({ type: "failed", jobId: entry.id, job: entry.job, error, willRetry, durationMs: Date.now() - started });
      if (!willRetry) {
        this.release(entry);
        this.totals.failed++;
        return;
      }
      entry.state = "waiting-retry";
      entry.retryTimer = setTimeout(
        () => {
          entry.retryTimer = undefined;
          entry.attempt++;
          entry.state = "queued";
          this.queue(entry);
          this.pump();
        },
        backoffFor(this.options.retry, entry.attempt),
      );
      entry.retryTimer.unref();
    }
  }
}

function repositoryOf(entry: Entry): string {
  return `${entry.job.owner}/${entry.job.repo}`.toLowerCase();
}
