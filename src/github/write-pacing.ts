import { createHash } from "node:crypto";

/**
 * How fast one token (the Action's) or one installation (the app's) may write to GitHub, after GitHub's
 * own guidance on secondary rate limits:
 * - "Rate limits for the REST API" (docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api):
 *   no more than 80 content-generating requests per minute and 500 per hour, no more than 100 concurrent
 *   requests; after a secondary limit, wait for `retry-after` (or until `x-ratelimit-reset`) before retrying.
 * - "Best practices for using the REST API" (docs.github.com/rest/using-the-rest-api/best-practices-for-using-the-rest-api):
 *   when making *many* mutative requests, leave about a second between them.
 *
 * So the sustained pace is one write a second, but a run's handful of writes (reaction, status comment,
 * PR, label, stats comment, run lock) may go at once: a bucket of `burst` writes refills one per
 * `refillMs`. Sliding windows keep GitHub's per-minute and per-hour figures hard whatever the bucket says.
 * The default burst (15) plus a minute of refill (60) stays below the 80-per-minute limit on its own.
 */
export interface WriteLimits {
  /** Writes that may start at once when the bucket is full. */
  burst: number;
  /** One more write every `refillMs` (0: no pacing at all, for the stand-in, which has no limits). */
  refillMs: number;
  perMinute: number;
  perHour: number;
}

export const GITHUB_WRITE_LIMITS: WriteLimits = { burst: 15, refillMs: 1_000, perMinute: 80, perHour: 500 };

export interface PacingClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemClock: PacingClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * A token bucket with hard per-minute and per-hour windows, and a pause that a secondary-rate-limit answer
 * sets for every writer of the bucket. Writers are served in arrival order.
 */
export class WriteBucket {
  private tokens: number;
  private refilledAt: number;
  /** Start times of the writes of the last hour, oldest first. */
  private starts: number[] = [];
  private pausedUntil = 0;
  private line: Promise<void> = Promise.resolve();

  constructor(
    readonly limits: WriteLimits = GITHUB_WRITE_LIMITS,
    private readonly clock: PacingClock = systemClock,
  ) {
    this.tokens = limits.burst;
    this.refilledAt = clock.now();
  }

  /** Resolves when one more write may start (and counts it). */
  take(): Promise<void> {
    const turn = this.line.then(() => this.waitForRoom());
    this.line = turn.catch(() => undefined);
    return turn;
  }

  /** A retry of a write already counted: it waits out a pause, but takes no token and does not queue. */
  async retryTurn(): Promise<void> {
    for (let wait = this.pausedUntil - this.clock.now(); wait > 0; wait = this.pausedUntil - this.clock.now()) await this.clock.sleep(wait);
  }

  /** Until when (epoch ms) writers wait for a pause GitHub asked for; 0 when it never asked. */
  get pausedUntilMs(): number {
    return this.pausedUntil;
  }

  /** GitHub said to wait (`retry-after`, a rate-limit reset): no writer of this bucket starts before then. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  private async waitForRoom(): Promise<void> {
    if (this.limits.refillMs <= 0) return this.retryTurn();
    for (;;) {
      const wait = this.waitMs(this.clock.now());
      if (wait <= 0) break;
      await this.clock.sleep(wait);
    }
    const now = this.clock.now();
    this.tokens -= 1;
    this.starts.push(now);
  }

  /** How long the next write must wait: 0 when it may start now. */
  private waitMs(now: number): number {
    this.refill(now);
    while (this.starts.length && this.starts[0]! <= now - HOUR) this.starts.shift();
    const waits = [this.pausedUntil - now];
    if (this.tokens < 1) waits.push(this.refilledAt + this.limits.refillMs - now);
    const lastMinute = this.starts.filter((t) => t > now - MINUTE).length;
    if (lastMinute >= this.limits.perMinute) waits.push(this.starts[this.starts.length - this.limits.perMinute]! + MINUTE - now);
    if (this.starts.length >= this.limits.perHour) waits.push(this.starts[this.starts.length - this.limits.perHour]! + HOUR - now);
    return Math.max(...waits);
  }

  private refill(now: number): void {
    const earned = Math.floor((now - this.refilledAt) / this.limits.refillMs);
    if (earned <= 0) return;
    this.tokens = Math.min(this.limits.burst, this.tokens + earned);
    this.refilledAt = this.tokens === this.limits.burst ? now : this.refilledAt + earned * this.limits.refillMs;
  }
}

/** One bucket per token or installation, shared by every client of it in this process. */
const buckets = new Map<string, WriteBucket>();

/**
 * The process-wide bucket of `key`: an installation id, or a token (hashed here, so the token itself is
 * never kept as a map key that could show up in a heap dump or a debug print).
 */
export function sharedWriteBucket(key: { installationId: string } | { token: string }): WriteBucket {
  const name = "installationId" in key ? `installation:${key.installationId}` : `token:${createHash("sha256").update(key.token).digest("hex").slice(0, 16)}`;
  let bucket = buckets.get(name);
  if (!bucket) buckets.set(name, (bucket = new WriteBucket()));
  return bucket;
}

/**
 * The slice of a Bottleneck group plugin-throttling uses (`group.key(id).schedule(options, task)`, see its
 * wrap-request.js): every write (and GraphQL request) awaits one such slot before it is sent. Retries come
 * with `weight: 0`: they were counted when first sent.
 */
export interface ThrottleSlotGroup {
  key(id: string): { schedule<T>(options: { weight?: number }, task: () => Promise<T>): Promise<T> };
}

export function bucketGroup(bucketOf: (id: string) => WriteBucket): ThrottleSlotGroup {
  return {
    key: (id) => ({
      async schedule(options, task) {
        const bucket = bucketOf(id);
        await (options.weight === 0 ? bucket.retryTurn() : bucket.take());
        return task();
      },
    }),
  };
}

/** A group that lets everything through: the notification group's 3 s spacing is covered by the write bucket. */
export const OPEN_GROUP: ThrottleSlotGroup = { key: () => ({ schedule: (_options, task) => task() }) };
