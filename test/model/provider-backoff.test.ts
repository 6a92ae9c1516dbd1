import { describe, expect, it } from "vitest";
import { ProviderBackoff } from "../../src/core/model/provider-backoff.js";
import { requestQuotaResetMs } from "../../src/core/model/rate-limit-headers.js";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("provider backoff", () => {
  it("halves the calls in flight once per burst of 429s, never below one, and pauses until the longest Retry-After", () => {
    const time = clock();
    const backoff = new ProviderBackoff({ ceiling: 8, now: time.now });
    const sentAt = time.now();
    time.advance(50);
    for (const retryAfter of [100, 300, 200]) backoff.throttled(sentAt, retryAfter);
    expect(backoff.allowed(8)).toBe(4);
    expect(backoff.pausedUntil()).toBe(time.now() + 300);

    // A 429 for a request sent after the decrease is a new overload: it halves again.
    time.advance(10);
    for (let i = 0; i < 5; i++) backoff.throttled(time.now());
    expect(backoff.allowed(8)).toBe(1);
  });

  it("pauses for a default second when the 429 says nothing", () => {
    const time = clock();
    const backoff = new ProviderBackoff({ ceiling: 4, now: time.now });
    backoff.throttled(time.now());
    expect(backoff.pausedUntil()).toBe(time.now() + 1000);
  });

  it("adds one call in flight per window of successes, up to the ceiling, and never above a limiter's own cap", () => {
    const time = clock();
    const backoff = new ProviderBackoff({ ceiling: 8, now: time.now });
    backoff.throttled(time.now());
    const seen: number[] = [backoff.allowed(8)];
    for (let i = 0; i < 30; i++) {
      backoff.succeeded();
      if (backoff.allowed(8) !== seen[seen.length - 1]) seen.push(backoff.allowed(8));
    }
    expect(seen).toEqual([4, 5, 6, 7, 8]);
    expect(backoff.allowed(2)).toBe(2);
  });

  it("opens an untouched window to a larger cap that joins, and lets a reduced one grow towards it", () => {
    const time = clock();
    const fresh = new ProviderBackoff({ ceiling: 4, now: time.now });
    fresh.admit(16);
    expect(fresh.allowed(16)).toBe(16);

    const reduced = new ProviderBackoff({ ceiling: 4, now: time.now });
    reduced.throttled(time.now());
    reduced.admit(16);
    expect(reduced.allowed(16)).toBe(2);
    for (let i = 0; i < 200; i++) reduced.succeeded();
    expect(reduced.allowed(16)).toBe(16);
  });

  it("tells its limiters when what they may send changes", () => {
    const time = clock();
    const backoff = new ProviderBackoff({ ceiling: 2, now: time.now });
    let changes = 0;
    backoff.subscribe(() => changes++);
    backoff.succeeded(); // already at the ceiling: nothing changes
    backoff.throttled(time.now());
    backoff.quotaExhausted(500);
    expect(changes).toBe(2);
    expect(backoff.pausedUntil()).toBe(time.now() + 1000);
  });
});

describe("rate-limit headers", () => {
  const headers = (entries: Record<string, string>) => new Headers(entries);

  it("reads OpenAI's spent request quota and its reset", () => {
    expect(requestQuotaResetMs(headers({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "6m0s" }))).toBe(360_000);
    expect(requestQuotaResetMs(headers({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1.5s" }))).toBe(1500);
    expect(requestQuotaResetMs(headers({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "250ms" }))).toBe(250);
    expect(requestQuotaResetMs(headers({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2" }))).toBe(2000);
  });

  it("reads the remaining/reset pair with the reset as an epoch time", () => {
    const now = 1_800_000_000_000;
    expect(requestQuotaResetMs(headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now + 4000) }), now)).toBe(4000);
    expect(requestQuotaResetMs(headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 3) }), now)).toBe(3000);
  });

  it("says nothing while requests remain or when the reset is unreadable", () => {
    expect(requestQuotaResetMs(headers({ "x-ratelimit-remaining-requests": "12", "x-ratelimit-reset-requests": "1s" }))).toBeUndefined();
    expect(requestQuotaResetMs(headers({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "soon" }))).toBeUndefined();
    expect(requestQuotaResetMs(headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": "42" }))).toBeUndefined();
    expect(requestQuotaResetMs(undefined)).toBeUndefined();
  });
});
