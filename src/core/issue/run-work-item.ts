import type { CommandRunner } from "../checks/command-runner.js";
import { CancelledError, ConfigError, describeError } from "../errors.js";
import { ForgeError, type ForgeClient, type IssueComment, type PullRequestInfo } from "../forge/forge-client.js";
import type { ConnectModel } from "../model/model-client.js";
import type { RunReport, RunResult } from "../report/run-report.js";
import { sentAhead } from "../settle.js";
import type { RunMode, Trigger, WorkItem } from "../work/work-item.js";
import type { RemoteAccess } from "../workspace/git-remote.js";
import { admitWorkItem } from "./admission.js";
import { reviseOrCreate } from "./revise-or-create.js";
import { acquireRunLock, describeHolder, type LockHolder } from "./run-lock.js";
import { startingPoint } from "./starting-point.js";
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

/** Where a run works: a local clone of the repository, and where its checks run. */
export interface PreparedWorkspace {
  /** A local clone of the repository; runs work in a worktree of it. */
  repoDir: string;
  /** Where the checks run (the entry point's sandbox, or a job's lease of it). */
  runner: CommandRunner;
}

/** What the work needs once the workspace is ready (revise-or-create.ts). */
export interface WorkRunDeps extends PreparedWorkspace {
  forge: ForgeClient;
  remote: RemoteAccess;
  connect: ConnectModel;
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

/**
 * What runWorkItem needs: the same, with the workspace still on its way. The entry point starts the clone
 * (and the sandbox) and hands over the promise; the run talks to GitHub meanwhile and awaits it only once
 * the lock is held and the status comment is up. The entry point still owns it: it settles it (and cleans
 * up) after the run, whichever way the run ended.
 */
export type WorkItemDeps = Omit<WorkRunDeps, keyof PreparedWorkspace> & { workspace: Promise<PreparedWorkspace> };

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
 * A workspace that fails once the status comment is up finishes it as failed, and is thrown (the app's
 * queue decides whether to retry it).
 */
export async function runWorkItem(request: WorkRunRequest, deps: WorkItemDeps): Promise<WorkRunOutcome> {
  const { forge } = deps;
  const workspace = sentAhead(deps.workspace);
  const { item } = request;
  const now = deps.now ?? Date.now;
  const n = item.issue;
  // The lock points at the default branch's head: read alongside the checks, used only when they pass.
  const defaultBranch = sentAhead(forge.getDefaultBranch());
  const base = sentAhead(defaultBranch.then((branch) => forge.getBranchSha(branch)));
  const admission = await admitWorkItem(forge, item);
  if (!admission.admitted) return admission.outcome;
  const { issue, pr } = admission;
  // A job cancelled while it was being checked writes nothing (the app reports it as cancelled).
  if (deps.signal?.aborted) return { result: "failed", message: "cancelled before the run started" };

  const startedAt = now();
  const lock = await acquireRunLock(
    forge,
    n,
    { ...request.holder, startedAt, expiresAt: startedAt + (deps.lockTtlMs ?? DEFAULT_LOCK_TTL_MS) },
    {
      now,
      ...(deps.mayTakeOverLock ? { mayTakeOver: deps.mayTakeOverLock } : {}),
      log: deps.log,
      base,
    },
  );
  if (!lock.acquired) {
    return { result: "skipped", message: `${describeHolder(lock.holder)} is already working on #${n}; this run stops and changes nothing` };
  }
  // Where the branch stands is read (ls-remote, the branch's PRs) while the reaction and the status comment go out.
  // The listing goes out at once; only the comparison with the clone waits for it.
  const start = sentAhead(
    defaultBranch.then((branch) =>
      startingPoint({ item, issue, pr, defaultBranch: branch }, { forge, repoDir: sentAhead(workspace.then((prepared) => prepared.repoDir)), remote: deps.remote }),
    ),
  );
  try {
    const { comments, status } = await openStatus(forge, request, startedAt, deps.log);
    const prepared = await workspace.catch(async (error: unknown) => {
      await finishStatus(status, "failed", statusFooter({ result: "failed", message: `the repository could not be prepared: ${failureMessage(error)}` }), deps.log);
      throw error;
    });
    try {
      if (deps.signal?.aborted) throw new CancelledError("cancelled before the crew started");
      const context = { item, issue, pr, defaultBranch: await defaultBranch, comments, status, configPath: request.configPath, runUrl: request.runUrl, start };
      const outcome = await reviseOrCreate(context, { ...withoutWorkspace(deps), ...prepared });
      // The outcome stands even when its comment cannot be written (the issue deleted, GitHub down). A run
      // that opened a PR already wrote this final state alongside its last writes; it is not sent twice.
      await finishStatus(status, outcome.result, statusFooter(outcome), deps.log, outcome.mode);
      return outcome;
    } catch (error) {
      const message = failureMessage(error);
      await finishStatus(status, "failed", `**What failed:** ${message}`, deps.log);
      return { result: "failed", message };
    }
  } finally {
    // Nothing of the run may still be on its way once the lock is released (a fetch into the clone).
    await start.catch(() => undefined);
    await lock.release();
  }
}

/** 👀 and the status comment (found again when an earlier run left one): they go out together. */
async function openStatus(forge: ForgeClient, request: WorkRunRequest, startedAt: number, log: WorkRunDeps["log"]): Promise<{ comments: IssueComment[]; status: StatusComment }> {
  const { item } = request;
  const [, opened] = await Promise.all([
    acknowledge(forge, item, log),
    (async () => {
      const comments = await forge.listIssueComments(item.issue);
      const previous = comments.find((c) => c.body.includes(STATUS_MARKER));
      const status = await StatusComment.open(forge, item.issue, {
        ...(request.runUrl ? { runUrl: request.runUrl } : {}),
        ...(previous ? { existingId: previous.id } : {}),
        trigger: describeTrigger(item.trigger),
        now: startedAt,
      });
      return { comments, status };
    })(),
  ]);
  return opened;
}

async function finishStatus(status: StatusComment, result: RunResult, footer: string, log: WorkRunDeps["log"], mode?: RunMode): Promise<void> {
  await status.finish(result, footer, mode).catch((e: unknown) => log.warn(`could not update the status comment: ${describeError(e)}`));
}

function withoutWorkspace(deps: WorkItemDeps): Omit<WorkItemDeps, "workspace"> {
  const { workspace: _workspace, ...rest } = deps;
  return rest;
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
