import type { IssueCommentCreatedEvent, IssueCommentEditedEvent, IssuesLabeledEvent, IssuesUnlabeledEvent, WorkflowDispatchEvent } from "@octokit/webhooks-types";
import {
  example,
  labelLike,
  retarget,
  retargetIssue,
  retargetRepository,
  rewriteHosts,
  stableId,
  userLike,
  withInstallation,
  type PayloadIssue,
  type RepoTarget,
} from "./webhook-payload-kit.js";

/**
 * Webhook event payloads for end-to-end tests, each starting from GitHub's real example payload
 * (`@octokit/webhooks-examples`) with the repository, issue, label, sender and URLs replaced, so the
 * shape is GitHub's and only the facts are the test's. Pass the stand-in's URLs to point links at it.
 */
export type { PayloadIssue, PayloadUrls } from "./webhook-payload-kit.js";
export { pullRequestReviewSubmittedPayload, type PayloadPullRequest, type PayloadReview } from "./webhook-review-payloads.js";

export function issuesLabeledPayload(input: RepoTarget & { issue: PayloadIssue; label: string }): IssuesLabeledEvent {
  const payload = example<IssuesLabeledEvent>("issues", "labeled", (candidate) => candidate.label !== undefined);
  const from = payload.repository.full_name;
  const template = { user: payload.sender, label: payload.label as NonNullable<IssuesLabeledEvent["label"]> };
  const labels = input.issue.labels ?? [];
  const names = labels.some((name) => name.toLowerCase() === input.label.toLowerCase()) ? labels : [...labels, input.label];
  payload.repository = retargetRepository(payload.repository, from, input);
  payload.issue = retargetIssue(payload.issue, from, input, template, names);
  payload.label = labelLike(template.label, input, input.label);
  payload.sender = userLike(template.user, input.sender);
  withInstallation(payload, input.installationId);
  return rewriteHosts(payload, input);
}

/** The label was removed: `issue.labels` are the labels left (the removed one is dropped when listed). */
export function issuesUnlabeledPayload(input: RepoTarget & { issue: PayloadIssue; label: string }): IssuesUnlabeledEvent {
  const payload = example<IssuesUnlabeledEvent>("issues", "unlabeled", (candidate) => candidate.label !== undefined);
  const from = payload.repository.full_name;
  const template = { user: payload.sender, label: payload.label as NonNullable<IssuesUnlabeledEvent["label"]> };
  const names = (input.issue.labels ?? []).filter((name) => name.toLowerCase() !== input.label.toLowerCase());
  payload.repository = retargetRepository(payload.repository, from, input);
  payload.issue = retargetIssue(payload.issue, from, input, template, names);
  payload.label = labelLike(template.label, input, input.label);
  payload.sender = userLike(template.user, input.sender);
  withInstallation(payload, input.installationId);
  return rewriteHosts(payload, input);
}

export interface PayloadComment {
  body: string;
  user?: string;
  id?: number;
}

export function issueCommentCreatedPayload(input: RepoTarget & { issue: PayloadIssue; comment: PayloadComment }): IssueCommentCreatedEvent {
  return commentPayload<IssueCommentCreatedEvent>(example<IssueCommentCreatedEvent>("issue_comment", "created"), input);
}

/** A comment was edited: `comment.body` is the new text, `previousBody` the text before (`changes.body.from`). */
export function issueCommentEditedPayload(input: RepoTarget & { issue: PayloadIssue; comment: PayloadComment; previousBody: string }): IssueCommentEditedEvent {
  const payload = commentPayload<IssueCommentEditedEvent>(example<IssueCommentEditedEvent>("issue_comment", "edited"), input);
  payload.changes = { body: { from: input.previousBody } };
  return payload;
}

/** issue_comment fires for issues and pull requests alike (`issue.pullRequest` makes it a PR's). */
function commentPayload<T extends IssueCommentCreatedEvent | IssueCommentEditedEvent>(payload: T, input: RepoTarget & { issue: PayloadIssue; comment: PayloadComment }): T {
  const from = payload.repository.full_name;
  const template = {
    user: payload.sender,
    label: { id: 1, node_id: "", url: `https://api.github.com/repos/${from}/labels/bug`, name: "bug", color: "d73a4a", default: false, description: null },
  };
  payload.repository = retargetRepository(payload.repository, from, input);
  payload.issue = retargetIssue(payload.issue as IssuesLabeledEvent["issue"], from, input, template, input.issue.labels ?? []) as unknown as T["issue"];
  const id = input.comment.id ?? stableId(`comment:${input.owner}/${input.repo}#${input.issue.number}:${input.comment.body}`);
  const kind = input.issue.pullRequest ? "pull" : "issues";
  payload.comment = {
    ...retarget(payload.comment, from, `${input.owner}/${input.repo}`),
    id,
    node_id: `IC_kwDO${Buffer.from(`comment:${id}`).toString("base64url")}`,
    url: `https://api.github.com/repos/${input.owner}/${input.repo}/issues/comments/${id}`,
    html_url: `https://github.com/${input.owner}/${input.repo}/${kind}/${input.issue.number}#issuecomment-${id}`,
    issue_url: `https://api.github.com/repos/${input.owner}/${input.repo}/issues/${input.issue.number}`,
    body: input.comment.body,
    user: userLike(template.user, input.comment.user ?? input.sender),
  };
  payload.sender = userLike(template.user, input.sender);
  withInstallation(payload, input.installationId);
  return rewriteHosts(payload, input);
}

export function workflowDispatchPayload(input: RepoTarget & { ref?: string; inputs?: Record<string, string | boolean | number>; workflow?: string }): WorkflowDispatchEvent {
  const payload = example<WorkflowDispatchEvent>("workflow_dispatch", undefined);
  const from = payload.repository.full_name;
  const fromOwner = payload.repository.owner.login;
  payload.repository = retargetRepository(payload.repository, from, input);
  if (payload.organization) payload.organization = retarget(payload.organization, fromOwner, input.owner);
  payload.ref = input.ref ?? `refs/heads/${input.defaultBranch ?? "main"}`;
  payload.inputs = (input.inputs ?? {}) as WorkflowDispatchEvent["inputs"];
  payload.workflow = input.workflow ?? payload.workflow;
  payload.sender = userLike(payload.sender, input.sender);
  withInstallation(payload, input.installationId);
  return rewriteHosts(payload, input);
}
