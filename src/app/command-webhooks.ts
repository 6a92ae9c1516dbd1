import type { Context, Logger, Probot, ProbotOctokit } from "probot";
import { helpText } from "../core/work/commands.js";
import { toTriggerEvent, withHeadRef } from "../core/work/trigger-event.js";
import { asReply, decideTrigger, type TriggerDecision } from "../core/work/triggers.js";
import { defaultConfig } from "../core/config.js";
import { jobKey, type CodegenJob } from "./job.js";
import type { JobQueue } from "./job-queue.js";
import { afterAnswer, deliveryLog, unlessQueueDown } from "./webhook-support.js";
import { canWrite } from "./write-access.js";

/**
 * Reviews on the bot's PRs and `/codegen` comments, decided by the trigger rules the Action shares
 * (core/work/triggers.ts). Before the answer: at most the PR's head branch (a comment on a PR does not name
 * it) and the sender's permission, so that a comment from someone without write access queues nothing.
 * Acknowledgements and replies are written after the answer.
 */
type Repository = { owner: string; repo: string };

interface Delivery {
  id: string;
  installationId: number;
  repository: Repository;
  octokit: ProbotOctokit;
  log: Logger;
}

/** The trigger label only matters to `issues` events, which are not decided here. */
const SETTINGS = { label: defaultConfig().label };

export function commandWebhooks(app: Probot, queue: JobQueue): void {
  app.on("pull_request_review.submitted", async (context) => {
    const delivery = deliveryOf(context, { pr: context.payload.pull_request.number });
    if (!delivery) return;
    const decision = decideTrigger(toTriggerEvent("pull_request_review", context.payload), SETTINGS);
    await act(delivery, decision, queue, { kind: "review", pr: context.payload.pull_request.number });
  });

  app.on("issue_comment.created", async (context) => {
    const delivery = deliveryOf(context, { issue: context.payload.issue.number });
    if (!delivery) return;
    let event = toTriggerEvent("issue_comment", context.payload);
    let decision = decideTrigger(event, SETTINGS);
    if (decision.action === "needs-head") {
      const { data } = await delivery.octokit.rest.pulls.get({ ...delivery.repository, pull_number: decision.pr });
      event = withHeadRef(event, data.head.ref);
      decision = decideTrigger(event, SETTINGS);
    }
    await act(delivery, decision, queue, { kind: "comment", commentId: context.payload.comment.id });
  });
}

/** What the acknowledgement goes on: the comment (a 👀 reaction), or the PR for a review (reviews take none). */
type Acknowledge = { kind: "comment"; commentId: number } | { kind: "review"; pr: number };

function deliveryOf(context: Context<"pull_request_review" | "issue_comment">, fields: Record<string, unknown>): Delivery | undefined {
  const { payload } = context;
  const log = deliveryLog(context, payload.repository.full_name, fields);
  const installationId = payload.installation?.id;
  if (installationId === undefined) {
    log.warn(`${context.name} without an installation: not an app delivery, ignored`);
    return undefined;
  }
  return { id: context.id, installationId, repository: { owner: payload.repository.owner.login, repo: payload.repository.name }, octokit: context.octokit, log };
}

async function act(delivery: Delivery, decision: TriggerDecision, queue: JobQueue, acknowledge: Acknowledge): Promise<void> {
  const { log, octokit, repository } = delivery;
  const reply = (number: number, body: string) =>
    afterAnswer(log, `reply on #${number}`, () => octokit.rest.issues.createComment({ ...repository, issue_number: number, body: asReply(body) }));
  switch (decision.action) {
    case "ignore":
    case "needs-head":
      log.debug(`ignored: ${decision.action === "ignore" ? decision.reason : "the PR's head branch is still unknown"}`);
      return;
    case "help":
      reply(decision.reply.number, helpText());
      log.info(`help asked by @${decision.reply.sender}`);
      return;
    case "stop": {
      if (!(await canWrite(octokit, repository.owner, repository.repo, decision.reply.sender))) return refuse(delivery, decision.reply.number, decision.reply.sender, reply);
      const who = `@${decision.reply.sender}`;
      const cancelled = await unlessQueueDown(log, () => queue.cancel(jobKey({ ...repository, item: { issue: decision.issue } }), `stopped by ${who} with /codegen stop`));
      log.info({ cancel: cancelled.status, ...(cancelled.status === "none" ? {} : { jobId: cancelled.jobId }) }, `/codegen stop → ${cancelled.status}`);
      reply(decision.reply.number, stopReply(cancelled.status, who));
      return;
    }
    case "run": {
      const sender = decision.item.trigger.sender;
      if (!sender || !(await canWrite(octokit, repository.owner, repository.repo, sender)))
        return refuse(delivery, decision.item.kind === "revision" ? decision.item.pr : decision.item.issue, sender ?? "someone", reply);
      const job: CodegenJob = { deliveryId: delivery.id, installationId: delivery.installationId, ...repository, item: decision.item, origin: "webhook" };
      const result = await unlessQueueDown(log, () => queue.enqueue(job));
      log.info({ jobId: result.jobId, enqueue: result.status, trigger: decision.item.trigger.type }, `${decision.item.trigger.type} → ${result.status} (job ${result.jobId})`);
      if (result.status === "queued" || result.status === "merged") acknowledgeWithEyes(delivery, acknowledge);
      else if (result.status === "already-active")
        reply(
          decision.item.kind === "revision" ? decision.item.pr : decision.item.issue,
          `@${sender}: a codegen-crew run for this issue is already waiting to start and cannot take this request too; ask again once it has started.`,
        );
      return;
    }
  }
}

function refuse(delivery: Delivery, number: number, sender: string, reply: (number: number, body: string) => void): void {
  delivery.log.info(`@${sender} has no write access: refused`);
  reply(number, `@${sender}: codegen-crew only acts on \`/codegen\` commands and reviews from people with write access to this repository.`);
}

function stopReply(status: "removed" | "signalled" | "none", who: string): string {
  if (status === "removed") return `${who} stopped codegen-crew: the queued run was cancelled before it started.`;
  if (status === "signalled") return `${who} stopped codegen-crew: the run in progress is stopping. The status comment shows where it stopped.`;
  return `${who}: there is no codegen-crew run queued or in progress here, so there is nothing to stop.`;
}

function acknowledgeWithEyes(delivery: Delivery, acknowledge: Acknowledge): void {
  const { octokit, repository, log } = delivery;
  afterAnswer(log, "add the 👀 reaction", () =>
    acknowledge.kind === "comment"
      ? octokit.rest.reactions.createForIssueComment({ ...repository, comment_id: acknowledge.commentId, content: "eyes" })
      : octokit.rest.reactions.createForIssue({ ...repository, issue_number: acknowledge.pr, content: "eyes" }),
  );
}
