import { sandboxSentence, weakestSandbox } from "../report/sandbox-note.js";
import type { CommandRunner } from "../checks/command-runner.js";
import { runCrewInRepository } from "../crew/run-in-repository.js";
import { ConfigError, describeError } from "../errors.js";
import { ForgeError, hasWriteAccess, type ForgeClient, type IssueInfo, type PullRequestInfo } from "../forge/forge-client.js";
import type { ConnectModel } from "../model/model-client.js";
import type { RunReport, RunResult } from "../report/run-report.js";
import { fetchBranch, pushBranch, type RemoteAccess } from "../workspace/git-remote.js";
import { buildIssueTask } from "./issue-task.js";
import { publishPullRequest, STATS_MARKER } from "./publish.js";
import { readStatusState, STATUS_MARKER, StatusComment } from "./status-comment.js";

export interface IssueRunRequest {
  issueNumber: number;
  /** Who asked (the label's sender, the dispatcher); must have write access. */
  sender: string | undefined;
  runUrl?: string;
  configPath?: string;
}

export interface IssueRunDeps {
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
  /** A "running" status comment older than this is taken as a crashed run, not a concurrent one. */
  staleAfterMs?: number;
  signal?: AbortSignal;
}

export interface IssueRunOutcome {
  result: RunResult;
  message: string;
  branch?: string;
  pullRequest?: PullRequestInfo;
  report?: RunReport;
}

/**
 * An issue → pull request run, shared by the Action and the app: check who asked, acknowledge, run the crew
 * on the issue, push the branch (never forced), open or update the one PR for the issue, and keep the
 * issue's status comment true from start to end.
 */
export async function runIssue(request: IssueRunRequest, deps: IssueRunDeps): Promise<IssueRunOutcome> {
  const { forge } = deps;
  const n = request.issueNumber;
  const issue = await forge.getIssue(n).catch((error: unknown) => {
    if (error instanceof ForgeError && error.status === 404) return null;
    throw error;
  });
  if (!issue) return { result: "failed", message: `issue #${n} was not found in ${forge.owner}/${forge.repo}` };
  if (issue.isPullRequest) return { result: "failed", message: `#${n} is a pull request, not an issue; codegen-crew works from issues` };
  if (issue.locked) return { result: "failed", message: `issue #${n} is locked; unlock it to let codegen-crew comment and work on it` };
  if (issue.state === "closed") return { result: "skipped", message: `issue #${n} is closed` };

  if (!request.sender || !hasWriteAccess(await forge.getPermission(request.sender))) {
    const who = request.sender ? `@${request.sender}` : "this trigger";
    await forge.createComment(n, `${who}: codegen-crew only runs for people with write access to this repository. A maintainer can add the label to start it.`);
    return { result: "skipped", message: `${request.sender ?? "the sender"} lacks write access; no model call was made` };
  }

  const comments = await forge.listIssueComments(n);
  const previous = comments.find((c) => c.body.includes(STATUS_MARKER));
  const previousState = previous ? readStatusState(previous.body) : null;
  const staleAfter = deps.staleAfterMs ?? 60 * 60_000;
  if (previousState?.state === "running" && Date.now() - previousState.startedAt < staleAfter) {
    return { result: "skipped", message: `another codegen-crew run on #${n} is in progress (started ${new Date(previousState.startedAt).toISOString()}); this one stops` };
  }

  await forge.addReaction(n, "eyes").catch((error: unknown) => deps.log.warn(`could not add a reaction: ${describeError(error)}`));
  const status = await StatusComment.open(forge, n, { ...(request.runUrl ? { runUrl: request.runUrl } : {}), ...(previous ? { existingId: previous.id } : {}) });

  try {
    const outcome = await work(request, deps, status, issue, comments);
    await status.finish(outcome.result, footer(outcome));
    return outcome;
  } catch (error) {
    const message = failureMessage(error);
    await status.finish("failed", `**What failed:** ${message}`).catch((e: unknown) => deps.log.warn(`could not update the status comment: ${describeError(e)}`));
    return { result: "failed", message };
  }
}

async function work(
  request: IssueRunRequest,
  deps: IssueRunDeps,
  status: StatusComment,
  issue: IssueInfo,
  comments: { id: number; author: string; body: string }[],
): Promise<IssueRunOutcome> {
  const { forge } = deps;
  const n = request.issueNumber;
  const task = await buildIssueTask(forge, issue, comments.filter((c) => !c.body.includes(STATUS_MARKER) && !c.body.includes(STATS_MARKER)));

  const remoteBranch = `codegen-crew/issue-${n}`;
  // Relabelling builds on the bot's branch, commits people pushed to it included; otherwise start from the default branch.
  const existing = await fetchBranch(deps.repoDir, deps.remote, remoteBranch);
  const base = existing ?? (await fetchBranch(deps.repoDir, deps.remote, await forge.getDefaultBranch()));
  if (!base) throw new ForgeError("fetch default branch", "the repository has no default branch to start from");
  deps.log.info(existing ? `building on the existing ${remoteBranch}` : `starting ${remoteBranch} from the default branch`);

  const run = await runCrewInRepository({
    repoDir: deps.repoDir,
    task,
    branch: remoteBranch,
    baseRef: base,
    ...(request.configPath ? { configPath: request.configPath } : {}),
    connect: deps.connect,
    runner: deps.runner,
    ...(deps.model ? { model: deps.model } : {}),
    secrets: deps.secrets,
    onProgress: status.onProgress,
    onUsage: (totals) => status.onProgress({ type: "usage", totalTokens: totals.promptTokens + totals.completionTokens, costUsd: totals.costUsd, at: Date.now() }),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const { report } = run;
  const hasCommits = report.repository.headCommit !== report.repository.baseCommit;
  if (report.result === "failed" || !hasCommits) {
    return { result: "failed", message: report.reason, report };
  }

  await pushBranch(deps.repoDir, deps.remote, run.branch, remoteBranch);
  const pullRequest = await publishPullRequest(forge, { issue: n, branch: remoteBranch, report, runUrl: request.runUrl, log: deps.log });
  return { result: report.result, message: report.reason, branch: remoteBranch, pullRequest, report };
}

function footer(outcome: IssueRunOutcome): string {
  const weak = outcome.report && weakestSandbox(outcome.report.checks)?.tier === "weak" ? `\n\n${sandboxSentence(outcome.report.checks)}` : "";
  return `${outcomeLine(outcome)}${weak}`;
}

function outcomeLine(outcome: IssueRunOutcome): string {
  if (outcome.pullRequest) {
    const kind = outcome.result === "ready" ? "Pull request" : "Draft pull request";
    // GitHub's REST API cannot take a PR out of draft; say so rather than leave a ready run looking unfinished.
    const stillDraft = outcome.result === "ready" && outcome.pullRequest.draft ? "\n\nThe PR is still marked as a draft from an earlier run: mark it ready for review when you are." : "";
    return `**${kind}:** ${outcome.pullRequest.htmlUrl} — ${outcome.message}${stillDraft}`;
  }
  return `**What failed:** ${outcome.message}\n\nFix the cause (the run's log has details) and add the label again to retry.`;
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
