import { checkCommit } from "../crew/check-commit.js";
import type { CrewSnapshot } from "../crew/crew-snapshot.js";
import { runCrewInRepository, type RepositoryRun } from "../crew/run-in-repository.js";
import { isFailing } from "../crew/validation.js";
import type { CrewWorkflow } from "../crew/workflows.js";
import { ForgeError, type ForgeClient, type IssueComment, type IssueInfo, type PullRequestDetails } from "../forge/forge-client.js";
import type { RunReport } from "../report/run-report.js";
import { allTriggers, issueBranch, type WorkItem } from "../work/work-item.js";
import { pushOnTop, type PushOutcome } from "../workspace/branch-push.js";
import { Git } from "../workspace/git.js";
import { buildIssueTask, writeAccessCache } from "./issue-task.js";
import { findStatsComment, labelPullRequest, publishPullRequest, writeStatsComment } from "./publish.js";
import { postReplies } from "./replies.js";
import type { Starting } from "./starting-point.js";
import { buildRevisionInput, type RevisionInput } from "./revision-input.js";
import type { WorkRunDeps, WorkRunOutcome } from "./run-work-item.js";
import { appendRun, readStatsData, renderStatsComment, snapshotOf, STATS_MARKER, summarizeRun } from "./stats-comment.js";
import { STATUS_MARKER, type StatusComment } from "./status-comment.js";
import { statusFooter } from "./status-footer.js";
import { allSettledOrThrow } from "../settle.js";

export interface WorkContext {
  item: WorkItem;
  issue: IssueInfo;
  /** The PR the trigger came from (a review, a command on the PR). */
  pr: PullRequestDetails | undefined;
  /** The default branch as the run found it when it took the lock (read once before the crew). */
  defaultBranch: string;
  comments: IssueComment[];
  status: StatusComment;
  configPath: string | undefined;
  runUrl: string | undefined;
  /** Where the branch stands (startingPoint), read beside the status comment once the lock was taken. */
  start: Promise<Starting | { skip: string }>;
}

/**
 * The work of one run once the lock is held: a new change from the default branch, or a revision of the
 * bot's branch (every run on an issue whose branch exists is one — relabels and dispatches included — and
 * it starts from the branch's head, so commits people pushed are kept and built on). Then the push (never
 * forced), the one PR, the PR's draft state, replies in the threads, and the stats comment.
 */
export async function reviseOrCreate(ctx: WorkContext, deps: WorkRunDeps): Promise<WorkRunOutcome> {
  const { forge } = deps;
  const n = ctx.issue.number;
  const branch = issueBranch(n);
  const start = await ctx.start;
  if ("skip" in start) return { result: "skipped", message: start.skip };
  const retry = ctx.item.trigger.type === "retry";
  const revising = start.mode === "revision" && !retry;

  const statsComment = start.pr ? await findStatsComment(forge, start.pr.number) : undefined;
  const stats = readStatsData(statsComment?.body);
  const trusted = writeAccessCache(forge);
  let input: RevisionInput | null = null;
  let workflow: CrewWorkflow = { kind: "new" };
  let seed: CrewSnapshot | undefined;
  let baseRef = start.defaultHead;
  if (revising) {
    input = await buildRevisionInput(forge, allTriggers(ctx.item), { issue: n, pr: start.pr ?? ctx.pr }, trusted);
    if (!input) return { result: "skipped", mode: start.mode, message: "the review has nothing to act on (no body and no inline comments)" };
    seed = snapshotOf(stats);
    workflow = { kind: "revision", request: { ...input.request, ...(seed?.plan ? { plan: seed.plan } : {}) } };
    baseRef = (await (await Git.open(deps.repoDir)).raw(["merge-base", start.defaultHead, start.branchHead!])).trim();
  }
  deps.log.info(
    revising
      ? `revising ${branch} (${input!.request.summary})`
      : retry && start.branchHead
        ? `retrying ${branch} from the default branch`
        : `starting ${branch} from the default branch`,
  );

  const task = await buildIssueTask(
    forge,
    ctx.issue,
    ctx.comments.filter((c) => c.authorType !== "Bot" && !c.body.includes(STATUS_MARKER) && !c.body.includes(STATS_MARKER)),
    trusted,
  );
  const run = await runCrewInRepository({
    repoDir: deps.repoDir,
    task,
    branch,
    baseRef,
    ...(revising ? { startRef: start.branchHead!, workflow, ...(seed ? { seed } : {}) } : {}),
    ...(ctx.configPath ? { configPath: ctx.configPath } : {}),
    connect: deps.connect,
    runner: deps.runner,
    ...(deps.model ? { model: deps.model } : {}),
    secrets: deps.secrets,
    onProgress: ctx.status.onProgress,
    onUsage: (totals) => ctx.status.onProgress({ type: "usage", totalTokens: totals.promptTokens + totals.completionTokens, costUsd: totals.costUsd, at: Date.now() }),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  let report = run.report;
  const builtOn = revising ? start.branchHead! : start.defaultHead;
  const newCommits = report.repository.headCommit !== builtOn;
  if (report.result === "failed" || (!revising && !newCommits)) return { result: "failed", mode: start.mode, message: report.reason, report };

  // From here on the run publishes: progress edits of the status comment would only queue in front of the
  // push, the PR and the stats comment. Its final edit goes out with the last writes.
  ctx.status.hold();
  const recheck = async (rebased: string) => {
    report = await recheckAfterRebase(report, run, rebased, start.defaultHead, deps);
  };
  // The reads the PR needs go beside the push: the crew takes minutes, the issue may have been deleted
  // meanwhile (a PR that closes nothing helps nobody) and the default branch renamed (the PR's base).
  const [exists, base, pushed] = await allSettledOrThrow([
    issueStillExists(forge, n),
    start.pr ? undefined : forge.getDefaultBranch(),
    newCommits ? pushCommits(deps, { run, start, n, branch, revising, retry, recheck }) : undefined,
  ]);
  if (!exists) {
    const where = pushed ? `${branch} was pushed before that was known, but` : "nothing was pushed and";
    return { result: "failed", mode: start.mode, message: `issue #${n} was deleted during the run; ${where} no pull request was opened`, report };
  }
  const head = pushed?.head ?? report.repository.headCommit ?? builtOn;
  if (pushed?.rebasedOnto) deps.log.info(`${branch} moved meanwhile: the crew's commits were put on top of ${pushed.rebasedOnto.slice(0, 7)}`);

  const pr = await publishPullRequest(forge, { issue: n, branch, report, runUrl: ctx.runUrl, existing: start.pr, base, log: deps.log });
  const unchanged = revising && report.revision?.changedFiles.length === 0;
  const message = unchanged ? `nothing more to change: the branch already does what was asked; ${report.reason}` : report.reason;
  const outcome: WorkRunOutcome = { result: report.result, mode: start.mode, message, branch, pullRequest: pr, report };
  const finalReport = report;
  // Once the PR exists, its label, draft state (then the stats comment, which records it), the review
  // replies and the status comment's final edit depend on nothing but the PR: they go out together. The PR
  // as GitHub answered it says its draft state and labels; the stats comment was found before the crew.
  const [draftChange] = await allSettledOrThrow([
    syncDraftState(forge, pr, finalReport, deps.log).then(async (draftChange) => {
      const summary = summarizeRun(finalReport, input?.request.summary ?? (retry ? "retry from the default branch" : "first draft"), draftChange);
      const body = renderStatsComment(appendRun(stats, summary, finalReport.snapshot), finalReport);
      await writeStatsComment(forge, pr.number, pr.number === start.pr?.number ? statsComment : undefined, body, deps.log);
      return draftChange;
    }),
    labelPullRequest(forge, pr, deps.log),
    input ? answerReview(forge, input, { pr: pr.number, report: finalReport, changed: newCommits, head, requester: ctx.item.trigger.sender, log: deps.log }) : undefined,
    ctx.status.finish(outcome.result, statusFooter(outcome), outcome.mode).catch((error: unknown) => deps.log.warn(`could not update the status comment: ${String(error)}`)),
  ]);
  return { ...outcome, pullRequest: { ...pr, draft: draftChange ? draftChange === "converted to draft" : pr.draft } };
}

/** The crew's commits onto the remote branch, never forced (a `/codegen retry` first becomes one commit on top). */
async function pushCommits(
  deps: WorkRunDeps,
  run: { run: RepositoryRun; start: Starting; n: number; branch: string; revising: boolean; retry: boolean; recheck: (rebased: string) => Promise<void> },
): Promise<PushOutcome> {
  const { start } = run;
  const local = run.retry && start.branchHead ? await replaceContentOnTop(deps.repoDir, run.run.branch, start.branchHead, run.n) : run.run.branch;
  return pushOnTop({
    repoDir: deps.repoDir,
    remote: deps.remote,
    localBranch: local,
    remoteBranch: run.branch,
    since: start.branchHead && (run.revising || run.retry) ? start.branchHead : start.defaultHead,
    recheck: run.recheck,
  });
}

/** Replies in the review's threads, and the review re-requested from the people who reviewed. */
async function answerReview(
  forge: ForgeClient,
  input: RevisionInput,
  run: { pr: number; report: RunReport; changed: boolean; head: string; requester: string | undefined; log: WorkRunDeps["log"] },
): Promise<void> {
  await postReplies(forge, {
    targets: input.targets,
    responses: run.report.revision?.responses ?? [],
    changed: run.changed,
    commit: run.changed ? run.head : null,
    result: run.report.result,
    requester: run.requester,
    log: run.log,
  });
  if (input.reviewers.length) await forge.requestReviewers(run.pr, input.reviewers).catch((error: unknown) => run.log.warn(`could not re-request review: ${String(error)}`));
}

/**
 * `/codegen retry` on an existing branch: the fresh result's files become one normal commit on top of the
 * branch (its history, people's commits included, stays; nothing is forced).
 */
async function replaceContentOnTop(repoDir: string, fresh: string, branchHead: string, issue: number): Promise<string> {
  const git = await Git.open(repoDir);
  const tree = (await git.raw(["rev-parse", `${fresh}^{tree}`])).trim();
  const message = `codegen-crew: retry #${issue} from the default branch\n\nReplaces the branch's content with a fresh run's result; earlier commits stay in its history.`;
  const commit = (await git.raw(["commit-tree", tree, "-p", branchHead, "-m", message])).trim();
  const local = `${fresh}-retry`;
  await git.raw(["branch", "-f", local, commit]);
  return local;
}

/** After a rebase onto people's new commits, the report's checks describe the pushed commit, not the old one. */
async function recheckAfterRebase(report: RunReport, run: RepositoryRun, commit: string, base: string, deps: WorkRunDeps): Promise<RunReport> {
  const checks = await checkCommit({
    runner: deps.runner,
    repoDir: deps.repoDir,
    commit,
    base,
    config: run.config,
    secrets: deps.secrets,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  const failing = checks.filter(isFailing);
  const note = "the branch moved while the crew worked; its commits were put on top and checked again";
  if (failing.length === 0) return { ...report, checks, reason: `${report.reason}; ${note}`, repository: { ...report.repository, headCommit: commit } };
  return {
    ...report,
    checks,
    result: "draft",
    reason: `${note}, and ${failing.map((c) => c.name).join(", ")} now fail${failing.length === 1 ? "s" : ""}`,
    repository: { ...report.repository, headCommit: commit },
  };
}

/** The PR's draft state follows the verdict both ways (GraphQL; REST can do neither), from the PR as GitHub last answered it. */
async function syncDraftState(forge: ForgeClient, pr: PullRequestDetails, report: RunReport, log: { warn(message: string): void }): Promise<string | undefined> {
  const failing = report.checks.some(isFailing);
  try {
    if (pr.draft && report.result === "ready") {
      await forge.setDraft(pr, false);
      return "marked ready for review";
    }
    if (!pr.draft && report.result === "draft" && failing) {
      await forge.setDraft(pr, true);
      return "converted to draft";
    }
  } catch (error) {
    log.warn(`could not change #${pr.number}'s draft state: ${String(error)}`);
  }
  return undefined;
}

async function issueStillExists(forge: ForgeClient, issue: number): Promise<boolean> {
  try {
    await forge.getIssue(issue);
    return true;
  } catch (error) {
    if (error instanceof ForgeError && (error.status === 404 || error.status === 410)) return false;
    throw error;
  }
}
