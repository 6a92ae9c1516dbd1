import type { RevisionItem, RevisionRequest } from "../crew/revision-request.js";
import type { ForgeClient, PullRequestDetails, ReviewComment } from "../forge/forge-client.js";
import type { Trigger } from "../work/work-item.js";

/** Where the reply to one request item goes. */
export type ReplyTarget = { item: number; kind: "thread"; pr: number; commentId: number } | { item: number; kind: "comment"; issue: number };

export interface RevisionInput {
  request: RevisionRequest;
  targets: ReplyTarget[];
  /** People to ask for a new review when the revision is done. */
  reviewers: string[];
}

const isBot = (login: string, type: string) => type === "Bot" || login.endsWith("[bot]");

/**
 * Turns a trigger into what the crew is asked to revise, with where each answer goes. A review comes in
 * whole — its body and every inline comment, each with its place in the diff and the earlier comments of
 * its thread — so one review makes one revision. Text by people without write access never reaches it.
 * Returns null when a trigger has nothing to act on (a review with neither a body nor comments).
 */
export async function buildRevisionInput(
  forge: ForgeClient,
  triggers: Trigger[],
  where: { issue: number; pr: PullRequestDetails | undefined },
  trusted: (login: string) => Promise<boolean>,
): Promise<RevisionInput | null> {
  // Triggers the app's queue merged into one run (reviews, /codegen instructions) become one request, in order.
  const parts: RevisionInput[] = [];
  for (const trigger of triggers) {
    const part = await inputFor(forge, trigger, where, trusted);
    if (part) parts.push(part);
  }
  if (parts.length <= 1) return parts[0] ?? null;
  const items: RevisionItem[] = [];
  const targets: ReplyTarget[] = [];
  for (const part of parts) {
    const offset = items.length;
    items.push(...part.request.items.map((item) => ({ ...item, id: item.id + offset })));
    targets.push(...part.targets.map((target) => ({ ...target, item: target.item + offset })));
  }
  return {
    request: { summary: parts.map((p) => p.request.summary).join("; "), items },
    targets,
    reviewers: [...new Set(parts.flatMap((p) => p.reviewers))],
  };
}

async function inputFor(
  forge: ForgeClient,
  trigger: Trigger,
  where: { issue: number; pr: PullRequestDetails | undefined },
  trusted: (login: string) => Promise<boolean>,
): Promise<RevisionInput | null> {
  switch (trigger.type) {
    case "review": {
      if (!where.pr) return null;
      const pr = where.pr.number;
      const [review, inline, all] = await Promise.all([forge.getReview(pr, trigger.reviewId), forge.listReviewComments(pr, trigger.reviewId), forge.listPullRequestComments(pr)]);
      const items: RevisionItem[] = [];
      const targets: ReplyTarget[] = [];
      if (review.body.trim()) {
        items.push({ id: 1, kind: "review", author: review.author, body: review.body });
        targets.push({ item: 1, kind: "comment", issue: pr });
      }
      for (const comment of inline) {
        const id = items.length + 1;
        const top = comment.inReplyTo ?? comment.id;
        items.push({
          id,
          kind: "inline",
          author: comment.author,
          body: comment.body,
          path: comment.path,
          ...(comment.line ? { line: comment.line } : {}),
          ...(comment.diffHunk ? { diffHunk: comment.diffHunk } : {}),
          thread: await earlierInThread(all, comment, top, trusted),
        });
        targets.push({ item: id, kind: "thread", pr, commentId: top });
      }
      if (items.length === 0) return null;
      const state = review.state === "CHANGES_REQUESTED" ? "changes requested" : "commented";
      return { request: { summary: `review by @${review.author} (${state})`, items }, targets, reviewers: [review.author] };
    }
    case "command":
      return {
        request: { summary: `/codegen by @${trigger.sender}`, items: [{ id: 1, kind: "command", author: trigger.sender, body: trigger.instruction }] },
        targets: [{ item: 1, kind: "comment", issue: where.pr?.number ?? where.issue }],
        reviewers: [],
      };
    default: {
      // A relabel or a dispatch: the issue itself (as it reads now) is the request.
      const who = trigger.sender ? ` by @${trigger.sender}` : "";
      return {
        request: {
          summary: `${trigger.type === "label" ? "label added again" : trigger.type === "dispatch" ? "workflow dispatched" : "unfinished run picked up"}${who}`,
          items: [
            {
              id: 1,
              kind: "task",
              author: trigger.sender ?? "codegen-crew",
              body: "Bring the change on the branch in line with the task as it reads now. If it already does what the task asks, change nothing.",
            },
          ],
        },
        targets: [],
        reviewers: [],
      };
    }
  }
}

/** The comments of a thread before `comment`, by people with write access and not by bots. */
async function earlierInThread(
  all: ReviewComment[],
  comment: ReviewComment,
  top: number,
  trusted: (login: string) => Promise<boolean>,
): Promise<{ author: string; body: string }[]> {
  const thread = all.filter((c) => (c.id === top || c.inReplyTo === top) && c.id !== comment.id && c.createdAt <= comment.createdAt && !isBot(c.author, c.authorType));
  const kept: { author: string; body: string }[] = [];
  for (const c of thread.sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
    if (await trusted(c.author)) kept.push({ author: c.author, body: c.body });
  }
  return kept;
}
