/**
 * What the bot is asked to do, independent of the entry point: the Action's event decision, the app's
 * queued job and the status comment all speak in work items, not in issue numbers.
 */

/** Who or what asked, and how. `sender` is checked for write access before anything is written. */
export type Trigger =
  | { type: "label"; sender: string | undefined }
  | { type: "dispatch"; sender: string | undefined }
  /** The app's reconciler found an open labelled issue with no finished run. */
  | { type: "reconcile"; sender: string | undefined }
  /** A submitted review on the bot's PR: the review body and all its inline comments, as one request. */
  | { type: "review"; sender: string; reviewId: number; url: string }
  /** `/codegen <instruction>` in a comment on the bot's PR or on its issue. */
  | { type: "command"; sender: string; commentId: number; instruction: string; url: string }
  /** `/codegen retry`: a fresh run from the default branch, committed on top of the branch (never forced). */
  | { type: "retry"; sender: string; commentId: number; url: string };

export type WorkItem =
  { kind: "issue"; issue: number; trigger: Trigger; merged?: Trigger[] } | { kind: "revision"; issue: number; pr: number; trigger: Trigger; merged?: Trigger[] };

/**
 * `merged`: later review and `/codegen` triggers that arrived while this item waited in the app's queue, folded
 * into it so one run answers them all (in order, after `trigger`). Absent when there were none.
 */
export function allTriggers(item: WorkItem): Trigger[] {
  return [item.trigger, ...(item.merged ?? [])];
}

/** "new": the run opens the branch and the PR; "revision": it builds on the branch the bot already has. */
export type RunMode = "new" | "revision";

/** The branch the bot keeps for an issue. */
export function issueBranch(issue: number): string {
  return `codegen-crew/issue-${issue}`;
}

/** The issue number of a bot branch, or undefined for any other branch. */
export function issueOfBranch(branch: string): number | undefined {
  const match = /^codegen-crew\/issue-(\d+)$/.exec(branch);
  return match ? Number(match[1]) : undefined;
}

/** The queue identity of work on an issue and its PR: one run at a time per key ("owner/repo#12", lower-cased). */
export function workKey(repository: { owner: string; repo: string }, item: Pick<WorkItem, "issue">): string {
  return `${repository.owner}/${repository.repo}#${item.issue}`.toLowerCase();
}
