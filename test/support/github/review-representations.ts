import type { Representations } from "./representations.js";
import type { RepoState, ReviewCommentState, ReviewState } from "./state.js";
import type { RefTarget, TagObject } from "./git-refs.js";

/** GitHub's JSON for reviews, inline comments, refs and tag objects (the response schemas in the fixture). */
type Json = Record<string, unknown>;

export class ReviewRepresentations {
  constructor(private readonly views: Representations) {}

  review(repo: RepoState, review: ReviewState): Json {
    const pullApi = `${this.views.repoApi(repo)}/pulls/${review.pullNumber}`;
    const html = `${this.views.repoWeb(repo)}/pull/${review.pullNumber}#pullrequestreview-${review.id}`;
    return {
      id: review.id,
      node_id: review.nodeId,
      user: this.views.user(review.user),
      body: review.body,
      state: review.state,
      html_url: html,
      pull_request_url: pullApi,
      _links: { html: { href: html }, pull_request: { href: pullApi } },
      ...(review.submittedAt ? { submitted_at: review.submittedAt } : {}),
      commit_id: review.commitId,
      author_association: this.views.association(repo, review.user),
    };
  }

  /** Both schemas (`review-comment` of a review's list, `pull-request-review-comment` of the PR's) are met. */
  reviewComment(repo: RepoState, comment: ReviewCommentState): Json {
    const api = `${this.views.repoApi(repo)}/pulls/comments/${comment.id}`;
    const pullApi = `${this.views.repoApi(repo)}/pulls/${comment.pullNumber}`;
    const html = `${this.views.repoWeb(repo)}/pull/${comment.pullNumber}#discussion_r${comment.id}`;
    return {
      url: api,
      pull_request_review_id: comment.reviewId,
      id: comment.id,
      node_id: comment.nodeId,
      diff_hunk: comment.diffHunk,
      path: comment.path,
      position: comment.position,
      original_position: comment.position,
      commit_id: comment.commitId,
      original_commit_id: comment.commitId,
      ...(comment.inReplyTo !== undefined ? { in_reply_to_id: comment.inReplyTo } : {}),
      user: this.views.user(comment.user),
      body: comment.body,
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      html_url: html,
      pull_request_url: pullApi,
      author_association: this.views.association(repo, comment.user),
      _links: { self: { href: api }, html: { href: html }, pull_request: { href: pullApi } },
      start_line: null,
      original_start_line: null,
      start_side: null,
      line: comment.line,
      original_line: comment.line,
      side: comment.side,
      subject_type: "line",
      reactions: this.views.reactionRollup(`${api}/reactions`, comment.reactions),
    };
  }

  ref(repo: RepoState, ref: string, target: RefTarget): Json {
    const api = this.views.repoApi(repo);
    return {
      ref,
      node_id: `REF_kwDO${Buffer.from(`${repo.id}:${ref}`).toString("base64url")}`,
      url: `${api}/git/${ref}`,
      object: { type: target.type, sha: target.sha, url: `${api}/git/${target.type}s/${target.sha}` },
    };
  }

  tag(repo: RepoState, tag: TagObject): Json {
    const api = this.views.repoApi(repo);
    return {
      node_id: `TAG_kwDO${Buffer.from(`${repo.id}:${tag.sha}`).toString("base64url")}`,
      tag: tag.tag,
      sha: tag.sha,
      url: `${api}/git/tags/${tag.sha}`,
      message: tag.message,
      tagger: tag.tagger,
      object: { sha: tag.object.sha, type: tag.object.type, url: `${api}/git/${tag.object.type}s/${tag.object.sha}` },
      verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
    };
  }
}
