import type { PullRequestReviewSubmittedEvent } from "@octokit/webhooks-types";
import { example, labelLike, retarget, retargetRepository, rewriteHosts, stableId, userLike, withInstallation, type RepoTarget } from "./webhook-payload-kit.js";

/** `pull_request_review` payloads, from GitHub's example with the pull request and review replaced. */
export interface PayloadPullRequest {
  number: number;
  title: string;
  body?: string | null;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  draft?: boolean;
  labels?: string[];
  /** Who opened it (default the repository owner). */
  user?: string;
  id?: number;
  nodeId?: string;
  requestedReviewers?: string[];
  state?: "open" | "closed";
}

export interface PayloadReview {
  id?: number;
  nodeId?: string;
  /** As webhooks spell it (lower case). */
  state: "approved" | "changes_requested" | "commented";
  body?: string | null;
  /** The reviewer (default the sender). */
  user?: string;
  /** Default: the pull request's head sha. */
  commitId?: string;
  submittedAt?: string;
}

/** A review was submitted; the sender is the reviewer unless `review.user` says otherwise. A `[bot]` sender is a Bot. */
export function pullRequestReviewSubmittedPayload(
  input: RepoTarget & { pullRequest: PayloadPullRequest; review: PayloadReview; /** For bot accounts without the `[bot]` suffix. */ senderType?: "User" | "Bot" },
): PullRequestReviewSubmittedEvent {
  const payload = example<PullRequestReviewSubmittedEvent>("pull_request_review", "submitted");
  const from = payload.repository.full_name;
  const full = `${input.owner}/${input.repo}`;
  const pr = input.pullRequest;
  const api = `https://api.github.com/repos/${full}`;
  const web = `https://github.com/${full}/pull/${pr.number}`;
  const template = payload.sender;
  const labelTemplate = { id: 1, node_id: "", url: "", name: "", color: "d73a4a", default: false, description: null };
  payload.repository = retargetRepository(payload.repository, from, input);
  const moved = retarget(payload.pull_request, from, full);
  const id = pr.id ?? stableId(`pull:${full}#${pr.number}`);
  const side = (ref: { ref: string; sha: string }, template: typeof moved.head) => ({
    ...template,
    label: `${input.owner}:${ref.ref}`,
    ref: ref.ref,
    sha: ref.sha,
    user: userLike(template.user, input.owner),
    repo: payload.repository as unknown as typeof template.repo,
  });
  payload.pull_request = {
    ...moved,
    id,
    node_id: pr.nodeId ?? `PR_kwDO${Buffer.from(`pull:${id}`).toString("base64url")}`,
    number: pr.number,
    title: pr.title,
    body: pr.body ?? null,
    state: pr.state ?? "open",
    draft: pr.draft ?? false,
    user: userLike(template, pr.user ?? input.owner),
    labels: (pr.labels ?? []).map((name) => labelLike(labelTemplate, input, name)),
    requested_reviewers: (pr.requestedReviewers ?? []).map((login) => userLike(template, login)),
    requested_teams: [],
    assignee: null,
    assignees: [],
    milestone: null,
    url: `${api}/pulls/${pr.number}`,
    html_url: web,
    issue_url: `${api}/issues/${pr.number}`,
    head: side(pr.head, moved.head),
    base: side(pr.base, moved.base),
  };
  const review = input.review;
  const reviewId = review.id ?? stableId(`review:${full}#${pr.number}:${review.state}:${review.body ?? ""}`);
  const reviewer = review.user ?? input.sender;
  const html = `${web}#pullrequestreview-${reviewId}`;
  payload.review = {
    ...payload.review,
    id: reviewId,
    node_id: review.nodeId ?? `PRR_kwDO${Buffer.from(`review:${reviewId}`).toString("base64url")}`,
    user: userLike(template, reviewer),
    body: review.body ?? null,
    commit_id: review.commitId ?? pr.head.sha,
    submitted_at: review.submittedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    state: review.state,
    html_url: html,
    pull_request_url: `${api}/pulls/${pr.number}`,
    _links: { html: { href: html }, pull_request: { href: `${api}/pulls/${pr.number}` } },
  };
  payload.sender = userLike(template, input.sender);
  if (input.senderType) {
    payload.sender.type = input.senderType;
    if (reviewer.toLowerCase() === input.sender.toLowerCase() && payload.review.user) payload.review.user.type = input.senderType;
  }
  withInstallation(payload, input.installationId);
  return rewriteHosts(payload, input);
}
