import type { ApplicationFunction } from "probot";
import { describeError } from "../core/errors.js";
import { toTriggerEvent } from "../core/work/trigger-event.js";
import { decideTrigger } from "../core/work/triggers.js";
import { commandWebhooks } from "./command-webhooks.js";
import { jobKey, type CodegenJob } from "./job.js";
import type { JobQueue } from "./job-queue.js";
import { deliveryForge } from "./probot-forge.js";
import { sameLabel, triggerLabel } from "./trigger-label.js";
import { deliveryLog, unlessQueueDown } from "./webhook-support.js";

/**
 * The webhook side of the app: translate deliveries into queue operations and return. Nothing here waits for
 * a run (GitHub gives a delivery 10 seconds). Labels are handled here; reviews and `/codegen` comments in
 * command-webhooks.ts. The only GitHub call before a label's answer is the config read that says which label
 * is the trigger.
 */
export function codegenWebhooks(queue: JobQueue): ApplicationFunction {
  return (app) => {
    app.on("issues.labeled", async (context) => {
      const { payload } = context;
      const log = deliveryLog(context, payload.repository.full_name, { issue: payload.issue.number });
      const installationId = payload.installation?.id;
      if (installationId === undefined) return log.warn("issues.labeled without an installation: not an app delivery, ignored");
      if (payload.issue.state === "closed") return log.debug("the issue is closed: ignored");
      const label = await triggerLabel(deliveryForge(context.octokit, installationId), payload.repository.owner.login, payload.repository.name, log);
      const decision = decideTrigger(toTriggerEvent("issues", payload), { label });
      if (decision.action !== "run") return log.debug(`${decision.action === "ignore" ? decision.reason : decision.action}: ignored`);

      const job: CodegenJob = {
        deliveryId: context.id,
        installationId,
        owner: payload.repository.owner.login,
        repo: payload.repository.name,
        item: decision.item,
        origin: "webhook",
      };
      const result = await unlessQueueDown(log, () => queue.enqueue(job));
      log.info({ jobId: result.jobId, enqueue: result.status }, `issues.labeled → ${result.status} (job ${result.jobId})`);
    });

    app.on("issues.unlabeled", async (context) => {
      const { payload } = context;
      const log = deliveryLog(context, payload.repository.full_name, { issue: payload.issue.number });
      if (payload.installation?.id === undefined) return;
      const label = await triggerLabel(deliveryForge(context.octokit, payload.installation.id), payload.repository.owner.login, payload.repository.name, log);
      if (!sameLabel(payload.label?.name, label)) return;
      const key = jobKey({ owner: payload.repository.owner.login, repo: payload.repository.name, item: { issue: payload.issue.number } });
      const who = payload.sender?.login ? `@${payload.sender.login}` : "someone";
      const cancelled = await unlessQueueDown(log, () => queue.cancel(key, `the "${label}" label was removed by ${who}`));
      if (cancelled.status === "none") return log.debug("label removed; no job for this issue");
      log.info({ jobId: cancelled.jobId, cancel: cancelled.status }, `label removed → job ${cancelled.jobId} ${cancelled.status}`);
      const body =
        cancelled.status === "removed"
          ? `${who} removed the \`${label}\` label, so the queued codegen-crew run was cancelled before it started. Add the label again to start a new run.`
          : `${who} removed the \`${label}\` label, so codegen-crew is stopping the run in progress. The status comment shows where it stopped; add the label again to start a new run.`;
      await context.octokit.rest.issues
        .createComment(context.issue({ body }))
        .catch((error: unknown) => log.warn(`could not comment on the cancellation: ${describeError(error)}`));
    });

    commandWebhooks(app, queue);
  };
}
