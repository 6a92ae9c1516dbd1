import { CrewError } from "../errors.js";

/**
 * The forge seam (GitHub today): the few calls an issue run makes. The core never sees Octokit; the
 * implementation lives in src/github/ and is shared by the Action and the app.
 */
export interface IssueInfo {
  number: number;
  title: string;
  body: string;
  state: "open" | "closed";
  locked: boolean;
  isPullRequest: boolean;
  author: string;
  labels: string[];
  htmlUrl: string;
}

export interface IssueComment {
  id: number;
  author: string;
  body: string;
}

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface PullRequestInfo {
  number: number;
  htmlUrl: string;
  draft: boolean;
  head: string;
}

export interface ForgeClient {
  readonly owner: string;
  readonly repo: string;
  getIssue(issue: number): Promise<IssueInfo>;
  listIssueComments(issue: number): Promise<IssueComment[]>;
  getPermission(user: string): Promise<Permission>;
  addReaction(issue: number, content: "eyes" | "rocket" | "confused"): Promise<void>;
  createComment(issue: number, body: string): Promise<number>;
  updateComment(commentId: number, body: string): Promise<void>;
  getDefaultBranch(): Promise<string>;
  findOpenPullRequest(head: string): Promise<PullRequestInfo | null>;
  createPullRequest(pr: { title: string; body: string; head: string; base: string; draft: boolean }): Promise<PullRequestInfo>;
  updatePullRequest(pr: number, fields: { title: string; body: string }): Promise<PullRequestInfo>;
  addLabels(issue: number, labels: string[]): Promise<void>;
}

/** A forge call failed; `status` is the HTTP status when there was one. */
export class ForgeError extends CrewError {
  readonly status: number | undefined;
  readonly operation: string;
  constructor(operation: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(`${operation}: ${message}`, { phase: "publish" }, options);
    this.operation = operation;
    this.status = status;
  }
}

export function hasWriteAccess(permission: Permission): boolean {
  return permission === "admin" || permission === "maintain" || permission === "write";
}
