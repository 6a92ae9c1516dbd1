import examples from "@octokit/webhooks-examples" with { type: "json" };
import type { IssuesLabeledEvent } from "@octokit/webhooks-types";

/**
 * Shared by the webhook payload builders: GitHub's example payloads, and the rewrites that move them onto
 * a test's repository, people and hosts while keeping GitHub's shape.
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

export interface RepoTarget extends PayloadUrls {
  owner: string;
  repo: string;
  sender: string;
  installationId?: number;
  defaultBranch?: string;
}

type Definition = { name: string; examples: unknown[] };

export function example<T>(event: string, action: string | undefined, pick: (candidate: Record<string, unknown>) => boolean = () => true): T {
  const definition = (examples as unknown as Definition[]).find((candidate) => candidate.name === event);
  const found = definition?.examples.find((candidate) => {
    const record = candidate as Record<string, unknown>;
    return (action === undefined || record.action === action) && pick(record);
  });
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}${action ? `.${action}` : ""} example`);
  return structuredClone(found) as T;
}

export function retargetRepository<T extends { name: string; full_name: string; owner: { login: string; id: number }; default_branch?: string }>(
  repository: T,
  from: string,
  input: RepoTarget,
): T {
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

export function retargetIssue<T extends IssuesLabeledEvent["issue"]>(
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

export function labelLike<T extends { name: string; url: string; id: number }>(template: T, input: RepoTarget, name: string): T {
  return {
    ...template,
    id: stableId(`label:${input.owner}/${input.repo}:${name.toLowerCase()}`),
    name,
    url: `https://api.github.com/repos/${input.owner}/${input.repo}/labels/${encodeURIComponent(name)}`,
  };
}

export function userLike<T extends { login: string; id: number }>(template: T, login: string): T {
  return { ...retarget(template, template.login, login), login, id: stableId(`user:${login.toLowerCase()}`), type: login.endsWith("[bot]") ? "Bot" : "User" };
}

export function withInstallation(payload: { installation?: { id: number; node_id: string } }, installationId: number | undefined): void {
  if (installationId === undefined) return;
  payload.installation = { id: installationId, node_id: `MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u${installationId}` };
}

/** Replaces `from` inside every string of a JSON value (URLs carry the owner and repository names). */
export function retarget<T>(value: T, from: string, to: string): T {
  return mapStrings(value, (text) => text.split(from).join(to));
}

export function rewriteHosts<T>(payload: T, urls: PayloadUrls): T {
  return mapStrings(payload, (text) => {
    let rewritten = text;
    if (urls.apiUrl) rewritten = rewritten.replace(/^https:\/\/api\.github\.com(?=\/|$)/, urls.apiUrl.replace(/\/+$/, ""));
    if (urls.serverUrl) rewritten = rewritten.replace(/^https:\/\/github\.com(?=\/|$)/, urls.serverUrl.replace(/\/+$/, ""));
    return rewritten;
  });
}

export function mapStrings<T>(value: T, map: (text: string) => string): T {
  if (typeof value === "string") return map(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, map)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, mapStrings(inner, map)])) as T;
  }
  return value;
}

/** Ids that are the same for the same name in every run, so payloads are reproducible. */
export function stableId(seed: string): number {
  let hash = 2166136261;
  for (const char of seed) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return 10_000_000 + (hash % 900_000_000);
}
