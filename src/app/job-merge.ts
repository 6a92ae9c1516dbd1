import type { Trigger, WorkItem } from "../core/work/work-item.js";

/**
 * What the queues do with a trigger that arrives while a job for the same issue or PR is queued or running.
 * Label, dispatch and reconcile triggers ask again for what is already on its way: they are de-duplicated.
 * Reviews and `/codegen` instructions are each a request of their own: they wait behind the running job,
 * and several that wait are folded into one revision that answers them all.
 */
export function isRepeatable(item: WorkItem): boolean {
  return item.trigger.type === "label" || item.trigger.type === "dispatch" || item.trigger.type === "reconcile";
}

const FOLDABLE: ReadonlySet<Trigger["type"]> = new Set(["review", "command"]);

/**
 * `waiting` with `later` folded in, or undefined when they cannot share a run: a retry starts from the default
 * branch, so neither joins nor is joined by a request about the current branch. A waiting issue run that
 * takes a review of the bot's PR becomes a revision of that PR (the branch exists: it would be one anyway).
 */
export function foldInto(waiting: WorkItem, later: WorkItem): WorkItem | undefined {
  if (waiting.issue !== later.issue) return undefined;
  if (!FOLDABLE.has(later.trigger.type) || waiting.trigger.type === "retry") return undefined;
  const merged = [...(waiting.merged ?? []), later.trigger, ...(later.merged ?? [])];
  const pr = waiting.kind === "revision" ? waiting.pr : later.kind === "revision" ? later.pr : undefined;
  return pr === undefined
    ? { kind: "issue", issue: waiting.issue, trigger: waiting.trigger, merged }
    : { kind: "revision", issue: waiting.issue, pr, trigger: waiting.trigger, merged };
}
