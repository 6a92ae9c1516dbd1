import type { Logger } from "probot";
import type { WorkItem } from "../core/work/work-item.js";
import type { GitHubAppForge } from "../github/installation-forge.js";
import type { CodegenJob } from "./job.js";
import type { TriggerLabelCache } from "./trigger-label-cache.js";
import { sameLabel, triggerLabel } from "./trigger-label.js";

/**
 * The trigger-label check, done by the job rather than by the webhook: reading the repository's config is a
 * GitHub call (and, for a new installation, a token exchange) that the webhook's answer must not wait for.
 */
export type ReadTriggerLabel = (job: CodegenJob) => Promise<string>;

/** Reads the label as the installation and records it for the webhooks (trigger-label-cache.ts). */
export function triggerLabelReader(appForge: GitHubAppForge, cache: TriggerLabelCache, log: Logger): ReadTriggerLabel {
  return async (job) => {
    const installation = await appForge.installation(job.installationId);
    const repository = `${job.owner}/${job.repo}`;
    const label = await triggerLabel(installation, job.owner, job.repo, log);
    // The cache only saves webhooks some jobs: failing to write it must not fail this one.
    await cache.set(repository, label).catch(() => log.warn({ repo: repository }, "could not record the trigger label for the webhooks"));
    return label;
  };
}

export type LabelGate = { run: WorkItem } | { skip: string };

/** What a job runs once its repository's trigger label is known: its item, or why it ends skipped. */
export function gateLabels(job: CodegenJob, trigger: string): LabelGate {
  if (!job.labels || job.labels.some((label) => sameLabel(label, trigger))) return { run: job.item };
  const names = job.labels.map((label) => `"${label}"`).join(", ");
  const [first, ...rest] = job.item.merged ?? [];
  if (!first) return { skip: `the label ${names} is not the trigger label "${trigger}"` };
  // Reviews or /codegen instructions folded into the job while it waited are requests of their own: they still run.
  const merged = rest.length > 0 ? { merged: rest } : {};
  return {
    run:
      job.item.kind === "revision"
        ? { kind: "revision", issue: job.item.issue, pr: job.item.pr, trigger: first, ...merged }
        : { kind: "issue", issue: job.item.issue, trigger: first, ...merged },
  };
}
