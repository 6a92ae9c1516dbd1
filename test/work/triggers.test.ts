import { describe, expect, it } from "vitest";
import { toTriggerEvent, withHeadRef } from "../../src/core/work/trigger-event.js";
import { decideTrigger, type TriggerDecision } from "../../src/core/work/triggers.js";
import {
  issueCommentCreatedPayload,
  issuesLabeledPayload,
  issuesUnlabeledPayload,
  pullRequestReviewSubmittedPayload,
  workflowDispatchPayload,
} from "../support/webhook-payloads.js";

const repo = { owner: "octo", repo: "widgets" };
const settings = { label: "codegen" };
const decide = (name: string, payload: unknown, dispatchIssue?: number): TriggerDecision => decideTrigger(toTriggerEvent(name, payload, dispatchIssue), settings);

function review(
  state: "approved" | "changes_requested" | "commented",
  options: { body?: string | null; reviewer?: string; sender?: string; headRef?: string; prState?: "open" | "closed" } = {},
) {
  const reviewer = options.reviewer ?? "alice";
  return pullRequestReviewSubmittedPayload({
    ...repo,
    sender: options.sender ?? reviewer,
    pullRequest: {
      number: 9,
      title: "Add shout",
      head: { ref: options.headRef ?? "codegen-crew/issue-4", sha: "a".repeat(40) },
      base: { ref: "main", sha: "b".repeat(40) },
      labels: ["codegen-crew"],
      state: options.prState ?? "open",
    },
    review: { id: 77, state, body: options.body === undefined ? "Please handle empty strings." : options.body, user: reviewer },
  });
}

function comment(body: string, options: { onPullRequest?: boolean; user?: string; sender?: string; state?: "open" | "closed" } = {}) {
  return issueCommentCreatedPayload({
    ...repo,
    sender: options.sender ?? options.user ?? "alice",
    issue: { number: options.onPullRequest ? 9 : 4, title: "Add shout", pullRequest: options.onPullRequest ?? false, state: options.state ?? "open" },
    comment: { id: 555, body, user: options.user ?? "alice" },
  });
}

/** An issue_comment on the bot's PR, decided again with the head branch the entry point read. */
function onBotPullRequest(body: string, headRef = "codegen-crew/issue-4", options: { user?: string } = {}): TriggerDecision {
  const event = toTriggerEvent("issue_comment", comment(body, { onPullRequest: true, ...options }));
  const first = decideTrigger(event, settings);
  if (first.action !== "needs-head") return first;
  expect(first.pr).toBe(9);
  return decideTrigger(withHeadRef(event, headRef), settings);
}

describe("decideTrigger: labels and dispatch", () => {
  it("runs the issue for the trigger label (any case), for the sender", () => {
    const payload = issuesLabeledPayload({ ...repo, sender: "alice", label: "CodeGen", issue: { number: 4, title: "Add shout" } });
    expect(decide("issues", payload)).toEqual({ action: "run", item: { kind: "issue", issue: 4, trigger: { type: "label", sender: "alice" } } });
  });

  it("ignores other labels, unlabeled, and labels on closed issues", () => {
    expect(decide("issues", issuesLabeledPayload({ ...repo, sender: "alice", label: "bug", issue: { number: 4, title: "x" } }))).toMatchObject({
      action: "ignore",
      reason: expect.stringMatching(/not the trigger label/),
    });
    expect(decide("issues", issuesUnlabeledPayload({ ...repo, sender: "alice", label: "codegen", issue: { number: 4, title: "x" } }))).toMatchObject({
      action: "ignore",
      reason: expect.stringMatching(/"unlabeled" is not "labeled"/),
    });
    expect(decide("issues", issuesLabeledPayload({ ...repo, sender: "alice", label: "codegen", issue: { number: 4, title: "x", state: "closed" } }))).toMatchObject({
      action: "ignore",
      reason: "issue #4 is closed",
    });
  });

  it("runs a dispatch on the issue from the event's inputs or the entry point's", () => {
    expect(decide("workflow_dispatch", workflowDispatchPayload({ ...repo, sender: "alice", inputs: { "issue-number": "#12" } }))).toEqual({
      action: "run",
      item: { kind: "issue", issue: 12, trigger: { type: "dispatch", sender: "alice" } },
    });
    expect(decide("workflow_dispatch", workflowDispatchPayload({ ...repo, sender: "alice" }), 3)).toMatchObject({ action: "run", item: { issue: 3 } });
    expect(decide("workflow_dispatch", workflowDispatchPayload({ ...repo, sender: "alice" }))).toMatchObject({ action: "ignore" });
  });

  it("ignores events it does not know, with their name", () => {
    expect(decide("push", { ref: "refs/heads/main" })).toMatchObject({
      action: "ignore",
      reason: expect.stringMatching(/^event "push" does not trigger codegen-crew \(it acts on issues labeled, /),
    });
    // Inline comments arrive with their review: on their own they start nothing.
    expect(decide("pull_request_review_comment", { action: "created" })).toMatchObject({
      action: "ignore",
      reason: expect.stringMatching(/^event "pull_request_review_comment.created" does not trigger/),
    });
    // A payload without the fields its event should have is "other", not a crash.
    expect(decide("issue_comment", { action: "created" })).toMatchObject({ action: "ignore" });
  });
});

describe("decideTrigger: reviews", () => {
  it("starts one revision of the bot's PR for changes requested, or a comment review (with or without a body)", () => {
    const expected = {
      action: "run",
      item: { kind: "revision", issue: 4, pr: 9, trigger: { type: "review", sender: "alice", reviewId: 77, url: "https://github.com/octo/widgets/pull/9#pullrequestreview-77" } },
    };
    expect(decide("pull_request_review", review("changes_requested"))).toEqual(expected);
    expect(decide("pull_request_review", review("commented"))).toEqual(expected);
    // The payload cannot show inline comments: the runner reads the review's and starts nothing without any.
    expect(decide("pull_request_review", review("commented", { body: null }))).toEqual(expected);
  });

  it("starts nothing for an approval, a bot's review, a dismissal, or a PR the bot did not open or that is closed", () => {
    expect(decide("pull_request_review", review("approved"))).toEqual({ action: "ignore", reason: "an approving review asks for no change" });
    expect(decide("pull_request_review", review("changes_requested", { reviewer: "lint-bot[bot]" }))).toMatchObject({
      action: "ignore",
      reason: expect.stringMatching(/lint-bot\[bot\] is a bot/),
    });
    expect(decide("pull_request_review", review("changes_requested", { sender: "codegen-crew[bot]" }))).toMatchObject({
      action: "ignore",
      reason: expect.stringMatching(/is a bot/),
    });
    expect(decide("pull_request_review", review("commented", { body: "Done.\n<!-- codegen-crew:reply -->" }))).toMatchObject({
      action: "ignore",
      reason: expect.stringMatching(/marker/),
    });
    expect(decide("pull_request_review", { ...review("changes_requested"), action: "dismissed" })).toMatchObject({
      action: "ignore",
      reason: expect.stringMatching(/"dismissed" is not "submitted"/),
    });
    expect(decide("pull_request_review", { ...review("changes_requested"), action: "edited" })).toMatchObject({ action: "ignore" });
    expect(decide("pull_request_review", review("changes_requested", { headRef: "feature/shout" }))).toEqual({
      action: "ignore",
      reason: "pull request #9 was not opened by codegen-crew",
    });
    expect(decide("pull_request_review", review("changes_requested", { prState: "closed" }))).toEqual({ action: "ignore", reason: "pull request #9 is closed" });
  });

  it("treats an account typed Bot as a bot even without the [bot] suffix", () => {
    const payload = review("changes_requested");
    payload.review.user.type = "Bot";
    payload.sender.type = "Bot";
    expect(decide("pull_request_review", payload)).toMatchObject({ action: "ignore", reason: expect.stringMatching(/@alice is a bot/) });
  });
});

describe("decideTrigger: /codegen comments", () => {
  it("an instruction on the issue runs the issue; on the bot's PR it revises that PR", () => {
    expect(decide("issue_comment", comment("/codegen also handle empty strings"))).toEqual({
      action: "run",
      item: {
        kind: "issue",
        issue: 4,
        trigger: { type: "command", sender: "alice", commentId: 555, instruction: "also handle empty strings", url: "https://github.com/octo/widgets/issues/4#issuecomment-555" },
      },
    });
    expect(onBotPullRequest("/codegen also handle empty strings")).toMatchObject({
      action: "run",
      item: { kind: "revision", issue: 4, pr: 9, trigger: { type: "command", instruction: "also handle empty strings" } },
    });
  });

  it("retry is a run with the retry trigger; stop names the issue and PR to cancel", () => {
    expect(decide("issue_comment", comment("/codegen retry"))).toMatchObject({
      action: "run",
      item: { kind: "issue", issue: 4, trigger: { type: "retry", sender: "alice", commentId: 555 } },
    });
    expect(onBotPullRequest("/codegen retry")).toMatchObject({ action: "run", item: { kind: "revision", issue: 4, pr: 9, trigger: { type: "retry" } } });
    expect(decide("issue_comment", comment("/codegen stop"))).toEqual({ action: "stop", issue: 4, pr: undefined, reply: { number: 4, commentId: 555, sender: "alice" } });
    expect(onBotPullRequest("/codegen stop")).toEqual({ action: "stop", issue: 4, pr: 9, reply: { number: 9, commentId: 555, sender: "alice" } });
  });

  it("help answers anywhere, even on a PR the bot did not open, without reading the PR", () => {
    const onOtherPr = decide("issue_comment", comment("/codegen help", { onPullRequest: true }));
    expect(onOtherPr).toMatchObject({ action: "help", reply: { number: 9, commentId: 555, sender: "alice" } });
    expect(decide("issue_comment", comment("/codegen"))).toMatchObject({ action: "help" });
    expect(decide("issue_comment", comment("/codegen help", { state: "closed" }))).toMatchObject({ action: "help" });
  });

  it("asks for the head branch of a PR only for a command by a person, and ignores PRs on other branches", () => {
    expect(decide("issue_comment", comment("/codegen retry", { onPullRequest: true }))).toEqual({ action: "needs-head", pr: 9 });
    expect(decide("issue_comment", comment("LGTM", { onPullRequest: true }))).toMatchObject({ action: "ignore" });
    expect(decide("issue_comment", comment("/codegen retry", { onPullRequest: true, user: "renovate[bot]" }))).toMatchObject({ action: "ignore" });
    expect(onBotPullRequest("/codegen retry", "feature/x")).toEqual({ action: "ignore", reason: "pull request #9 was not opened by codegen-crew" });
  });

  it("never reacts to bots, to its own comments, to edits and deletions, to plain comments or closed issues", () => {
    expect(decide("issue_comment", comment("/codegen retry", { user: "codegen-crew[bot]" }))).toMatchObject({ action: "ignore", reason: expect.stringMatching(/is a bot/) });
    expect(decide("issue_comment", comment("<!-- codegen-crew:status -->\n/codegen retry"))).toMatchObject({ action: "ignore", reason: expect.stringMatching(/marker/) });
    expect(decide("issue_comment", { ...comment("/codegen retry"), action: "edited", changes: { body: { from: "typo" } } })).toMatchObject({
      action: "ignore",
      reason: expect.stringMatching(/"edited" is not "created"/),
    });
    expect(decide("issue_comment", { ...comment("/codegen retry"), action: "deleted" })).toMatchObject({ action: "ignore" });
    expect(decide("issue_comment", comment("Looks good, thanks"))).toEqual({ action: "ignore", reason: "the comment holds no /codegen command" });
    expect(decide("issue_comment", comment("/codegen retry", { state: "closed" }))).toEqual({ action: "ignore", reason: "#4 is closed" });
  });
});
