import { HttpError } from "./http-util.js";
import type { ReviewEvent, InlineCommentInput } from "./review-state.js";
import { body, login, lookups, paginate, read, write, type Route, type RouteDependencies } from "./route-kit.js";
import type { ReactionContent } from "./state.js";

/** Pull request reviews, inline comments and their replies, requested reviewers, reactions on comments. */
export function reviewRoutes(deps: RouteDependencies): Array<[string, Route]> {
  const { state, views, reviews, reviewViews } = deps;
  const { repoOf, pullOf } = lookups(state);

  return [
    [
      "pulls/list-reviews",
      read(async (context) => {
        const repo = repoOf(context);
        const issue = pullOf(repo, context.params.pull_number);
        // Pending reviews are visible to their author only.
        const visible = reviews.reviewsOf(repo, issue.number).filter((review) => review.state !== "PENDING" || review.user.toLowerCase() === login(context).toLowerCase());
        return paginate(context, visible, (review) => reviewViews.review(repo, review));
      }),
    ],
    [
      "pulls/create-review",
      write(async (context) => {
        const repo = repoOf(context);
        const issue = pullOf(repo, context.params.pull_number);
        const input = body(context);
        const comments = ((input.comments ?? []) as Array<Record<string, unknown>>).map((comment): InlineCommentInput => {
          if (typeof comment.line !== "number") throw new HttpError(422, "Unprocessable Entity", { errors: ["The GitHub stand-in places inline comments by line (not position)"] });
          return { path: String(comment.path), line: comment.line, side: comment.side === "LEFT" ? "LEFT" : "RIGHT", body: String(comment.body) };
        });
        const { review } = await reviews.submit(repo, issue, {
          user: login(context),
          event: input.event as ReviewEvent | undefined,
          body: typeof input.body === "string" ? input.body : "",
          comments,
        });
        return { status: 200, body: reviewViews.review(repo, review) };
      }),
    ],
    [
      "pulls/get-review",
      read(async (context) => {
        const repo = repoOf(context);
        const issue = pullOf(repo, context.params.pull_number);
        const review = repo.reviews.get(Number(context.params.review_id));
        if (!review || review.pullNumber !== issue.number) throw new HttpError(404, "Not Found");
        return { status: 200, body: reviewViews.review(repo, review) };
      }),
    ],
    [
      "pulls/list-comments-for-review",
      read(async (context) => {
        const repo = repoOf(context);
        const issue = pullOf(repo, context.params.pull_number);
        const review = repo.reviews.get(Number(context.params.review_id));
        if (!review || review.pullNumber !== issue.number) throw new HttpError(404, "Not Found");
        return paginate(context, reviews.commentsOf(repo, issue.number, review.id), (comment) => reviewViews.reviewComment(repo, comment));
      }),
    ],
    [
      "pulls/list-review-comments",
      read(async (context) => {
        const repo = repoOf(context);
        const issue = pullOf(repo, context.params.pull_number);
        const since = context.query.since ? Date.parse(context.query.since) : undefined;
        const submitted = (reviewId: number) => repo.reviews.get(reviewId)?.state !== "PENDING";
        let comments = reviews.commentsOf(repo, issue.number).filter((comment) => submitted(comment.reviewId) && (since === undefined || Date.parse(comment.updatedAt) >= since));
        if (context.query.direction === "desc") comments = comments.reverse();
        return paginate(context, comments, (comment) => reviewViews.reviewComment(repo, comment));
      }),
    ],
    [
      "pulls/get-review-comment",
      read(async (context) => {
        const repo = repoOf(context);
        const comment = repo.reviewComments.get(Number(context.params.comment_id));
        if (!comment) throw new HttpError(404, "Not Found");
        return { status: 200, body: reviewViews.reviewComment(repo, comment) };
      }),
    ],
    [
      "pulls/create-reply-for-review-comment",
      write(async (context) => {
        const repo = repoOf(context);
        const issue = pullOf(repo, context.params.pull_number);
        const reply = reviews.reply(repo, issue, Number(context.params.comment_id), String(body(context).body), login(context));
        const json = reviewViews.reviewComment(repo, reply);
        return { status: 201, body: json, headers: { location: String(json.url) } };
      }),
    ],
    [
      "pulls/request-reviewers",
      write(async (context) => {
        const repo = repoOf(context);
        const issue = pullOf(repo, context.params.pull_number);
        reviews.requestReviewers(repo, issue, ((body(context).reviewers ?? []) as string[]).map(String));
        return { status: 201, body: views.pullRequest(repo, issue, false) };
      }),
    ],
    [
      "reactions/create-for-issue-comment",
      write(async (context) => {
        const repo = repoOf(context);
        const comment = repo.comments.get(Number(context.params.comment_id));
        if (!comment) throw new HttpError(404, "Not Found");
        const { reaction, created } = state.react(comment, body(context).content as ReactionContent, login(context));
        return { status: created ? 201 : 200, body: views.reaction(reaction) };
      }),
    ],
    [
      "reactions/create-for-pull-request-review-comment",
      write(async (context) => {
        const repo = repoOf(context);
        const comment = repo.reviewComments.get(Number(context.params.comment_id));
        if (!comment) throw new HttpError(404, "Not Found");
        const { reaction, created } = state.react(comment, body(context).content as ReactionContent, login(context));
        return { status: created ? 201 : 200, body: views.reaction(reaction) };
      }),
    ],
  ];
}
