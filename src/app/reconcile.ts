import type { Logger } from "probot";
import { describeError } from "../core/errors.js";
import { hasWriteAccess, type ForgeClient } from "../core/forge/forge-client.js";
import type { AppForge, InstallationForge, InstallationRepository } from "../core/forge/installation-forge.js";
import { readStatusState, STATUS_MARKER } from "../core/issue/status-comment.js";
import { jobKey, type CodegenJob } from "./job.js";
import type { JobQueue } from "./job-queue.js";
import { sameLabel, triggerLabel } from "./trigger-label.js";

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

export async function reconcile(appForge: AppForge, queue: JobQueue, log: Logger): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { installations: 0, repositories: 0, candidates: 0, enqueued: 0, errors: 0 };
  const installations = await appForge.listInstallations();
  for (const installation of installations) {
    if (installation.suspended) continue;
    summary.installations++;
    let forge: InstallationForge;
    let repositories: InstallationRepository[];
    try {
      forge = await appForge.installation(installation.id);
      repositories = await forge.listRepositories();
    } catch (error) {
      summary.errors++;
      log.warn({ installationId: installation.id }, `reconcile: cannot list the repositories of installation ${installation.id}: ${describeError(error)}`);
      continue;
    }
    for (const { owner, repo, archived } of repositories) {
      if (archived) continue;
      summary.repositories++;
      try {
        const jobs = await unfinishedIssues(forge, queue, owner, repo, log);
        summary.candidates += jobs.length;
        for (const job of jobs) {
          const result = await queue.enqueue(job);
          if (result.status === "queued") summary.enqueued++;
          log.info(
            { repo: `${owner}/${repo}`, issue: job.item.issue, jobId: result.jobId, enqueue: result.status },
            `reconcile: ${owner}/${repo}#${job.item.issue} → ${result.status}`,
          );
        }
      } catch (error) {
        summary.errors++;
        log.warn({ repo: `${owner}/${repo}` }, `reconcile: skipped ${owner}/${repo}: ${describeError(error)}`);
      }
    }
  }
  return summary;
}

async function unfinishedIssues(installation: InstallationForge, queue: JobQueue, owner: string, repo: string, log: Logger): Promise<CodegenJob[]> {
  const label = await triggerLabel(installation, owner, repo, log);
  const forge = installation.repository(owner, repo);
  const issues = await forge.listOpenIssuesWithLabel(label);
  const jobs: CodegenJob[] = [];
  for (const issue of issues) {
    if (issue.isPullRequest || issue.locked) continue;
    if (await queue.activeJob(jobKey({ owner, repo, item: { issue: issue.number } }))) continue;
    const comments = await forge.listIssueComments(issue.number);
    const status = comments.find((comment) => comment.body.includes(STATUS_MARKER));
    const state = status?.body ? readStatusState(status.body) : null;
    if (status && state?.state !== "running") continue;
    const sender = await lastLabeler(forge, issue.number, label);
    // Without a labeller who may trigger runs, a job would only post the "write access" comment again on
    // every pass; the label stays until a maintainer applies it again (which sends a webhook).
    if (!sender || !hasWriteAccess(await forge.getPermission(sender))) {
      log.info(
        { repo: `${owner}/${repo}`, issue: issue.number },
        `reconcile: #${issue.number} was labelled by ${sender ?? "an unknown account"} without write access; not enqueued`,
      );
      continue;
    }
    jobs.push({
      deliveryId: `reconcile-${owner}-${repo}-${issue.number}-${Date.now()}`,
      installationId: installation.installationId,
      owner,
      repo,
      item: { kind: "issue", issue: issue.number, trigger: { type: "reconcile", sender } },
      origin: "reconcile",
    });
  }
  return jobs;
}

/** Who applied the trigger label most recently (the issue's events); undefined when GitHub does not say. */
async function lastLabeler(forge: ForgeClient, issueNumber: number, label: string): Promise<string | undefined> {
  let login: string | undefined;
  for (const event of await forge.listLabelEvents(issueNumber)) {
    if (event.event === "labeled" && sameLabel(event.label, label)) login = event.actor;
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
