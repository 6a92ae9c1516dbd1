import { Octokit } from "@octokit/core";
import { retry } from "@octokit/plugin-retry";
import { restEndpointMethods } from "@octokit/plugin-rest-endpoint-methods";
import { throttling, type ThrottlingOptions } from "@octokit/plugin-throttling";
import { errorMessage } from "../core/errors.js";
import { ForgeError } from "../core/forge/forge-client.js";
import { bucketGroup, GITHUB_WRITE_LIMITS, OPEN_GROUP, sharedWriteBucket, WriteBucket } from "./write-pacing.js";

const RetryingOctokit = Octokit.plugin(restEndpointMethods, retry, throttling);
export type GitHubOctokit = InstanceType<typeof RetryingOctokit>;

export interface OctokitOptions {
  /** e.g. https://api.github.com or https://ghe.example.com/api/v3 */
  baseUrl: string;
  token: string;
  userAgent?: string;
  /** Waits are capped so a run never hangs on a rate limit; tests pass small values. */
  maxRateLimitWaitSeconds?: number;
  log?: { warn(message: string): void };
  /**
   * How long the plugins wait, in milliseconds: `retryUnitMs` per second of a retry-after (and per unit of
   * the 5xx back-off), `writeIntervalMs` for the write bucket to earn one more write (0: writes are not
   * paced). GitHub's pacing (write-pacing.ts) when unset; tests shrink both so fault cases do not spend
   * their time asleep.
   */
  pacing?: { retryUnitMs: number; writeIntervalMs: number };
  /**
   * The bucket this client's writes wait on. Default: with `pacing`, a bucket of the client's own; else the
   * process-wide bucket of the token, shared by every client that writes with it.
   */
  writes?: WriteBucket;
}

/**
 * Octokit with the retry and throttling plugins: transient 5xx and rate limits are retried, within a cap.
 * 4xx answers that will not change (400, 401, 403, 404, 410, 422, 451) are never retried. Writes are paced
 * by a bucket (write-pacing.ts) instead of the plugin's one-write-a-second queue, and a rate-limit answer
 * pauses every writer of that bucket.
 */
export function createGitHubOctokit(options: OctokitOptions): GitHubOctokit {
  const maxWait = options.maxRateLimitWaitSeconds ?? 120;
  const { pacing } = options;
  const unitMs = pacing?.retryUnitMs ?? 1000;
  const bucket = options.writes ?? (pacing ? new WriteBucket({ ...GITHUB_WRITE_LIMITS, refillMs: pacing.writeIntervalMs }) : sharedWriteBucket({ token: options.token }));
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
      // GitHub asked this token to wait: its other writes wait too, whether or not this one is retried
      // (never longer than a run would wait for one request).
      bucket.pause(Math.min(retryAfter, maxWait) * unitMs);
      const retry = retryCount < 2 && retryAfter <= maxWait;
      options.log?.warn(`GitHub ${kind} on ${request.method} ${request.url}; ${retry ? `retry in ${retryAfter}s` : "giving up"}`);
      return retry;
    };
  return new RetryingOctokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    userAgent: options.userAgent ?? "codegen-crew",
    retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 451], ...(pacing ? { retryAfterBaseValue: pacing.retryUnitMs } : {}) },
    throttle: {
      ...(pacing ? { retryAfterBaseValue: pacing.retryUnitMs } : {}),
      ...writeGroups(() => bucket),
      onRateLimit: onLimit("rate limit"),
      onSecondaryRateLimit: onLimit("secondary rate limit"),
    },
  });
}

type ThrottleGroup = NonNullable<Exclude<ThrottlingOptions, { enabled: false }>["write"]>;

/**
 * The throttling plugin's `write` and `notifications` groups for writes paced by `bucketOf(id)` (id: the
 * plugin's `throttle.id`, Probot's installation id). The plugin's defaults (one write a second and one
 * notifying write every three seconds, process-wide) are replaced: the bucket already holds every write.
 */
export function writeGroups(bucketOf: (id: string) => WriteBucket): { write: ThrottleGroup; notifications: ThrottleGroup } {
  // Only key() and schedule() are ever called on a group (plugin-throttling's wrap-request.js).
  return { write: bucketGroup(bucketOf) as unknown as ThrottleGroup, notifications: OPEN_GROUP as unknown as ThrottleGroup };
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

/** Runs one forge call; any failure becomes a ForgeError naming the operation (and the HTTP status). */
export async function call<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new ForgeError(operation, errorMessage(error), statusOf(error), { cause: error });
  }
}

/** Like `call`, but a 404 is an answer (`null`), not a failure. */
export async function callOrNull<T>(operation: string, work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    if (statusOf(error) === 404) return null;
    throw new ForgeError(operation, errorMessage(error), statusOf(error), { cause: error });
  }
}

interface Page<T> {
  data: T[];
  headers: { link?: string };
}

/** GitHub's hard cap: list endpoints never return more than this per page. */
const PER_PAGE = 100;
/** A runaway guard, not a limit anyone should meet: 100 000 items. */
const MAX_PAGES = 1000;

/**
 * Every page of a list endpoint, following GitHub's `Link: <…>; rel="next"` header. (Octokit's paginate
 * plugin would do the same; it is not a dependency of this project and the loop is this small.)
 */
export async function readAllPages<T>(operation: string, list: (page: { per_page: number; page: number }) => Promise<Page<T>>): Promise<T[]> {
  return call(operation, async () => {
    const items: T[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await list({ per_page: PER_PAGE, page });
      items.push(...answer.data);
      if (!/rel="next"/.test(answer.headers.link ?? "")) return items;
    }
    throw new Error(`more than ${MAX_PAGES} pages`);
  });
}

/**
 * The GraphQL endpoint that goes with a REST base URL: https://api.github.com → https://api.github.com/graphql,
 * GitHub Enterprise Server https://host/api/v3 → https://host/api/graphql.
 */
export function graphqlUrl(restBaseUrl: string): string {
  const base = restBaseUrl.replace(/\/+$/, "");
  return /\/api\/v3$/.test(base) ? base.replace(/\/api\/v3$/, "/api/graphql") : `${base}/graphql`;
}
