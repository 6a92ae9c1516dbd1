import type { CommandRunner } from "../checks/command-runner.js";
import { ConfigError, describeError } from "../errors.js";
import { ForgeError, hasWriteAccess, type ForgeClient, type PullRequestInfo } from "../forge/forge-client.js";
import type { ConnectModel } from "../model/model-client.js";
import { prefetchTokenizer } from "../model/token-count.js";
import type { RunReport, RunResult } from "../report/run-report.js";
import { issueBranch, type RunMode, type Trigger, type WorkItem } from "../work/work-item.js";
import type { RemoteAccess } from "../workspace/git-remote.js";
import { reviseOrCreate } from "./revise-or-create.js";
import { acquireRunLock, describeHolder, type LockHolder } from "./run-lock.js";
import { StatusComment, STATUS_MARKER } from "./status-comment.js";
import { statusFooter } from "./status-footer.js";

export interface WorkRunRequest {
  item: WorkItem;
  /** Link to this run for people (the workflow run, the app's job). */
  runUrl?: string;
  configPath?: string;
  /** Who this run is, as recorded in the run lock: "workflow run …", "app job 42". */
  holder: Pick<LockHolder, "run" | "owner">;
}

export interface WorkRunDeps {
  forge: ForgeClient;
  /** A local clone of the repository; runs work in a worktree of it. */
  repoDir: string;
  remote: RemoteAccess;
  connect: ConnectModel;
  /** Where the checks run (the entry point's sandbox, or a job's lease of it). */
  runner: CommandRunner;
  model?: string;
  secrets: string[];
  log: { info(message: string): void; warn(message: string): void };
  /** How long the run lock holds when its run dies without releasing it (default 60 minutes). */
  lockTtlMs?: number;
  /** The app takes over locks its own earlier jobs left behind (its queue already runs one job per issue). */
  mayTakeOverLock?: (holder: LockHolder) => boolean;
  now?: () => number;
  signal?: AbortSignal;
}

export interface WorkRunOutcome {
  result: RunResult;
  message: string;
  mode?: RunMode;
  branch?: string;
  pullRequest?: PullRequestInfo;
  report?: RunReport;
}

const DEFAULT_LOCK_TTL_MS = 60 * 60_000;

/**
 * One work item, start to end, shared by the Action and the app: check who asked, take the issue's run
 * lock, acknowledge, then write a new change or revise the bot's branch (revise-or-create.ts), and keep the
 * issue's status comment true from start to end. Everything before the lock writes nothing but a refusal.
 */
export async function runWorkItem(request: WorkRunRequest, deps: WorkRunDeps): Promise<WorkRunOutcome> {
  const { forge } = deps;
  const { item } = request;
  const now = deps.now ?? Date.now;
  const n = item.issue;
  const issue = await forge.getIssue(n).catch((error: unknown) => {
    if (error instanceof ForgeError && error.status === 404) return null;
    throw error;
  });
  if (!issue) return { result: "failed", message: `issue #${n} was not found in ${forge.owner}/${forge.repo}` };
  if (issue.isPullRequest) return { result: "failed", message: `#${n} is a pull request, not an issue; codegen-crew works from issues` };
  if (issue.locked) return { result: "failed", message: `issue #${n} is locked; unlock it to let codegen-crew comment and work on it` };
  if (issue.state === "closed") return { result: "skipped", message: `issue #${n} is closed` };

  const sender = item.trigger.sender;
  if (!sender || !hasWriteAccess(await forge.getPermission(sender))) {
    await refuse(forge, item, sender);
    return { result: "skipped", message: `${sender ?? "the sender"} lacks write access; no model call was made` };
  }
  const pr = item.kind === "revision" ? await forge.getPullRequest(item.pr) : undefined;
  if (pr && pr.head !== issueBranch(n)) return { result: "skipped", message: `#${pr.number} was not opened by codegen-crew for issue #${n}` };

  // The run will need the tokenizer once the crew starts; its thread builds its tables meanwhile.
  prefetchTokenizer();
  const startedAt = now();
  const lock = await acquireRunLock(
    forge,
    n,
    { ...request.holder, startedAt, expiresAt: startedAt + (deps.lockTtlMs ?? DEFAULT_LOCK_TTL_MS) },
    {
      now,
      ...(deps.mayTakeOverLock ? { mayTakeOver: deps.mayTakeOverLock } : {}),
      log: deps.log,
    },
  );
  if (!lock.acquired) {
    return { result: "skipped", message: `${describeHolder(lock.holder)} is already working on #${n}; this run stops and changes nothing` };
  }
  try {
    // The reaction and the status comment do not depend on each other: they go out together.
    const [, { comments, status }] = await Promise.all([
      acknowledge(forge, item, deps.log),
      (async () => {
        const comments = await forge.listIssueComments(n);
        const previous = comments.find((c) => c.body.includes(STATUS_MARKER));
        const status = await StatusComment.open(forge, n, {
          ...(request.runUrl ? { runUrl: request.runUrl } : {}),
          ...(previous ? { existingId: previous.id } : {}),
          trigger: describeTrigger(item.trigger),
          now: startedAt,
        });
        return { comments, status };
      })(),
    ]);
    try {
      const outcome = await reviseOrCreate({ item, issue, pr, comments, status, configPath: request.configPath, runUrl: request.runUrl }, deps);
      // The outcome stands even when its comment cannot be written (the issue deleted, GitHub down). A run
      // that opened a PR already wrote this final state alongside its last writes; it is not sent twice.
      await status.finish(outcome.result, statusFooter(outcome), outcome.mode).catch((e: unknown) => deps.log.warn(`could not update the status comment: ${describeError(e)}`));
      return outcome;
    } catch (error) {
      const message = failureMessage(error);
      await status.finish("failed", `**What failed:** ${message}`).catch((e: unknown) => deps.log.warn(`could not update the status comment: ${describeError(e)}`));
      return { result: "failed", message };
    }
  } finally {
    await lock.release();
  }
}

/** The trigger in a few words, with a link where there is one, for the status comment. */
export function describeTrigger(trigger: Trigger): string {
  switch (trigger.type) {
    case "label":
      return `label added by @${trigger.sender ?? "someone"}`;
    case "dispatch":
      return `workflow dispatched by @${trigger.sender ?? "someone"}`;
    case "reconcile":
      return "an unfinished run picked up again";
    case "review":
      return `[review](${trigger.url}) by @${trigger.sender}`;
    case "command":
      return `[\`/codegen\` comment](${trigger.url}) by @${trigger.sender}`;
    case "retry":
      return `[\`/codegen retry\`](${trigger.url}) by @${trigger.sender}`;
  }
}

async function refuse(forge: ForgeClient, item: WorkItem, sender: string | undefined): Promise<void> {
  const who = sender ? `@${sender}` : "this trigger";
  const where = item.kind === "revision" ? item.pr : item.issue;
  await forge.createComment(where, `${who}: codegen-crew only acts for people with write access to this repository.`);
}

/** 👀 on what asked: the issue, the `/codegen` comment, or the review's first inline comment. */
async function acknowledge(forge: ForgeClient, item: WorkItem, log: { warn(message: string): void }): Promise<void> {
  const trigger = item.trigger;
  const react = async () => {
    if (trigger.type === "command" || trigger.type === "retry") return forge.addCommentReaction(trigger.commentId, "eyes");
    if (trigger.type === "review" && item.kind === "revision") {
      const first = (await forge.listReviewComments(item.pr, trigger.reviewId))[0];
      return first ? forge.addReviewCommentReaction(first.id, "eyes") : undefined;
    }
    return forge.addReaction(item.issue, "eyes");
  };
  await react().catch((error: unknown) => log.warn(`could not add a reaction: ${describeError(error)}`));
}

/** Errors rendered for people: config keys quoted, missing workflow permissions named. */
function failureMessage(error: unknown): string {
  if (error instanceof ConfigError) return `the configuration is invalid: ${error.message}`;
  const text = describeError(error);
  if ((error instanceof ForgeError && error.status === 403) || /\b403\b|denied to|not permitted/i.test(text)) {
    const entry = /pull request/i.test(text) ? "pull-requests: write" : /push|git/i.test(text) ? "contents: write" : "issues: write";
    return `${text} — the token lacks a permission: add \`permissions: ${entry}\` to the workflow (or grant it to the app)`;
  }
  return text;
}
