import type { Logger } from "probot";
import { ConfigError } from "../core/errors.js";
import { resolveEndpoint } from "../core/model/endpoint.js";
import { startBullWorker, type RunningWorker } from "./bullmq-worker.js";
import { producerConnection } from "./redis-connection.js";
import { RedisLabelCache } from "./trigger-label-cache.js";
import { logJobEvents } from "./job-log.js";
import { appSandbox, jobProcessorFor } from "./job-runner.js";
import { createAppProbot } from "./probot-factory.js";
import { readAppSettings, type AppSettings } from "./settings.js";

/**
 * `codegen-crew worker`: runs jobs from the BullMQ queue at REDIS_URL, CODEGEN_CONCURRENCY at a time.
 * It needs the app's identity (APP_ID, private key) to act as each installation, and the model settings;
 * it needs no webhook secret and opens no port.
 */
export interface StartWorkerOptions {
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  tempDir?: string;
}

export interface StartedWorker extends RunningWorker {
  settings: AppSettings;
  log: Logger;
}

export async function startWorker(options: StartWorkerOptions = {}): Promise<StartedWorker> {
  const env = options.env ?? process.env;
  const settings = readAppSettings(env);
  if (!settings.redisUrl) throw new ConfigError("REDIS_URL is not set: workers take their jobs from Redis (without it, `codegen-crew app` runs jobs itself)", { key: "REDIS_URL" });
  resolveEndpoint(env); // fail at start, before Redis or GitHub are touched, when no key is set
  const probot = createAppProbot({ env, githubThrottle: settings.githubThrottle, ...(options.log ? { log: options.log } : {}) });
  await probot.ready();
  const log = probot.log.child({ name: "codegen-crew-worker" });
  const sandbox = await appSandbox(env, log);
  // The trigger labels jobs read go to the queue's Redis, where every webhook server reads them.
  const labelConnection = producerConnection(settings.redisUrl);
  labelConnection.on("error", () => undefined);
  const labels = new RedisLabelCache(labelConnection, settings.queueName);
  const worker = await startBullWorker({
    redisUrl: settings.redisUrl,
    queueName: settings.queueName,
    concurrency: settings.concurrency,
    log,
    processor: jobProcessorFor(probot, env, settings, log, options.tempDir, sandbox, labels),
  });
  logJobEvents(worker.events, log);
  const close = async (deadlineMs: number) => {
    await worker.close(deadlineMs);
    labelConnection.disconnect();
  };
  return { ...worker, events: worker.events, close, settings, log };
}
