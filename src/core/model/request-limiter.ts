import pThrottle from "p-throttle";

/**
 * One limiter per process, shared by every agent, so that parallel phases together stay under the
 * provider's requests-per-minute limit. Each HTTP attempt (retries included) takes a slot.
 */
export interface RequestLimiter {
  schedule<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function createRequestLimiter(requestsPerMinute: number): RequestLimiter {
  if (!Number.isFinite(requestsPerMinute) || requestsPerMinute <= 0) {
    throw new RangeError(`requests per minute must be a positive number, got ${requestsPerMinute}`);
  }
  // Evenly spaced slots rather than a burst of `requestsPerMinute` at the start of each minute: providers
  // often enforce per-second limits too, and a burst of parallel agents is what trips them.
  const throttle = pThrottle({ limit: 1, interval: 60_000 / requestsPerMinute });
  const nextSlot = throttle(async () => undefined);

  return {
    async schedule<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      signal?.throwIfAborted();
      // p-throttle only aborts whole throttles, so a cancelled caller stops waiting here while its slot
      // still passes unused later: harmless, it only spaces the next request a little more.
      await untilAborted(nextSlot(), signal);
      signal?.throwIfAborted();
      return fn();
    },
  };
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
