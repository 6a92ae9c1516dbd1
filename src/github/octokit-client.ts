import { Octokit } from "@octokit/core";
import { retry } from "@octokit/plugin-retry";
import { restEndpointMethods } from "@octokit/plugin-rest-endpoint-methods";
import { throttling, type ThrottlingOptions } from "@octokit/plugin-throttling";
import { errorMessage } from "../core/errors.js";
import { ForgeError } from "../core/forge/forge-client.js";

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
   * the 5xx back-off), `writeIntervalMs` between two writes. GitHub's pacing (1000 and 1000) when unset;
   * tests shrink both so fault cases do not spend their time asleep.
   */
  pacing?: { retryUnitMs: number; writeIntervalMs: number };
}

/**
 * Octokit with the retry and throttling plugins: transient 5xx and secondary rate limits are retried,
 * within a cap. 4xx answers that will not change (400, 401, 403, 404, 410, 422, 451) are never retried.
 */
export function createGitHubOctokit(options: OctokitOptions): GitHubOctokit {
  const maxWait = options.maxRateLimitWaitSeconds ?? 120;
  const { pacing } = options;
  return new RetryingOctokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    userAgent: options.userAgent ?? "codegen-crew",
    retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 451], ...(pacing ? { retryAfterBaseValue: pacing.retryUnitMs } : {}) },
    throttle: {
      // The plugin's write and notification groups are shared by every client in the process (1 s and 3 s
      // apart); a paced client gets its own, spaced by writeIntervalMs.
      ...(pacing ? { retryAfterBaseValue: pacing.retryUnitMs, write: spacedGroup(pacing.writeIntervalMs), notifications: spacedGroup(pacing.writeIntervalMs) } : {}),
      onRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        options.log?.warn(`GitHub rate limit on ${request.method} ${request.url}; retry in ${retryAfter}s`);
        return retryCount < 2 && retryAfter <= maxWait;
      },
      onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        options.log?.warn(`GitHub secondary rate limit on ${request.method} ${request.url}; retry in ${retryAfter}s`);
        return retryCount < 2 && retryAfter <= maxWait;
      },
    },
  });
}

/**
 * The slice of a Bottleneck group the throttling plugin uses (`group.key(id).schedule(options, task)`):
 * tasks start one at a time, at least `minTimeMs` apart.
 */
type ThrottleGroup = NonNullable<Exclude<ThrottlingOptions, { enabled: false }>["write"]>;

function spacedGroup(minTimeMs: number): ThrottleGroup {
  let next = Promise.resolve();
  const limiter = {
    schedule<T>(_options: unknown, task: () => Promise<T>): Promise<T> {
      const turn = next.then(() => task());
      next = turn.then(
        () => sleep(minTimeMs),
        () => sleep(minTimeMs),
      );
      return turn;
    },
  };
  // Only key() and schedule() are ever called on a group (plugin-throttling's wrap-request.js).
  return { key: () => limiter } as unknown as ThrottleGroup;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
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
