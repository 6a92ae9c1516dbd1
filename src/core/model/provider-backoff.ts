/**
 * What one provider (an endpoint and key) has told this process about its limits, shared by every run that
 * calls it: how many requests may be in flight (AIMD: halved on a 429, one more per window of successes)
 * and until when nobody may send (Retry-After, or a request quota spent until its reset).
 *
 * Pure bookkeeping with an injectable clock; `request-limiter.ts` turns it into waits.
 */
export class ProviderBackoff {
  private ceiling: number;
  /** Requests allowed in flight, an integer from 1 to the ceiling. */
  private window: number;
  private successesAtWindow = 0;
  private pausedUntilMs = 0;
  /** When the window was last halved: 429s for requests sent before it answer the same overload. */
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly defaultPauseMs: number;

  constructor(options: { ceiling: number; defaultPauseMs?: number; now?: () => number }) {
    this.ceiling = options.ceiling;
    this.window = options.ceiling;
    // Without Retry-After a 429 still pauses everyone briefly: the window alone would let the survivors
    // fire again at once into the same overload.
    this.defaultPauseMs = options.defaultPauseMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Requests a limiter with this cap may have in flight now (at least one: progress never stops). */
  allowed(cap: number): number {
    return Math.min(cap, this.window);
  }

  /** Epoch ms before which no request may be sent (0 when not paused). */
  pausedUntil(): number {
    return this.pausedUntilMs;
  }

  /** A limiter with a larger cap joined: an untouched window opens up to it, a reduced one keeps growing towards it. */
  admit(cap: number): void {
    if (cap <= this.ceiling) return;
    if (this.window >= this.ceiling) this.window = cap;
    this.ceiling = cap;
    this.notify();
  }

  /** A 429 for a request sent at `sentAt`: pause everyone, and halve the window once per burst. */
  throttled(sentAt: number, retryAfterMs?: number): void {
    const now = this.now();
    this.pausedUntilMs = Math.max(this.pausedUntilMs, now + (retryAfterMs ?? this.defaultPauseMs));
    if (sentAt >= this.lastDecreaseAt) {
      this.window = Math.max(1, Math.floor(this.window / 2));
      this.successesAtWindow = 0;
      this.lastDecreaseAt = now;
    }
    this.notify();
  }

  /** The provider said its request quota is spent (x-ratelimit-remaining-requests: 0) until `resetMs` from now. */
  quotaExhausted(resetMs: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, this.now() + resetMs);
    this.notify();
  }

  /** An answered request: additive increase, one more slot per window's worth of successes. */
  succeeded(): void {
    if (this.window >= this.ceiling) return;
    this.successesAtWindow++;
    if (this.successesAtWindow < this.window) return;
    this.window++;
    this.successesAtWindow = 0;
    this.notify();
  }

  /** Called whenever `allowed` or `pausedUntil` may have changed. */
  subscribe(listener: () => void): void {
    this.listeners.add(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
