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
  /** "User", "Bot" or "Organization", as GitHub reports the author. */
  authorType: string;
  body: string;
  createdAt: string;
  htmlUrl: string;
}

export type Permission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface PullRequestInfo {
  number: number;
  htmlUrl: string;
  draft: boolean;
  head: string;
}

/** A pull request read in full (revisions need its state and GraphQL node id). */
export interface PullRequestDetails extends PullRequestInfo {
  title: string;
  body: string;
  state: "open" | "closed";
  merged: boolean;
  /** GraphQL node id, for the draft-state mutations. */
  nodeId: string;
  headSha: string;
  base: string;
  author: string;
  labels: string[];
  requestedReviewers: string[];
}

export interface PullRequestReview {
  id: number;
  author: string;
  authorType: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  body: string;
  htmlUrl: string;
  submittedAt: string | null;
}

/** An inline (diff) comment on a pull request. */
export interface ReviewComment {
  id: number;
  reviewId: number | null;
  /** The thread's top comment when this is a reply. */
  inReplyTo: number | null;
  author: string;
  authorType: string;
  body: string;
  path: string;
  line: number | null;
  diffHunk: string;
  createdAt: string;
  htmlUrl: string;
}

/** An annotated tag object (the run lock's record: who holds it, until when). */
export interface TagInfo {
  sha: string;
  message: string;
  /** ISO date of the tagger. */
  date: string;
}

/** A labeled/unlabeled entry of an issue's timeline. */
export interface LabelEvent {
  event: "labeled" | "unlabeled";
  label: string;
  /** Undefined when GitHub does not say (a deleted account). */
  actor: string | undefined;
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
  // The PR as GitHub answers it, so nothing needs to read it again (its draft state, node id and labels).
  findOpenPullRequest(head: string): Promise<PullRequestDetails | null>;
  createPullRequest(pr: { title: string; body: string; head: string; base: string; draft: boolean }): Promise<PullRequestDetails>;
  /** Edits the fields given; `state: "open"` reopens a PR a person closed. */
  updatePullRequest(pr: number, fields: { title?: string; body?: string; state?: "open" }): Promise<PullRequestDetails>;
  addLabels(issue: number, labels: string[]): Promise<void>;
  /** Open issues (and pull requests: check `isPullRequest`) carrying `label`, all pages. */
  listOpenIssuesWithLabel(label: string): Promise<IssueInfo[]>;
  /** The labeled/unlabeled events of an issue, oldest first. */
  listLabelEvents(issue: number): Promise<LabelEvent[]>;

  // Revisions: pull requests, reviews and their threads. Every list reads all pages.
  getPullRequest(pr: number): Promise<PullRequestDetails>;
  /** The open or closed PRs whose head is `head` in this repository, newest first. */
  listPullRequestsForBranch(head: string, state: "open" | "closed" | "all"): Promise<PullRequestDetails[]>;
  getReview(pr: number, reviewId: number): Promise<PullRequestReview>;
  /** The inline comments of one review. */
  listReviewComments(pr: number, reviewId: number): Promise<ReviewComment[]>;
  /** Every inline comment of the PR (for the earlier comments of a thread). */
  listPullRequestComments(pr: number): Promise<ReviewComment[]>;
  /** A reply in the thread whose top comment is `commentId`. */
  replyToReviewComment(pr: number, commentId: number, body: string): Promise<number>;
  addCommentReaction(commentId: number, content: "eyes" | "rocket" | "confused" | "+1"): Promise<void>;
  addReviewCommentReaction(commentId: number, content: "eyes" | "rocket" | "confused" | "+1"): Promise<void>;
  requestReviewers(pr: number, reviewers: string[]): Promise<void>;
  /** GraphQL `markPullRequestReadyForReview` / `convertPullRequestToDraft` (REST has neither). */
  setDraft(pr: { nodeId: string }, draft: boolean): Promise<void>;

  // Git Data API, for the run lock: a ref create is atomic (the second create gets 422).
  createTag(tag: { tag: string; message: string; object: string }): Promise<TagInfo>;
  getTag(sha: string): Promise<TagInfo>;
  /** Creates `ref` (full name, `refs/…`) at `sha`; false when it already exists. */
  createRef(ref: string, sha: string): Promise<boolean>;
  /** The sha `ref` points at, or null when it does not exist. */
  getRef(ref: string): Promise<{ sha: string; type: string } | null>;
  deleteRef(ref: string): Promise<void>;
  getBranchSha(branch: string): Promise<string | null>;
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
