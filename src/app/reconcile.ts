import type { Logger, Probot, ProbotOctokit } from "probot";
import { describeError } from "../core/errors.js";
import { readStatusState, STATUS_MARKER } from "../core/issue/status-comment.js";
import { jobKey, type CodegenJob } from "./job.js";
import type { JobQueue } from "./job-queue.js";
import { sameLabel, triggerLabel } from "./trigger-label.js";
import { canWrite } from "./write-access.js";

/**
 * GitHub is the source of truth for what was asked: an open issue carrying the trigger label whose status
 * comment is missing or still says "running", and that no job is queued or running for, was asked for and
 * never finished (the process stopped, a delivery was lost, Redis was down). Such issues are enqueued
 * again, for the person who applied the label (their permission is checked when the job runs).
 */
export interface ReconcileSummary {
  installations: number;
  repositories: number;
  candidates: number;
  enqueued: number;
  /** Repositories that could not be read (logged, skipped until the next pass). */
  errors: number;
}

export async function reconcile(probot: Probot, queue: JobQueue, log: Logger): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { installations: 0, repositories: 0, candidates: 0, enqueued: 0, errors: 0 };
  const asApp = await probot.auth();
  const installations = await asApp.paginate(asApp.rest.apps.listInstallations, { per_page: 100 });
  for (const installation of installations) {
    if (installation.suspended_at) continue;
    summary.installations++;
    let octokit: ProbotOctokit;
    let repositories: Array<{ name: string; owner: { login: string }; archived?: boolean }>;
    try {
      octokit = await probot.auth(installation.id);
      repositories = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    } catch (error) {
      summary.errors++;
      log.warn({ installationId: installation.id }, `reconcile: cannot list the repositories of installation ${installation.id}: ${describeError(error)}`);
      continue;
    }
    for (const repository of repositories) {
      if (repository.archived) continue;
      summary.repositories++;
      const owner = repository.owner.login;
      const repo = repository.name;
      try {
        const jobs = await unfinishedIssues(octokit, queue, owner, repo, installation.id, log);
        summary.candidates += jobs.length;
        for (const job of jobs) {
          const result = await queue.enqueue(job);
          if (result.status === "queued") summary.enqueued++;
          log.info({ repo: `${owner}/${repo}`, issue: job.item.issue, jobId: result.jobId, enqueue: result.status }, `reconcile: ${owner}/${repo}#${job.item.issue} → ${result.status}`);
        }
      } catch (error) {
        summary.errors++;
        log.warn({ repo: `${owner}/${repo}` }, `reconcile: skipped ${owner}/${repo}: ${describeError(error)}`);
      }
    }
  }
  return summary;
}

async function unfinishedIssues(octokit: ProbotOctokit, queue: JobQueue, owner: string, repo: string, installationId: number, log: Logger): Promise<CodegenJob[]> {
  const label = await triggerLabel(octokit, owner, repo, log);
  const issues = await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, state: "open", labels: label, per_page: 100 });
  const jobs: CodegenJob[] = [];
  for (const issue of issues) {
    if (issue.pull_request || issue.locked) continue;
    if (await queue.activeJob(jobKey({ owner, repo, item: { issue: issue.number } }))) continue;
    const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issue.number, per_page: 100 });
    const status = comments.find((comment) => comment.body?.includes(STATUS_MARKER));
    const state = status?.body ? readStatusState(status.body) : null;
    if (status && state?.state !== "running") continue;
    const sender = await lastLabeler(octokit, owner, repo, issue.number, label);
    // Without a labeller who may trigger runs, a job would only post the "write access" comment again on
    // every pass; the label stays until a maintainer applies it again (which sends a webhook).
    if (!sender || !(await canWrite(octokit, owner, repo, sender))) {
      log.info({ repo: `${owner}/${repo}`, issue: issue.number }, `reconcile: #${issue.number} was labelled by ${sender ?? "an unknown account"} without write access; not enqueued`);
      continue;
    }
    jobs.push({
      deliveryId: `reconcile-${owner}-${repo}-${issue.number}-${Date.now()}`,
      installationId,
      owner,
      repo,
      item: { kind: "issue", issue: issue.number, trigger: { type: "reconcile", sender } },
      origin: "reconcile",
    });
  }
  return jobs;
}

/** Who applied the trigger label most recently (the issue's events); undefined when GitHub does not say. */
async function lastLabeler(octokit: ProbotOctokit, owner: string, repo: string, issueNumber: number, label: string): Promise<string | undefined> {
  const events = await octokit.paginate(octokit.rest.issues.listEvents, { owner, repo, issue_number: issueNumber, per_page: 100 });
  let login: string | undefined;
  for (const event of events) {
    if (event.event === "labeled" && "label" in event && sameLabel(event.label.name, label)) login = event.actor?.login;
  }
  return login;
}

/** Runs `reconcile` now and then every `intervalMs` (0 = only now), one pass at a time. */
export function startReconciler(run: () => Promise<ReconcileSummary>, intervalMs: number, log: Logger): { runNow(): Promise<ReconcileSummary | undefined>; stop(): void } {
  let running: Promise<ReconcileSummary | undefined> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const runNow = () => {
    running ??= run()
      .then((summary) => {
        log.info({ reconcile: summary }, `reconcile: ${summary.enqueued} job(s) enqueued from ${summary.candidates} unfinished issue(s) in ${summary.repositories} repositories`);
        return summary;
      })
      .catch((error: unknown) => {
        log.error({ err: error }, `reconcile failed: ${describeError(error)}`);
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  if (intervalMs > 0) {
    timer = setInterval(() => void runNow(), intervalMs);
    timer.unref();
  }
  return {
    runNow,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}
