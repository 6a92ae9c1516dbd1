import os from "node:os";
import { ConfigError } from "../core/errors.js";
import type { RetryPolicy } from "./retry-policy.js";

/**
 * The app's own settings, from the environment. Probot reads its conventional variables itself (APP_ID,
 * PRIVATE_KEY / PRIVATE_KEY_PATH, WEBHOOK_SECRET, WEBHOOK_PATH, GHE_HOST, GHE_PROTOCOL, LOG_LEVEL,
 * LOG_FORMAT) and the model endpoint comes from resolveEndpoint (OPENAI_API_KEY, …); see docs/app.md.
 */
export interface AppSettings {
  port: number;
  /** Listen address; undefined = every interface. */
  host: string | undefined;
  /** Jobs run at once in this process (the in-process queue, or one worker process). */
  concurrency: number;
  /** Set → BullMQ on Redis and separate `codegen-crew worker` processes. */
  redisUrl: string | undefined;
  queueName: string;
  /** 0 = reconcile only at startup. */
  reconcileIntervalMs: number;
  shutdownTimeoutMs: number;
  retry: RetryPolicy;
  /** Octokit's client-side write throttling (1 s between writes, 3 s between comments per installation). */
  githubThrottle: boolean;
  model: string | undefined;
}

export function readAppSettings(env: NodeJS.ProcessEnv): AppSettings {
  return {
    port: integer(env, "PORT", 3000, 0),
    host: env.HOST || undefined,
    concurrency: integer(env, "CODEGEN_CONCURRENCY", defaultConcurrency(), 1),
    redisUrl: env.REDIS_URL || undefined,
    queueName: env.CODEGEN_QUEUE_NAME || "codegen-crew",
    reconcileIntervalMs: seconds(env, "CODEGEN_RECONCILE_INTERVAL_SECONDS", 600),
    shutdownTimeoutMs: seconds(env, "CODEGEN_SHUTDOWN_TIMEOUT_SECONDS", 60),
    retry: { attempts: integer(env, "CODEGEN_JOB_ATTEMPTS", 3, 1), backoffMs: seconds(env, "CODEGEN_RETRY_BACKOFF_SECONDS", 30) },
    githubThrottle: boolean(env, "CODEGEN_GITHUB_THROTTLE", true),
    model: env.CODEGEN_MODEL || undefined,
  };
}

/** What one job may need at its peak: a clone, the crew's prompts, and a check process (npm install, a test suite). */
const MEMORY_PER_JOB = 512 * 1024 * 1024;

/**
 * Jobs at once when CODEGEN_CONCURRENCY is not set: two per core, as long as memory allows. A job spends most
 * of its time waiting for the model and for GitHub, and uses a core only while git or a check process runs,
 * so one job per core would leave the cores idle; more than two per core lets the checks of many jobs queue
 * for the CPU and stretch every run (docs/app.md, "Sizing").
 */
export function defaultConcurrency(cores = os.availableParallelism(), memory = os.totalmem()): number {
  return Math.max(1, Math.min(2 * cores, Math.floor(memory / MEMORY_PER_JOB)));
}

function integer(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number): number {
  const text = env[key];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${key}: expected an integer ≥ ${min}, got "${text}"`, { key });
  return value;
}

function seconds(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const text = env[key];
  if (text === undefined || text === "") return fallback * 1000;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`${key}: expected a number of seconds ≥ 0, got "${text}"`, { key });
  return Math.round(value * 1000);
}

function boolean(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const text = env[key]?.toLowerCase();
  if (text === undefined || text === "") return fallback;
  if (["1", "true", "yes", "on"].includes(text)) return true;
  if (["0", "false", "no", "off"].includes(text)) return false;
  throw new ConfigError(`${key}: expected true or false, got "${env[key]}"`, { key });
}
