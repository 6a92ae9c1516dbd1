import type { PullRequestReviewSubmittedEvent } from "@octokit/webhooks-types";
import { pullRequestReviewSubmittedPayload } from "../webhook-payloads.js";
import type { Links } from "./representations.js";
import type { GitHubState, RepoState, ReviewState } from "./state.js";

/** The pull_request_review (submitted) webhook GitHub sends for a stored review, with the PR as it is now. */
export function reviewSubmittedWebhook(state: GitHubState, links: Links, repo: RepoState, review: ReviewState): PullRequestReviewSubmittedEvent {
  const issue = repo.issues.get(review.pullNumber);
  const pull = issue?.pullRequest;
  if (!issue || !pull) throw new Error(`GitHub stand-in: review ${review.id} is not on a pull request`);
  return pullRequestReviewSubmittedPayload({
    owner: repo.owner,
    repo: repo.name,
    sender: review.user,
    senderType: state.user(review.user).type,
    installationId: repo.installationId,
    defaultBranch: repo.defaultBranch,
    apiUrl: links.api,
    serverUrl: links.web,
    pullRequest: {
      number: issue.number,
      title: issue.title,
      body: issue.body,
      head: { ref: pull.headRef, sha: pull.headSha },
      base: { ref: pull.baseRef, sha: pull.baseSha },
      draft: pull.draft,
      labels: issue.labels,
      user: issue.user,
      id: pull.id,
      nodeId: pull.nodeId,
      requestedReviewers: pull.requestedReviewers,
      state: issue.state,
    },
    review: {
      id: review.id,
      nodeId: review.nodeId,
      state: review.state.toLowerCase() as "approved" | "changes_requested" | "commented",
      body: review.body || null,
      user: review.user,
      commitId: review.commitId,
      submittedAt: review.submittedAt ?? undefined,
    },
  });
}
