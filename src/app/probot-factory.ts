import { createProbot, ProbotOctokit, type Logger, type Probot } from "probot";
import { ConfigError } from "../core/errors.js";

/**
 * A Probot configured from its usual environment variables, with two deliberate differences:
 * - REDIS_URL is ours (the job queue), so Probot is not given it: with it, Probot would cluster its
 *   request throttling through Redis and fetch an ioredis copy with npx at runtime.
 * - rate-limit waits are capped like the Action's (a job never sleeps for an hour on a reset), and
 *   client-side throttling can be switched off (CODEGEN_GITHUB_THROTTLE=false) where no limits apply.
 */
export interface ProbotFactoryOptions {
  env: NodeJS.ProcessEnv;
  githubThrottle: boolean;
  /** A logger instead of Probot's own (tests capture lines with it). */
  log?: Logger;
  maxRateLimitWaitSeconds?: number;
}

type RateLimitHandler = (retryAfter: number, request: { method: string; url: string }, octokit: { log: Logger }, retryCount: number) => boolean;

export function createAppProbot(options: ProbotFactoryOptions): Probot {
  const { env } = options;
  if (!env.APP_ID) throw new ConfigError("APP_ID is not set: the GitHub App's id (from its settings page)", { key: "APP_ID" });
  if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) {
    throw new ConfigError("no private key: set PRIVATE_KEY (PEM text, or base64 of it) or PRIVATE_KEY_PATH (a .pem file)", { key: "PRIVATE_KEY" });
  }
  const maxWait = options.maxRateLimitWaitSeconds ?? 120;
  const capped =
    (kind: string): RateLimitHandler =>
    (retryAfter, request, octokit, retryCount) => {
      octokit.log.warn(`GitHub ${kind} on ${request.method} ${request.url}; ${retryCount < 2 && retryAfter <= maxWait ? `retry in ${retryAfter}s` : "giving up"}`);
      return retryCount < 2 && retryAfter <= maxWait;
    };
  const Octokit = ProbotOctokit.defaults((instance: Record<string, unknown>) => ({
    ...instance,
    throttle: {
      ...(instance.throttle as object | undefined),
      enabled: options.githubThrottle,
      onRateLimit: capped("rate limit"),
      onSecondaryRateLimit: capped("secondary rate limit"),
    },
  }));
  try {
    return createProbot({
      // createProbot's default level is "warn", which would hide the per-job lines operators rely on.
      env: { LOG_LEVEL: "info", ...env, REDIS_URL: "" },
      overrides: { Octokit, ...(options.log ? { log: options.log } : {}) },
    });
  } catch (error) {
    throw new ConfigError(`cannot start the GitHub App: ${(error as Error).message} (check APP_ID and PRIVATE_KEY)`, { key: "PRIVATE_KEY" });
  }
}
