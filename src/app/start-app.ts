import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, type Logger, type Probot } from "probot";
import { ConfigError } from "../core/errors.js";
import { BullJobQueue } from "./bullmq-queue.js";
import { createAppServer } from "./http-server.js";
import { logJobEvents } from "./job-log.js";
import type { JobQueue } from "./job-queue.js";
import { appSandbox, jobProcessorFor } from "./job-runner.js";
import { MemoryJobQueue } from "./memory-queue.js";
import { createAppProbot } from "./probot-factory.js";
import type { QueueEvents } from "./queue-events.js";
import { reconcile, startReconciler, type ReconcileSummary } from "./reconcile.js";
import { probotAppForge } from "./probot-forge.js";
import { readAppSettings, type AppSettings } from "./settings.js";
import { MemoryLabelCache, type TriggerLabelCache } from "./trigger-label-cache.js";
import { codegenWebhooks } from "./webhook-handlers.js";

/**
 * In-process jobs start once deliveries pause for 20 ms (at most 1 s after the first): a burst of labels is
 * acknowledged first, and its jobs' clones and processes do not sit in front of the answers (docs/app.md).
 * 200 deliveries take ~250 ms to answer on 2 cores: with 200 ms, jobs started inside the burst's tail.
 */
const BURST_QUIET = { quietMs: 20, maxMs: 1_000 };

/**
 * `codegen-crew app`: the webhook server. Without REDIS_URL it also runs the jobs (in-process queue);
 * with it, it only enqueues them for `codegen-crew worker` processes. Either way it reconciles with
 * GitHub at startup and every CODEGEN_RECONCILE_INTERVAL_SECONDS.
 */

export interface StartAppOptions {
  env?: NodeJS.ProcessEnv;
  /** Replaces Probot's logger (tests capture log lines with it). */
  log?: Logger;
  /** Where job clones go (default the OS temp folder). */
  tempDir?: string;
}

export interface RunningApp {
  url: string;
  port: number;
  settings: AppSettings;
  queue: JobQueue;
  /** Job events when jobs run in this process (no REDIS_URL). */
  jobEvents: QueueEvents | undefined;
  probot: Probot;
  log: Logger;
  /** A reconciliation pass now (the periodic one shares it: never two at once). */
  reconcile(): Promise<ReconcileSummary | undefined>;
  /** Stops the server and the queue, waiting up to `deadlineMs` (default the configured shutdown timeout) for running jobs. */
  close(deadlineMs?: number): Promise<void>;
}

export async function startApp(options: StartAppOptions = {}): Promise<RunningApp> {
  const env = options.env ?? process.env;
  const settings = readAppSettings(env);
  if (!env.WEBHOOK_SECRET) throw new ConfigError("WEBHOOK_SECRET is not set: the secret from the GitHub App's webhook settings", { key: "WEBHOOK_SECRET" });
  const probot = createAppProbot({ env, githubThrottle: settings.githubThrottle, ...(options.log ? { log: options.log } : {}) });
  await probot.ready();
  const log = probot.log.child({ name: "codegen-crew" });

  let queue: JobQueue;
  let labels: TriggerLabelCache;
  let jobEvents: QueueEvents | undefined;
  let reconcileNow: () => void = () => undefined;
  if (settings.redisUrl) {
    // Deliveries refused while Redis was down are GitHub's to redeliver, but reconciling at once does not wait for anyone.
    const bull = new BullJobQueue({ redisUrl: settings.redisUrl, queueName: settings.queueName, retry: settings.retry, log, onRecovered: () => reconcileNow() });
    if (!(await bull.waitUntilReachable(5_000))) log.error("Redis is not reachable: webhooks answer 503 and /ready fails until it is");
    queue = bull;
    labels = bull.labelCache();
  } else {
    labels = new MemoryLabelCache();
    const memory = new MemoryJobQueue({
      concurrency: settings.concurrency,
      retry: settings.retry,
      startAfterQuiet: BURST_QUIET,
      processor: jobProcessorFor(probot, env, settings, log, options.tempDir, await appSandbox(env, log), labels),
    });
    logJobEvents(memory.events, log);
    jobEvents = memory.events;
    queue = memory;
  }

  const webhooks = await createNodeMiddleware(codegenWebhooks(queue, labels), { probot });
  const server = createAppServer(webhooks, queue, log);
  server.listen(settings.port, settings.host);
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const url = `http://${settings.host && settings.host !== "0.0.0.0" ? settings.host : "127.0.0.1"}:${port}`;
  log.info({ url, queue: queue.mode, concurrency: settings.concurrency }, `codegen-crew app listening on ${url} (${queue.mode} queue)`);

  const reconciler = startReconciler(() => reconcile(probotAppForge(probot), queue, log), settings.reconcileIntervalMs, log);
  reconcileNow = () => void reconciler.runNow();
  reconcileNow();

  return {
    url,
    port,
    settings,
    queue,
    jobEvents,
    probot,
    log,
    reconcile: () => reconciler.runNow(),
    async close(deadlineMs = settings.shutdownTimeoutMs) {
      reconciler.stop();
      await Promise.all([closeServer(server), queue.close(deadlineMs)]);
    },
  };
}

/** Stops accepting connections; webhooks already being answered finish (they are quick by design). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
