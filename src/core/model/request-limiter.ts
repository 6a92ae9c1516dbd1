import pLimit from "p-limit";
import pThrottle from "p-throttle";
import { CancelledError, ModelError, type ErrorContext } from "../errors.js";
import { ProviderBackoff } from "./provider-backoff.js";

/**
 * Admits model requests to one provider for the whole process. Independent calls start together up to a
 * concurrency cap; the provider's 429s shrink what is allowed and pause everyone sharing its backoff, and
 * successes open it up again. `requestsPerMinute` is an optional hard cap on top, evenly spaced.
 * Each HTTP attempt (retries included) takes a slot.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface RequestLimiter {
  schedule<T>(fn: (slot: LimiterSlot) => Promise<T>, options?: ScheduleOptions): Promise<T>;
  stats(): LimiterStats;
}

/** How the request tells the limiter what the provider answered; success is the fn resolving. */
export interface LimiterSlot {
  /** A 429: back off for everyone, for `retryAfterMs` when the provider said how long. */
  throttled(retryAfterMs?: number): void;
  /** The provider's request quota is spent until `resetMs` from now (the request itself succeeded). */
  quotaExhausted(resetMs: number): void;
  /** How long this request waited in the limiter before it was sent. */
  readonly waitedMs: number;
}

export interface ScheduleOptions {
  signal?: AbortSignal | undefined;
  /** Epoch ms when the run's time budget ends: no wait goes past it. */
  deadline?: number | undefined;
  context?: ErrorContext | undefined;
}

export interface LimiterStats {
  inFlight: number;
  queued: number;
  /** Requests the limiter lets run at once right now (the cap, or less after 429s). */
  allowed: number;
  /** Epoch ms until which requests are held back (0 when not paused). */
  pausedUntil: number;
}

export interface RequestLimiterOptions {
  maxConcurrent: number;
  requestsPerMinute?: number | undefined;
  /** Shared with the other limiters of the same provider; a private one when absent. */
  backoff?: ProviderBackoff;
  now?: () => number;
}

export function createRequestLimiter(options: RequestLimiterOptions): RequestLimiter {
  const { maxConcurrent, requestsPerMinute } = options;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent <= 0) {
    throw new RangeError(`max concurrent requests must be a positive integer, got ${maxConcurrent}`);
  }
  if (requestsPerMinute !== undefined && (!Number.isFinite(requestsPerMinute) || requestsPerMinute <= 0)) {
    throw new RangeError(`requests per minute must be a positive number, got ${requestsPerMinute}`);
  }
  const now = options.now ?? Date.now;
  const backoff = options.backoff ?? new ProviderBackoff({ ceiling: maxConcurrent, now });
  backoff.admit(maxConcurrent);
  const limit = pLimit(backoff.allowed(maxConcurrent));
  backoff.subscribe(() => {
    const allowed = backoff.allowed(maxConcurrent);
    if (limit.concurrency !== allowed) limit.concurrency = allowed;
  });
  // Evenly spaced rather than a burst at the start of each minute: providers often enforce per-second limits too.
  const nextRateSlot = requestsPerMinute === undefined ? undefined : pThrottle({ limit: 1, interval: 60_000 / requestsPerMinute })(async () => undefined);
  let sending = 0;

  async function schedule<T>(fn: (slot: LimiterSlot) => Promise<T>, opts: ScheduleOptions = {}): Promise<T> {
    const queuedAt = now();
    const wait = new BoundedWait(opts, now);
    wait.check();
    let granted!: () => void;
    const slotGranted = new Promise<void>((resolve) => (granted = resolve));
    let abandoned = false;
    const task = limit(async (): Promise<T | undefined> => {
      // p-limit cannot drop a queued entry: a caller that gave up leaves one that frees its slot at once.
      if (abandoned) return undefined;
      granted();
      await untilUnpaused(backoff, wait, now);
      if (nextRateSlot) await wait.race(nextRateSlot(), "a request slot under requests_per_minute");
      if (abandoned) return undefined;
      const sentAt = now();
      let throttled = false;
      const slot: LimiterSlot = {
        throttled: (retryAfterMs) => {
          throttled = true;
          backoff.throttled(sentAt, retryAfterMs);
        },
        quotaExhausted: (resetMs) => backoff.quotaExhausted(resetMs),
        waitedMs: sentAt - queuedAt,
      };
      sending++;
      try {
        const value = await fn(slot);
        if (!throttled) backoff.succeeded();
        return value;
      } finally {
        sending--;
      }
    });
    try {
      await wait.race(slotGranted, "a free request slot");
    } catch (error) {
      abandoned = true;
      task.catch(() => undefined);
      throw error;
    }
    // Past the grant the task bounds its own waits; `abandoned` stays false, so it returns fn's value.
    return task as Promise<T>;
  }

  return {
    schedule,
    stats: () => ({ inFlight: sending, queued: limit.pendingCount, allowed: backoff.allowed(maxConcurrent), pausedUntil: backoff.pausedUntil() }),
  };
}

/** Holds the request while the provider's pause lasts; a pause that ends past the deadline fails at once. */
async function untilUnpaused(backoff: ProviderBackoff, wait: BoundedWait, now: () => number): Promise<void> {
  // A loop: another request's 429 may extend the pause while this one sleeps.
  for (let until = backoff.pausedUntil(); until > now(); until = backoff.pausedUntil()) {
    if (wait.deadline !== undefined && until > wait.deadline) {
      throw wait.timeout(`the provider asked to wait ${formatSeconds(until - now())} (rate limited), past the run's time budget`);
    }
    await wait.sleep(until - now(), "the provider's rate limit to pass");
  }
}

/** A wait that ends with a typed error when the caller aborts or the run's deadline passes. */
class BoundedWait {
  readonly deadline: number | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly context: ErrorContext;
  private readonly now: () => number;

  constructor(options: ScheduleOptions, now: () => number) {
    this.deadline = options.deadline;
    this.signal = options.signal;
    this.context = options.context ?? {};
    this.now = now;
  }

  check(): void {
    if (this.signal?.aborted) throw new CancelledError("model call cancelled", this.context);
    if (this.deadline !== undefined && this.now() >= this.deadline) throw this.timeout("model call not sent: the run's time budget is used up");
  }

  timeout(message: string): ModelError {
    return new ModelError(message, { kind: "timeout", attempts: 1, context: this.context });
  }

  /** Sleeps `ms`; the timer goes when the wait ends early, so an abandoned wait does not keep the process up. */
  async sleep(ms: number, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.race(new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(ms, MAX_TIMER_MS)))), what);
    } finally {
      clearTimeout(timer);
    }
  }

  async race<T>(promise: Promise<T>, what: string): Promise<T> {
    this.check();
    const stops: (() => void)[] = [];
    const stopped = new Promise<never>((_, reject) => {
      if (this.signal) {
        const onAbort = () => reject(new CancelledError(`model call cancelled while waiting for ${what}`, this.context));
        this.signal.addEventListener("abort", onAbort, { once: true });
        stops.push(() => this.signal?.removeEventListener("abort", onAbort));
      }
      // Beyond setTimeout's range (a budget of weeks) the deadline cannot pass during the wait anyway.
      if (this.deadline !== undefined && this.deadline - this.now() < MAX_TIMER_MS) {
        const timer = setTimeout(() => reject(this.timeout(`model call not sent: the run's time budget ran out while waiting for ${what}`)), this.deadline - this.now());
        stops.push(() => clearTimeout(timer));
      }
    });
    try {
      return await Promise.race([promise, stopped]);
    } finally {
      for (const stop of stops) stop();
    }
  }
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
