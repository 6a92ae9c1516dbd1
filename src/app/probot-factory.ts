import { createProbot, ProbotOctokit, type Logger, type Probot } from "probot";
import { ConfigError } from "../core/errors.js";
import { writeGroups } from "../github/octokit-client.js";
import { sharedWriteBucket } from "../github/write-pacing.js";

/**
 * A Probot configured from its usual environment variables, with three deliberate differences:
 * - REDIS_URL is ours (the job queue), so Probot is not given it: with it, Probot would cluster its
 *   request throttling through Redis and fetch an ioredis copy with npx at runtime.
 * - writes are paced per installation by write-pacing.ts (as the Action's are per token);
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

/** The write bucket of a Probot client: its installation's (Probot sets `throttle.id` to the installation id), or the app's own. */
const bucketOf = (id: string | undefined) => sharedWriteBucket({ installationId: id ?? "app" });

export function createAppProbot(options: ProbotFactoryOptions): Probot {
  const { env } = options;
  if (!env.APP_ID) throw new ConfigError("APP_ID is not set: the GitHub App's id (from its settings page)", { key: "APP_ID" });
  if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) {
    throw new ConfigError("no private key: set PRIVATE_KEY (PEM text, or base64 of it) or PRIVATE_KEY_PATH (a .pem file)", { key: "PRIVATE_KEY" });
  }
  const maxWait = options.maxRateLimitWaitSeconds ?? 120;
  const capped =
    (kind: string, id: string | undefined): RateLimitHandler =>
    (retryAfter, request, octokit, retryCount) => {
      // Every job of the installation in this process waits, not only the request that was refused.
      bucketOf(id).pause(Math.min(retryAfter, maxWait) * 1000);
      octokit.log.warn(`GitHub ${kind} on ${request.method} ${request.url}; ${retryCount < 2 && retryAfter <= maxWait ? `retry in ${retryAfter}s` : "giving up"}`);
      return retryCount < 2 && retryAfter <= maxWait;
    };
  const Octokit = ProbotOctokit.defaults((instance: Record<string, unknown>) => {
    const throttle = instance.throttle as { id?: string } | undefined;
    return {
      ...instance,
      throttle: {
        ...throttle,
        enabled: options.githubThrottle,
        // Writes paced per installation by a bucket (GitHub's secondary-limit guidance), not one a second process-wide.
        ...writeGroups((id) => bucketOf(id)),
        onRateLimit: capped("rate limit", throttle?.id),
        onSecondaryRateLimit: capped("secondary rate limit", throttle?.id),
      },
    };
  });
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
