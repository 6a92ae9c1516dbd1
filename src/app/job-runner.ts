import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Logger, Probot } from "probot";
import type { Sandbox } from "../core/checks/sandbox.js";
import { sandboxTierSetting, startSandbox } from "../core/checks/sandbox-startup.js";
import { describeError } from "../core/errors.js";
import { allSettledOrThrow, sentAhead } from "../core/settle.js";
import { runWorkItem, type WorkRunOutcome } from "../core/issue/run-work-item.js";
import { knownSecrets, resolveEndpoint, type ModelEndpoint } from "../core/model/endpoint.js";
import { cloneRepository } from "../core/workspace/git-remote.js";
import { installationAccess, type OpenRepository } from "./installation-access.js";
import { gateLabels, triggerLabelReader, type ReadTriggerLabel } from "./label-gate.js";
import type { JobOutcome } from "./job.js";
import type { JobContext, JobProcessor } from "./job-queue.js";
import { connectWithProgress } from "./model-connection.js";
import { probotAppForge } from "./probot-forge.js";
import type { TriggerLabelCache } from "./trigger-label-cache.js";

export interface JobRunnerDeps {
  openRepository: OpenRepository;
  /** The repository's trigger label, for label jobs (label-gate.ts). */
  triggerLabel: ReadTriggerLabel;
  endpoint: ModelEndpoint;
  /** CODEGEN_MODEL: the model for roles without one in the repository's config. */
  model?: string;
  /** Secret values (API keys) the run must keep out of sandboxes, logs and reports. */
  secrets: string[];
  log: Logger;
  /** Where job clones go (default the OS temp folder). */
  tempDir?: string;
  /** The process's sandbox; each job leases a uid of its own from it. */
  sandbox: Sandbox;
}

/**
 * A job, start to end: for a label job, the check that its label is the repository's trigger (else it ends
 * skipped, with no comment: the label was not meant for the bot); a token for the installation, then a fresh
 * clone over HTTPS alongside the shared work-item runner (permission check, lock and status comment while
 * it clones; then the crew, push, one PR per issue, stats comment), and the clone removed.
 * Failures around the run (token, clone, reading the issue) are thrown for the queue's retry policy (a
 * clone that fails once the status comment is up also finishes it as failed); the run's own failures are
 * already on the issue as a finished status comment.
 */
export function createJobRunner(deps: JobRunnerDeps): JobProcessor {
  return async (job, context) => {
    const log = deps.log.child({
      jobId: context.jobId,
      deliveryId: job.deliveryId,
      repo: `${job.owner}/${job.repo}`,
      issue: job.item.issue,
      ...(job.item.kind === "revision" ? { pr: job.item.pr } : {}),
      attempt: context.attempt,
    });
    if (context.signal.aborted) return cancelled("cancelled before it started");
    const gate = job.labels ? gateLabels(job, await deps.triggerLabel(job)) : { run: job.item };
    if ("skip" in gate) {
      log.info(`skipped: ${gate.skip}`);
      return { result: "skipped", message: gate.skip, tokens: 0, costUsd: 0 };
    }
    const item = gate.run;
    const access = await deps.openRepository(job.installationId, job.owner, job.repo);
    const remote = { url: access.cloneUrl, token: access.token };
    const workDir = await mkdtemp(path.join(deps.tempDir ?? os.tmpdir(), "codegen-crew-job-"));
    const lease = sentAhead(deps.sandbox.lease());
    const repoDir = path.join(workDir, "repo");
    // The clone runs while the run reads the issue, checks the sender, takes the lock and opens the status
    // comment; a clone failure after that is on the status comment, and thrown for the retry policy.
    log.info(`cloning ${access.cloneUrl}`);
    const workspace = allSettledOrThrow([lease, cloneRepository(remote, repoDir)] as const).then(([runner]) => ({ repoDir, runner }));
    try {
      const outcome = await runWorkItem(
        { item, holder: { run: `app job ${context.jobId}`, owner: "app" } },
        {
          forge: access.forge,
          workspace,
          remote,
          connect: connectWithProgress(deps.endpoint, context.progress),
          ...(deps.model ? { model: deps.model } : {}),
          secrets: [...new Set([...deps.secrets, access.token])],
          log: { info: (message) => log.info(message), warn: (message) => log.warn(message) },
          // The queue already runs one job per issue: a lock left by an earlier job of the app is one that died
          // with its process, and the new job takes over instead of waiting for the lock to expire.
          mayTakeOverLock: (holder) => holder.owner === "app",
          signal: context.signal,
        },
      );
      return toJobOutcome(outcome, context);
    } finally {
      // Whichever way the run ended, the clone is done with before its folder goes, and the uid goes back.
      await workspace.catch(() => undefined);
      await lease.then(
        (runner) => runner.release(),
        () => undefined,
      );
      await rm(workDir, { recursive: true, force: true, maxRetries: 3 }).catch((error: unknown) => log.warn(`could not remove ${workDir}: ${describeError(error)}`));
    }
  };
}

/**
 * The secret values of the app's environment — model keys, GitHub tokens, the app's private key, the webhook
 * secret, a Redis password — which the run keeps out of check processes, outputs and reports.
 */
/** The job processor both `app` (in-process queue) and `worker` (BullMQ) run, from the process's env. */
export function jobProcessorFor(
  probot: Probot,
  env: NodeJS.ProcessEnv,
  settings: { model?: string | undefined },
  log: Logger,
  tempDir: string | undefined,
  sandbox: Sandbox,
  labels: TriggerLabelCache,
): JobProcessor {
  // The key is checked when the process starts, not at its first job: a misconfigured app should not start.
  const endpoint = resolveEndpoint(env);
  const appForge = probotAppForge(probot);
  return createJobRunner({
    openRepository: installationAccess(appForge),
    triggerLabel: triggerLabelReader(appForge, labels, log),
    endpoint,
    ...(settings.model ? { model: settings.model } : {}),
    secrets: appSecrets(env, endpoint),
    log,
    ...(tempDir ? { tempDir } : {}),
    sandbox,
  });
}

export function appSecrets(env: NodeJS.ProcessEnv, endpoint: ModelEndpoint): string[] {
  return knownSecrets(env, [endpoint.apiKey, env.WEBHOOK_SECRET, env.PRIVATE_KEY, redisPassword(env.REDIS_URL)]);
}

function redisPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

function toJobOutcome(outcome: WorkRunOutcome, context: JobContext): JobOutcome {
  const totals = outcome.report?.totals;
  return {
    result: context.signal.aborted ? "cancelled" : outcome.result,
    message: outcome.message,
    ...(outcome.pullRequest ? { pullRequestUrl: outcome.pullRequest.htmlUrl } : {}),
    tokens: totals ? totals.promptTokens + totals.completionTokens : 0,
    costUsd: totals?.costUsd ?? 0,
  };
}

function cancelled(message: string): JobOutcome {
  return { result: "cancelled", message, tokens: 0, costUsd: 0 };
}

/**
 * The app's sandbox, built once per process: it runs strangers' issues unattended, so the weak tier is
 * refused unless the operator sets CODEGEN_ALLOW_WEAK_SANDBOX=true (docs/app.md).
 */
export function appSandbox(env: NodeJS.ProcessEnv, log: Logger): Promise<Sandbox> {
  const endpoint = resolveEndpoint(env);
  const maxTier = sandboxTierSetting(env.CODEGEN_SANDBOX_MAX_TIER);
  return startSandbox({
    environment: env,
    ...(maxTier ? { maxTier } : {}),
    secrets: appSecrets(env, endpoint),
    weakTier: "refuse",
    allowWeak: env.CODEGEN_ALLOW_WEAK_SANDBOX === "true",
    optIn: "CODEGEN_ALLOW_WEAK_SANDBOX=true",
    log: { info: (message) => log.info(message), warn: (message) => log.warn(message) },
  });
}
