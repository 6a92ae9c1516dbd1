import examples from "@octokit/webhooks-examples" with { type: "json" };
import type { IssueCommentCreatedEvent, IssuesLabeledEvent, IssuesUnlabeledEvent, PullRequestReviewSubmittedEvent, WorkflowDispatchEvent } from "@octokit/webhooks-types";

/**
 * Webhook event payloads for end-to-end tests, each starting from GitHub's real example payload
 * (`@octokit/webhooks-examples`) with the repository, issue, label, sender and URLs replaced, so the
 * shape is GitHub's and only the facts are the test's. Pass the stand-in's URLs to point links at it.
 */
export interface PayloadUrls {
  /** Replaces https://api.github.com, e.g. the stand-in's apiUrl. */
  apiUrl?: string;
  /** Replaces https://github.com, e.g. the stand-in's serverUrl. */
  serverUrl?: string;
}

export interface PayloadIssue {
  number: number;
  title: string;
  body?: string | null;
  /** Labels on the issue after the event (the labeled one is added when missing). */
  labels?: string[];
  user?: string;
  state?: "open" | "closed";
  locked?: boolean;
  id?: number;
  /** The issue is a pull request (issue_comment events fire for both). */
  pullRequest?: boolean;
}

interface RepoTarget extends PayloadUrls {
  owner: string;
  repo: string;
  sender: string;
  installationId?: number;
  defaultBranch?: string;
}

type Definition = { name: string; examples: unknown[] };

function example<T>(event: string, action: string | undefined, pick: (candidate: Record<string, unknown>) => boolean = () => true): T {
  const definition = (examples as unknown as Definition[]).find((candidate) => candidate.name === event);
  const found = definition?.examples.find((candidate) => {
    const record = candidate as Record<string, unknown>;
    return (action === undefined || record.action === action) && pick(record);
  });
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}${action ? `.${action}` : ""} example`);
  return structuredClone(found) as T;
}

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

export function issueCommentCreatedPayload(input: RepoTarget & { issue: PayloadIssue; comment: { body: string; user?: string; id?: number } }): IssueCommentCreatedEvent {
  const payload = example<IssueCommentCreatedEvent>("issue_comment", "created");
  const from = payload.repository.full_name;
  const template = { user: payload.sender, label: { id: 1, node_id: "", url: `https://api.github.com/repos/${from}/labels/bug`, name: "bug", color: "d73a4a", default: false, description: null } };
  payload.repository = retargetRepository(payload.repository, from, input);
  payload.issue = retargetIssue(payload.issue, from, input, template, input.issue.labels ?? []) as IssueCommentCreatedEvent["issue"];
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

/**
 * A submitted review on a pull request. `reviewer` wrote the review (a `[bot]` login makes it a Bot account);
 * `sender` defaults to the reviewer, as GitHub sends it.
 */
export function pullRequestReviewSubmittedPayload(
  input: Omit<RepoTarget, "sender"> & {
    sender?: string;
    pullRequest: { number: number; headRef: string; title?: string; labels?: string[]; state?: "open" | "closed"; user?: string };
    review: { id?: number; state: "approved" | "changes_requested" | "commented"; body?: string | null; reviewer: string };
  },
): PullRequestReviewSubmittedEvent {
  const example_ = example<PullRequestReviewSubmittedEvent>("pull_request_review", "submitted");
  const from = example_.repository.full_name;
  // The example's owner is also its PR author and reviewer: every trace of it becomes the test's owner first.
  const payload = retarget(retarget(retarget(example_, from, `${input.owner}/${input.repo}`), example_.repository.owner.login, input.owner), example_.repository.name, input.repo);
  const target = { ...input, sender: input.sender ?? input.review.reviewer };
  const { number } = input.pullRequest;
  const id = input.review.id ?? stableId(`review:${input.owner}/${input.repo}#${number}:${input.review.reviewer}:${input.review.body ?? ""}`);
  const html = `https://github.com/${input.owner}/${input.repo}/pull/${number}`;
  const api = `https://api.github.com/repos/${input.owner}/${input.repo}/pulls/${number}`;
  payload.repository = retargetRepository(payload.repository, from, target);
  const pull = retarget(payload.pull_request, from, `${input.owner}/${input.repo}`);
  const labelTemplate = { id: 1, node_id: "", url: "", name: "", color: "ededed", default: false, description: null };
  payload.pull_request = {
    ...pull,
    id: stableId(`pull:${input.owner}/${input.repo}#${number}`),
    number,
    title: input.pullRequest.title ?? `Pull request #${number}`,
    state: input.pullRequest.state ?? "open",
    user: userLike(pull.user, input.pullRequest.user ?? "codegen-crew[bot]"),
    labels: (input.pullRequest.labels ?? []).map((name) => labelLike(labelTemplate, target, name)),
    head: { ...pull.head, ref: input.pullRequest.headRef, label: `${input.owner}:${input.pullRequest.headRef}` },
    url: api,
    html_url: html,
    issue_url: `https://api.github.com/repos/${input.owner}/${input.repo}/issues/${number}`,
  };
  payload.review = {
    ...retarget(payload.review, from, `${input.owner}/${input.repo}`),
    id,
    node_id: `PRR_kwDO${Buffer.from(`review:${id}`).toString("base64url")}`,
    user: userLike(payload.review.user, input.review.reviewer),
    body: input.review.body ?? null,
    state: input.review.state,
    html_url: `${html}#pullrequestreview-${id}`,
    pull_request_url: api,
  };
  payload.sender = userLike(payload.sender, target.sender);
  withInstallation(payload, input.installationId);
  return rewriteHosts(payload, input);
}

function retargetRepository<T extends { name: string; full_name: string; owner: { login: string; id: number }; default_branch?: string }>(repository: T, from: string, input: RepoTarget): T {
  const moved = retarget(repository, from, `${input.owner}/${input.repo}`);
  return {
    ...moved,
    name: input.repo,
    full_name: `${input.owner}/${input.repo}`,
    owner: userLike(repository.owner, input.owner),
    default_branch: input.defaultBranch ?? "main",
    id: stableId(`repo:${input.owner}/${input.repo}`),
  };
}

function retargetIssue<T extends IssuesLabeledEvent["issue"]>(
  issue: T,
  from: string,
  input: RepoTarget & { issue: PayloadIssue },
  template: { user: IssuesLabeledEvent["sender"]; label: NonNullable<IssuesLabeledEvent["label"]> },
  labels: string[],
): T {
  const moved = retarget(issue, from, `${input.owner}/${input.repo}`);
  const api = `https://api.github.com/repos/${input.owner}/${input.repo}/issues/${input.issue.number}`;
  const html = `https://github.com/${input.owner}/${input.repo}/${input.issue.pullRequest ? "pull" : "issues"}/${input.issue.number}`;
  const id = input.issue.id ?? stableId(`issue:${input.owner}/${input.repo}#${input.issue.number}`);
  const retargeted: T = {
    ...moved,
    id,
    node_id: `I_kwDO${Buffer.from(`issue:${id}`).toString("base64url")}`,
    number: input.issue.number,
    title: input.issue.title,
    body: input.issue.body ?? null,
    state: input.issue.state ?? "open",
    locked: input.issue.locked ?? false,
    user: userLike(template.user, input.issue.user ?? input.owner),
    labels: labels.map((name) => labelLike(template.label, input, name)),
    // The example's issue is assigned and milestoned to its own people; a test's issue is neither.
    assignee: null,
    assignees: [],
    milestone: null,
    url: api,
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: html,
  };
  if (input.issue.pullRequest) {
    const pullApi = `https://api.github.com/repos/${input.owner}/${input.repo}/pulls/${input.issue.number}`;
    (retargeted as Record<string, unknown>).pull_request = { url: pullApi, html_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`, merged_at: null };
  } else {
    delete (retargeted as Record<string, unknown>).pull_request;
  }
  return retargeted;
}

function labelLike<T extends { name: string; url: string; id: number }>(template: T, input: RepoTarget, name: string): T {
  return {
    ...template,
    id: stableId(`label:${input.owner}/${input.repo}:${name.toLowerCase()}`),
    name,
    url: `https://api.github.com/repos/${input.owner}/${input.repo}/labels/${encodeURIComponent(name)}`,
  };
}

function userLike<T extends { login: string; id: number }>(template: T, login: string): T {
  return { ...retarget(template, template.login, login), login, id: stableId(`user:${login.toLowerCase()}`), type: login.endsWith("[bot]") ? "Bot" : "User" };
}

function withInstallation(payload: { installation?: { id: number; node_id: string } }, installationId: number | undefined): void {
  if (installationId === undefined) return;
  payload.installation = { id: installationId, node_id: `MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u${installationId}` };
}

/** Replaces `from` inside every string of a JSON value (URLs carry the owner and repository names). */
function retarget<T>(value: T, from: string, to: string): T {
  return mapStrings(value, (text) => text.split(from).join(to));
}

function rewriteHosts<T>(payload: T, urls: PayloadUrls): T {
  return mapStrings(payload, (text) => {
    let rewritten = text;
    if (urls.apiUrl) rewritten = rewritten.replace(/^https:\/\/api\.github\.com(?=\/|$)/, urls.apiUrl.replace(/\/+$/, ""));
    if (urls.serverUrl) rewritten = rewritten.replace(/^https:\/\/github\.com(?=\/|$)/, urls.serverUrl.replace(/\/+$/, ""));
    return rewritten;
  });
}

function mapStrings<T>(value: T, map: (text: string) => string): T {
  if (typeof value === "string") return map(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, map)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, mapStrings(inner, map)])) as T;
  }
  return value;
}

/** Ids that are the same for the same name in every run, so payloads are reproducible. */
function stableId(seed: string): number {
  let hash = 2166136261;
  for (const char of seed) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return 10_000_000 + (hash % 900_000_000);
}
