import { Redis } from "ioredis";

/**
 * Redis connections for the two sides of the queue. The webhook side must fail fast when Redis is down
 * (no offline queue: a command fails at once instead of waiting for a reconnect, so the webhook can answer
 * 503 within GitHub's 10 seconds). Workers block on Redis by design, and BullMQ requires them to retry
 * forever (`maxRetriesPerRequest: null`).
 */
export function producerConnection(url: string): Redis {
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: reconnectDelay });
}

export function workerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, retryStrategy: reconnectDelay });
}

/** Keep reconnecting (Redis coming back must heal the app without a restart), at most every 2 seconds. */
function reconnectDelay(times: number): number {
  return Math.min(100 * times, 2_000);
}

/** Answers within `timeoutMs` whether Redis responds to PING. */
export async function redisAnswers(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  if (redis.status !== "ready") return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([redis.ping().then((answer) => answer === "PONG"), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
