import { describeError } from "../core/errors.js";
import { startApp } from "./start-app.js";
import { startWorker } from "./start-worker.js";

/**
 * The long-running processes behind `codegen-crew app` / `node dist/app.js` and `codegen-crew worker`:
 * start, then on SIGTERM or SIGINT stop taking work, give running jobs CODEGEN_SHUTDOWN_TIMEOUT_SECONDS,
 * and exit. What did not finish is left unfinished on GitHub, where reconciliation finds it again.
 */
export async function runAppProcess(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const app = await startApp({ env });
  forgetCredentials(env);
  onShutdown(app.log, app.settings.shutdownTimeoutMs, (deadlineMs) => app.close(deadlineMs));
}

export async function runWorkerProcess(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const worker = await startWorker({ env });
  forgetCredentials(env);
  onShutdown(worker.log, worker.settings.shutdownTimeoutMs, (deadlineMs) => worker.close(deadlineMs));
}

/**
 * Once read, the app's own credentials leave the environment, so the processes a run starts (git, the
 * repository's checks) do not inherit them even by a name the check sandbox does not know.
 */
function forgetCredentials(env: NodeJS.ProcessEnv): void {
  for (const name of ["PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "REDIS_URL"]) delete env[name];
}

function onShutdown(log: { info(message: string): void; error(message: string): void }, deadlineMs: number, close: (deadlineMs: number) => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.info(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: no new jobs; waiting up to ${Math.round(deadlineMs / 1000)}s for running ones`);
    close(deadlineMs)
      .catch((error: unknown) => log.error(`shutdown: ${describeError(error)}`))
      .finally(() => {
        log.info("stopped");
        // Jobs past the deadline would keep the process alive, so it exits; a moment first lets the
        // (asynchronous) log stream write the last lines.
        setTimeout(() => process.exit(0), 200);
      });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
