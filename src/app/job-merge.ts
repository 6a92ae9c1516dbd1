import type { Trigger, WorkItem } from "../core/work/work-item.js";
import type { CodegenJob } from "./job.js";
import { sameLabel } from "./trigger-label.js";

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

/**
 * Whether a repeatable trigger (label, dispatch, reconcile) asks for nothing `existing` does not already cover.
 * A label job only covers the labels it names: its label may turn out not to be the trigger, so another label
 * added meanwhile must still get its own chance (an issue opened with the labels "bug" and "codegen" sends
 * two deliveries at once, and the first may be "bug").
 */
function alreadyCovers(existing: CodegenJob, later: CodegenJob): boolean {
  if (!isRepeatable(later.item)) return false;
  if (!later.labels || !existing.labels) return true;
  return later.labels.every((label) => existing.labels!.some((known) => sameLabel(known, label)));
}

/** `waiting` (a label job that has not started) also asked for by `later`'s labels; undefined when either is not a label job. */
function withLabelsOf(waiting: CodegenJob, later: CodegenJob): CodegenJob | undefined {
  if (!waiting.labels || !later.labels) return undefined;
  const added = later.labels.filter((label) => !waiting.labels!.some((known) => sameLabel(known, label)));
  return { ...waiting, labels: [...waiting.labels, ...added] };
}

/** Where a repeatable trigger goes when its key already has a job (see placeRepeatable). */
export type RepeatablePlace = { kind: "covered" } | { kind: "join"; job: CodegenJob } | { kind: "behind" };

/**
 * A label, dispatch or reconcile trigger for a key that has jobs (`existing`: the current one and the one
 * waiting behind it, if any): dropped when one covers it or when the job that has not started cannot take
 * its labels in; joined to that job when it can; else queued behind the current one (nothing waits yet).
 */
export function placeRepeatable(existing: CodegenJob[], waiting: CodegenJob | undefined, later: CodegenJob): RepeatablePlace {
  if (existing.some((job) => alreadyCovers(job, later))) return { kind: "covered" };
  if (!waiting) return { kind: "behind" };
  const joined = withLabelsOf(waiting, later);
  return joined ? { kind: "join", job: joined } : { kind: "covered" };
}
