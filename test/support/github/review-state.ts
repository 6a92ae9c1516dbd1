import { HttpError } from "./http-util.js";
import { timestamp, type GitHubState, type IssueState, type PullRequestState, type RepoState, type ReviewCommentState, type ReviewState, type ReviewStateName } from "./state.js";

/**
 * Pull request reviews as GitHub keeps them: a review (approve, request changes, comment, or pending) with
 * its inline comments; replies, which GitHub files as a one-comment COMMENTED review of their own; and the
 * requested reviewers. GitHub's refusals (422) are thrown as HttpError, so the REST routes and the tests'
 * helpers refuse the same things.
 */
export type ReviewEvent = "APPROVE" | "REQUEST_CHANGES" | "COMMENT";

export interface InlineCommentInput {
  path: string;
  line: number;
  side?: "LEFT" | "RIGHT";
  body: string;
}

export interface ReviewInput {
  user: string;
  /** Without an event the review stays PENDING (not submitted), as on GitHub. */
  event?: ReviewEvent;
  body?: string;
  comments?: InlineCommentInput[];
}

/** Where a line sits in the pull request's diff (undefined: not in the diff). */
export type HunkFinder = (repo: RepoState, pull: PullRequestState, path: string, line: number, side: "LEFT" | "RIGHT") => Promise<{ hunk: string; position: number } | undefined>;

const STATE_OF: Record<ReviewEvent, ReviewStateName> = { APPROVE: "APPROVED", REQUEST_CHANGES: "CHANGES_REQUESTED", COMMENT: "COMMENTED" };

export class Reviews {
  constructor(
    private readonly state: GitHubState,
    private readonly findHunk: HunkFinder,
  ) {}

  async submit(repo: RepoState, issue: IssueState, input: ReviewInput): Promise<{ review: ReviewState; comments: ReviewCommentState[] }> {
    const pull = pullOf(issue);
    const body = input.body ?? "";
    const inline = input.comments ?? [];
    if (input.event && input.event !== "APPROVE" && body === "" && inline.length === 0) {
      throw new HttpError(422, "Unprocessable Entity", { errors: [`Review body is required for ${input.event}`] });
    }
    if (input.event && input.event !== "COMMENT" && input.user.toLowerCase() === issue.user.toLowerCase()) {
      throw new HttpError(422, "Unprocessable Entity", { errors: [`Can not ${input.event === "APPROVE" ? "approve" : "request changes on"} your own pull request`] });
    }
    const placed = [];
    for (const comment of inline) {
      const side = comment.side ?? "RIGHT";
      const found = await this.findHunk(repo, pull, comment.path, comment.line, side);
      if (!found) throw new HttpError(422, "Unprocessable Entity", { errors: ["Line could not be resolved"] });
      placed.push({ ...comment, side, ...found });
    }
    const review = this.newReview(repo, issue, input.user, input.event ? STATE_OF[input.event] : "PENDING", body);
    const comments = placed.map((comment) =>
      this.newComment(repo, review, {
        path: comment.path,
        line: comment.line,
        side: comment.side,
        body: comment.body,
        diffHunk: comment.hunk,
        position: comment.position,
        inReplyTo: undefined,
      }),
    );
    return { review, comments };
  }

  /**
   * A reply to a thread's top comment. GitHub documents "replies to replies are not supported"; the stand-in
   * refuses them (422) so a caller that passes a reply's id instead of the thread's top comment finds out here.
   */
  reply(repo: RepoState, issue: IssueState, commentId: number, body: string, user: string): ReviewCommentState {
    const top = repo.reviewComments.get(commentId);
    if (!top || top.pullNumber !== issue.number) throw new HttpError(404, "Not Found");
    if (top.inReplyTo !== undefined)
      throw new HttpError(422, "Unprocessable Entity", { errors: [`Replies to replies are not supported: reply to ${top.inReplyTo}, the thread's top comment`] });
    const review = this.newReview(repo, issue, user, "COMMENTED", "");
    return this.newComment(repo, review, { path: top.path, line: top.line, side: top.side, body, diffHunk: top.diffHunk, position: top.position, inReplyTo: top.id });
  }

  requestReviewers(repo: RepoState, issue: IssueState, logins: string[]): void {
    const pull = pullOf(issue);
    for (const login of logins) {
      if (login.toLowerCase() === issue.user.toLowerCase()) throw new HttpError(422, "Review cannot be requested from pull request author.");
      const explicit = repo.permissions.get(login.toLowerCase());
      if (!explicit || explicit === "none")
        throw new HttpError(
          422,
          "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the " +
            `${repo.owner}/${repo.name} repository.`,
        );
    }
    for (const login of logins) {
      if (!pull.requestedReviewers.some((name) => name.toLowerCase() === login.toLowerCase())) pull.requestedReviewers.push(this.state.user(login).login);
    }
    issue.updatedAt = timestamp();
  }

  reviewsOf(repo: RepoState, pullNumber: number): ReviewState[] {
    return [...repo.reviews.values()].filter((review) => review.pullNumber === pullNumber).sort((a, b) => a.id - b.id);
  }

  commentsOf(repo: RepoState, pullNumber: number, reviewId?: number): ReviewCommentState[] {
    return [...repo.reviewComments.values()]
      .filter((comment) => comment.pullNumber === pullNumber && (reviewId === undefined || comment.reviewId === reviewId))
      .sort((a, b) => a.id - b.id);
  }

  private newReview(repo: RepoState, issue: IssueState, user: string, state: ReviewStateName, body: string): ReviewState {
    const pull = pullOf(issue);
    this.state.user(user);
    const submitted = state !== "PENDING";
    const review: ReviewState = { ...this.state.newId("review"), pullNumber: issue.number, user, state, body, commitId: pull.headSha, submittedAt: submitted ? timestamp() : null };
    repo.reviews.set(review.id, review);
    if (submitted) pull.requestedReviewers = pull.requestedReviewers.filter((name) => name.toLowerCase() !== user.toLowerCase());
    issue.updatedAt = timestamp();
    return review;
  }

  private newComment(
    repo: RepoState,
    review: ReviewState,
    input: { path: string; line: number; side: "LEFT" | "RIGHT"; body: string; diffHunk: string; position: number; inReplyTo: number | undefined },
  ): ReviewCommentState {
    const now = timestamp();
    const comment: ReviewCommentState = {
      ...this.state.newId("reviewComment"),
      pullNumber: review.pullNumber,
      reviewId: review.id,
      user: review.user,
      commitId: review.commitId,
      createdAt: now,
      updatedAt: now,
      reactions: [],
      ...input,
    };
    repo.reviewComments.set(comment.id, comment);
    return comment;
  }
}

function pullOf(issue: IssueState): PullRequestState {
  if (!issue.pullRequest) throw new HttpError(404, "Not Found");
  return issue.pullRequest;
}
