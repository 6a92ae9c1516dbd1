import type { ApplicationFunction } from "probot";
import { defaultConfig } from "../core/config.js";
import { toTriggerEvent } from "../core/work/trigger-event.js";
import { decideTrigger } from "../core/work/triggers.js";
import { commandWebhooks } from "./command-webhooks.js";
import { jobKey, type CodegenJob } from "./job.js";
import type { JobQueue } from "./job-queue.js";
import type { CachedLabel, TriggerLabelCache } from "./trigger-label-cache.js";
import { sameLabel } from "./trigger-label.js";
import { afterAnswer, deliveryLog, unlessQueueDown } from "./webhook-support.js";

/**
 * The webhook side of the app: translate deliveries into queue operations and return. Nothing here waits for
 * a run (GitHub gives a delivery 10 seconds). Labels are handled here; reviews and `/codegen` comments in
 * command-webhooks.ts. A label's answer waits for no GitHub call and no token: which label is the trigger is
 * the job's to check (label-gate.ts); the webhook only drops a label that the repository's recently read
 * trigger label (trigger-label-cache.ts) says is another one.
 */
export function codegenWebhooks(queue: JobQueue, labels: TriggerLabelCache): ApplicationFunction {
  return (app) => {
    app.on("issues.labeled", async (context) => {
      const { payload } = context;
      const log = deliveryLog(context, payload.repository.full_name, { issue: payload.issue.number });
      const installationId = payload.installation?.id;
      if (installationId === undefined) return log.warn("issues.labeled without an installation: not an app delivery, ignored");
      if (payload.issue.state === "closed") return log.debug("the issue is closed: ignored");
      const added = payload.label?.name;
      const known = await cachedLabel(labels, payload.repository.full_name);
      // Without a fresh trigger label the webhook cannot tell the trigger from any other label: the job decides.
      const decision = decideTrigger(toTriggerEvent("issues", payload), { label: known?.fresh ? known.label : (added ?? "") });
      if (decision.action !== "run" || added === undefined) return log.debug(`${decision.action === "ignore" ? decision.reason : decision.action}: ignored`);

      const job: CodegenJob = {
        deliveryId: context.id,
        installationId,
        owner: payload.repository.owner.login,
        repo: payload.repository.name,
        item: decision.item,
        origin: "webhook",
        labels: [added],
      };
      const result = await unlessQueueDown(log, () => queue.enqueue(job));
      log.info({ jobId: result.jobId, enqueue: result.status }, `issues.labeled → ${result.status} (job ${result.jobId})`);
    });

    app.on("issues.unlabeled", async (context) => {
      const { payload } = context;
      const log = deliveryLog(context, payload.repository.full_name, { issue: payload.issue.number });
      if (payload.installation?.id === undefined) return;
      // A running job has read the repository's label; before any has, the default label is the best guess.
      const label = (await cachedLabel(labels, payload.repository.full_name))?.label ?? defaultConfig().label;
      if (!sameLabel(payload.label?.name, label)) return log.debug(`label "${payload.label?.name}" removed: not the trigger label "${label}", ignored`);
      const key = jobKey({ owner: payload.repository.owner.login, repo: payload.repository.name, item: { issue: payload.issue.number } });
      const who = payload.sender?.login ? `@${payload.sender.login}` : "someone";
      const cancelled = await unlessQueueDown(log, () => queue.cancel(key, `the "${label}" label was removed by ${who}`));
      if (cancelled.status === "none") return log.debug("label removed; no job for this issue");
      log.info({ jobId: cancelled.jobId, cancel: cancelled.status }, `label removed → job ${cancelled.jobId} ${cancelled.status}`);
      const body =
        cancelled.status === "removed"
          ? `${who} removed the \`${label}\` label, so the queued codegen-crew run was cancelled before it started. Add the label again to start a new run.`
          : `${who} removed the \`${label}\` label, so codegen-crew is stopping the run in progress. The status comment shows where it stopped; add the label again to start a new run.`;
      afterAnswer(log, "comment on the cancellation", () => context.octokit.rest.issues.createComment(context.issue({ body })));
    });

    commandWebhooks(app, queue);
  };
}

/** The cached trigger label; a cache that cannot answer is no answer (the job still checks). */
async function cachedLabel(labels: TriggerLabelCache, repository: string): Promise<CachedLabel | undefined> {
  return labels.get(repository).catch(() => undefined);
}
