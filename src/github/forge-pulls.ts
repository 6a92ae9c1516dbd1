import type { RestEndpointMethodTypes } from "@octokit/plugin-rest-endpoint-methods";
import type { ForgeClient, PullRequestDetails, PullRequestInfo, PullRequestReview, ReviewComment } from "../core/forge/forge-client.js";
import { call, graphqlUrl, readAllPages, type GitHubOctokit } from "./octokit-client.js";

type PullCalls = Pick<
  ForgeClient,
  | "findOpenPullRequest"
  | "createPullRequest"
  | "updatePullRequest"
  | "getPullRequest"
  | "listPullRequestsForBranch"
  | "getReview"
  | "listReviewComments"
  | "listPullRequestComments"
  | "replyToReviewComment"
  | "addReviewCommentReaction"
  | "requestReviewers"
  | "setDraft"
>;
type PullData = RestEndpointMethodTypes["pulls"]["get"]["response"]["data"] | RestEndpointMethodTypes["pulls"]["list"]["response"]["data"][number];
type ReviewData = RestEndpointMethodTypes["pulls"]["getReview"]["response"]["data"];
type ReviewCommentData =
  RestEndpointMethodTypes["pulls"]["listReviewComments"]["response"]["data"][number] | RestEndpointMethodTypes["pulls"]["listCommentsForReview"]["response"]["data"][number];

const REVIEW_STATES: readonly string[] = ["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"];

function pull(data: PullData): PullRequestInfo {
  return { number: data.number, htmlUrl: data.html_url, draft: data.draft ?? false, head: data.head.ref };
}

function pullDetails(data: PullData): PullRequestDetails {
  return {
    ...pull(data),
    title: data.title,
    body: data.body ?? "",
    state: data.state === "closed" ? "closed" : "open",
    merged: data.merged_at !== null && data.merged_at !== undefined,
    nodeId: data.node_id,
    headSha: data.head.sha,
    base: data.base.ref,
    author: data.user?.login ?? "ghost",
    labels: data.labels.map((label) => label.name ?? "").filter(Boolean),
    requestedReviewers: (data.requested_reviewers ?? []).map((user) => user.login),
  };
}

function review(data: ReviewData): PullRequestReview {
  return {
    id: data.id,
    author: data.user?.login ?? "ghost",
    authorType: data.user?.type ?? "User",
    state: (REVIEW_STATES.includes(data.state) ? data.state : "COMMENTED") as PullRequestReview["state"],
    body: data.body ?? "",
    htmlUrl: data.html_url,
    submittedAt: data.submitted_at ?? null,
  };
}

function reviewComment(data: ReviewCommentData): ReviewComment {
  return {
    id: data.id,
    reviewId: data.pull_request_review_id ?? null,
    inReplyTo: data.in_reply_to_id ?? null,
    author: data.user?.login ?? "ghost",
    authorType: data.user?.type ?? "User",
    body: data.body,
    path: data.path,
    line: data.line ?? data.original_line ?? null,
    diffHunk: data.diff_hunk,
    createdAt: data.created_at,
    htmlUrl: data.html_url,
  };
}

const DRAFT_MUTATIONS = {
  true: "mutation($id: ID!) { convertPullRequestToDraft(input: { pullRequestId: $id }) { pullRequest { isDraft } } }",
  false: "mutation($id: ID!) { markPullRequestReadyForReview(input: { pullRequestId: $id }) { pullRequest { isDraft } } }",
} as const;

/** Pull requests, their reviews and inline threads, and the draft flag (GraphQL: REST cannot set it). */
export function pullCalls(octokit: GitHubOctokit, owner: string, repo: string): PullCalls {
  const rest = octokit.rest;
  return {
    async findOpenPullRequest(head) {
      // GitHub filters by head only in the owner:branch form; the check below guards against a forge that ignores it.
      const { data } = await call(`find PR for ${head}`, () => rest.pulls.list({ owner, repo, head: `${owner}:${head}`, state: "open", per_page: 10 }));
      const match = data.find((p) => p.head.ref === head);
      return match ? pullDetails(match) : null;
    },
    async createPullRequest(pr) {
      const { data } = await call("create pull request", () => rest.pulls.create({ owner, repo, ...pr }));
      return pullDetails(data);
    },
    async updatePullRequest(number, fields) {
      const { data } = await call(`update PR #${number}`, () => rest.pulls.update({ owner, repo, pull_number: number, ...fields }));
      return pullDetails(data);
    },
    async getPullRequest(number) {
      const { data } = await call(`GET PR #${number}`, () => rest.pulls.get({ owner, repo, pull_number: number }));
      return pullDetails(data);
    },
    async listPullRequestsForBranch(head, state) {
      const all = await readAllPages(`list PRs for ${head}`, (page) =>
        rest.pulls.list({ owner, repo, head: `${owner}:${head}`, state, sort: "created", direction: "desc", ...page }),
      );
      return all.filter((p) => p.head.ref === head).map(pullDetails);
    },
    async getReview(number, reviewId) {
      const { data } = await call(`GET review ${reviewId} of PR #${number}`, () => rest.pulls.getReview({ owner, repo, pull_number: number, review_id: reviewId }));
      return review(data);
    },
    async listReviewComments(number, reviewId) {
      const all = await readAllPages(`list comments of review ${reviewId}`, (page) =>
        rest.pulls.listCommentsForReview({ owner, repo, pull_number: number, review_id: reviewId, ...page }),
      );
      return all.map(reviewComment);
    },
    async listPullRequestComments(number) {
      const all = await readAllPages(`list review comments of PR #${number}`, (page) =>
        rest.pulls.listReviewComments({ owner, repo, pull_number: number, sort: "created", direction: "asc", ...page }),
      );
      return all.map(reviewComment);
    },
    async replyToReviewComment(number, commentId, body) {
      const { data } = await call(`reply to review comment ${commentId}`, () =>
        rest.pulls.createReplyForReviewComment({ owner, repo, pull_number: number, comment_id: commentId, body }),
      );
      return data.id;
    },
    async addReviewCommentReaction(commentId, content) {
      await call(`react to review comment ${commentId}`, () => rest.reactions.createForPullRequestReviewComment({ owner, repo, comment_id: commentId, content }));
    },
    async requestReviewers(number, reviewers) {
      if (reviewers.length === 0) return;
      await call(`request review on PR #${number}`, () => rest.pulls.requestReviewers({ owner, repo, pull_number: number, reviewers }));
    },
    async setDraft(pr, draft) {
      const url = graphqlUrl(octokit.request.endpoint.DEFAULTS.baseUrl ?? "https://api.github.com");
      await call(draft ? "convert PR to draft" : "mark PR ready for review", async () => {
        const { data } = await octokit.request(`POST ${url}`, { query: DRAFT_MUTATIONS[`${draft}`], variables: { id: pr.nodeId } });
        // GraphQL reports failures in a 200 answer.
        const errors = (data as { errors?: Array<{ message?: string }> }).errors;
        if (errors && errors.length > 0) throw new Error(errors.map((error) => error.message ?? "GraphQL error").join("; "));
      });
    },
  };
}
