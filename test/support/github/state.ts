/**
 * The stand-in's in-memory GitHub: repositories with their issues, pull requests (which share the issue
 * number space, as on GitHub), comments with their edit history, labels, reactions and collaborator
 * permissions. Plain data plus the mutations the REST routes and the test helpers share; no HTTP here.
 */
export type Permission = "admin" | "write" | "read" | "none";
export type ReactionContent = "+1" | "-1" | "laugh" | "confused" | "heart" | "hooray" | "rocket" | "eyes";

export interface LabelState {
  id: number;
  nodeId: string;
  name: string;
  color: string;
  description: string | null;
}

export interface CommentEdit {
  /** The body before this edit. */
  previousBody: string;
  body: string;
  by: string;
  at: string;
}

export interface CommentState {
  id: number;
  nodeId: string;
  issueNumber: number;
  body: string;
  user: string;
  createdAt: string;
  updatedAt: string;
  edits: CommentEdit[];
  reactions: ReactionState[];
}

export interface ReactionState {
  id: number;
  nodeId: string;
  content: ReactionContent;
  user: string;
  createdAt: string;
}

/** A labeled/unlabeled entry of an issue's timeline: who applied or removed which label. */
export interface IssueEventState {
  id: number;
  nodeId: string;
  event: "labeled" | "unlabeled";
  actor: string;
  label: string;
  createdAt: string;
}

export interface PullRequestState {
  id: number;
  nodeId: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  draft: boolean;
  merged: boolean;
  maintainerCanModify: boolean;
  /** Logins whose review is requested; submitting a review takes the reviewer off the list, as on GitHub. */
  requestedReviewers: string[];
}

export interface IssueState {
  id: number;
  nodeId: string;
  number: number;
  title: string;
  body: string | null;
  user: string;
  /** Label names as shown on GitHub (the repository's casing). */
  labels: string[];
  state: "open" | "closed";
  locked: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  reactions: ReactionState[];
  /** Label events, oldest first (GET /repos/{owner}/{repo}/issues/{issue_number}/events). */
  events: IssueEventState[];
  /** Set when this "issue" is a pull request. */
  pullRequest: PullRequestState | undefined;
}

export interface RepoState {
  owner: string;
  name: string;
  id: number;
  nodeId: string;
  defaultBranch: string;
  private: boolean;
  installationId: number;
  createdAt: string;
  /** Keyed by lower-cased login: GitHub logins are case-insensitive. */
  permissions: Map<string, Permission>;
  /** Keyed by lower-cased label name. */
  labels: Map<string, LabelState>;
  issues: Map<number, IssueState>;
  comments: Map<number, CommentState>;
  /** Pull request reviews and their inline comments (test/support/github/review-state.ts). */
  reviews: Map<number, ReviewState>;
  reviewComments: Map<number, ReviewCommentState>;
  nextNumber: number;
}

export type ReviewStateName = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";

export interface ReviewState {
  id: number;
  nodeId: string;
  pullNumber: number;
  user: string;
  state: ReviewStateName;
  body: string;
  /** The head commit the review was made on. */
  commitId: string;
  submittedAt: string | null;
}

/** An inline comment: the top of a thread, or a reply (`inReplyTo` is the thread's top comment). */
export interface ReviewCommentState {
  id: number;
  nodeId: string;
  pullNumber: number;
  reviewId: number;
  inReplyTo: number | undefined;
  user: string;
  body: string;
  path: string;
  line: number;
  side: "LEFT" | "RIGHT";
  diffHunk: string;
  /** The (deprecated, still reported) line index in the file's diff. */
  position: number;
  commitId: string;
  createdAt: string;
  updatedAt: string;
  reactions: ReactionState[];
}

export interface UserState {
  login: string;
  id: number;
  type: "User" | "Bot";
}

const NODE_PREFIX = {
  review: "PRR_kwDO",
  reviewComment: "PRRC_kwDO",
  tag: "TAG_kwDO",
  ref: "REF_kwDO",
  event: "LE_lADO",
  repo: "R_kgDO",
  issue: "I_kwDO",
  pull: "PR_kwDO",
  comment: "IC_kwDO",
  label: "LA_kwDO",
  reaction: "REA_lADO",
  user: "U_kgDO",
};

export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export class GitHubState {
  readonly repos = new Map<string, RepoState>();
  readonly users = new Map<string, UserState>();
  private nextId = 1000;

  newId(kind: keyof typeof NODE_PREFIX): { id: number; nodeId: string } {
    const id = this.nextId++;
    return { id, nodeId: `${NODE_PREFIX[kind]}${Buffer.from(`${kind}:${id}`).toString("base64url")}` };
  }

  /** Accounts come into being when first seen; `[bot]` logins are GitHub Apps' bots (`type: "Bot"`). */
  user(login: string, type?: UserState["type"]): UserState {
    const key = login.toLowerCase();
    let user = this.users.get(key);
    if (!user) {
      user = { login, id: this.newId("user").id, type: type ?? (login.endsWith("[bot]") ? "Bot" : "User") };
      this.users.set(key, user);
    } else if (type) {
      user.type = type;
    }
    return user;
  }

  repo(owner: string, name: string): RepoState | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  addRepo(input: { owner: string; name: string; defaultBranch: string; private: boolean; installationId: number; permissions: Record<string, Permission> }): RepoState {
    const key = repoKey(input.owner, input.name);
    if (this.repos.has(key)) throw new Error(`GitHub stand-in: repository ${input.owner}/${input.name} already exists`);
    this.user(input.owner);
    const repo: RepoState = {
      owner: input.owner,
      name: input.name,
      ...this.newId("repo"),
      defaultBranch: input.defaultBranch,
      private: input.private,
      installationId: input.installationId,
      createdAt: timestamp(),
      permissions: new Map(Object.entries(input.permissions).map(([login, permission]) => [login.toLowerCase(), permission])),
      labels: new Map(),
      issues: new Map(),
      comments: new Map(),
      reviews: new Map(),
      reviewComments: new Map(),
      nextNumber: 1,
    };
    this.repos.set(key, repo);
    return repo;
  }

  /** GitHub creates a label the first time it is applied; names match case-insensitively. */
  label(repo: RepoState, name: string): LabelState {
    const key = name.toLowerCase();
    let label = repo.labels.get(key);
    if (!label) {
      label = { ...this.newId("label"), name, color: colorFor(name), description: null };
      repo.labels.set(key, label);
    }
    return label;
  }

  addIssue(
    repo: RepoState,
    input: { number?: number; title: string; body?: string | null; user: string; labels?: string[]; labeledBy?: string; locked?: boolean; state?: "open" | "closed" },
  ): IssueState {
    const number = input.number ?? repo.nextNumber;
    if (repo.issues.has(number)) throw new Error(`GitHub stand-in: ${repo.owner}/${repo.name}#${number} already exists`);
    repo.nextNumber = Math.max(repo.nextNumber, number + 1);
    this.user(input.user);
    const now = timestamp();
    const issue: IssueState = {
      ...this.newId("issue"),
      number,
      title: input.title,
      body: input.body ?? null,
      user: input.user,
      labels: (input.labels ?? []).map((name) => this.label(repo, name).name),
      state: input.state ?? "open",
      locked: input.locked ?? false,
      createdAt: now,
      updatedAt: now,
      closedAt: input.state === "closed" ? now : null,
      reactions: [],
      events: [],
      pullRequest: undefined,
    };
    for (const label of issue.labels) this.recordLabelEvent(issue, "labeled", label, input.labeledBy ?? input.user);
    repo.issues.set(number, issue);
    return issue;
  }

  addComment(repo: RepoState, issue: IssueState, body: string, user: string): CommentState {
    this.user(user);
    const now = timestamp();
    const comment: CommentState = { ...this.newId("comment"), issueNumber: issue.number, body, user, createdAt: now, updatedAt: now, edits: [], reactions: [] };
    repo.comments.set(comment.id, comment);
    issue.updatedAt = now;
    return comment;
  }

  editComment(comment: CommentState, body: string, by: string): void {
    const at = timestamp();
    comment.edits.push({ previousBody: comment.body, body, by, at });
    comment.body = body;
    comment.updatedAt = at;
  }

  commentsOf(repo: RepoState, issueNumber: number): CommentState[] {
    return [...repo.comments.values()].filter((comment) => comment.issueNumber === issueNumber).sort((a, b) => a.id - b.id);
  }

  /** `actor` is who applied the labels (recorded as "labeled" events; GitHub records none for a label already there). */
  addLabels(repo: RepoState, issue: IssueState, names: string[], actor?: string): void {
    for (const name of names) {
      const label = this.label(repo, name);
      if (issue.labels.some((existing) => existing.toLowerCase() === label.name.toLowerCase())) continue;
      issue.labels.push(label.name);
      if (actor) this.recordLabelEvent(issue, "labeled", label.name, actor);
    }
    issue.updatedAt = timestamp();
  }

  /** False when the issue does not carry the label. */
  removeLabel(issue: IssueState, name: string, actor?: string): boolean {
    const index = issue.labels.findIndex((existing) => existing.toLowerCase() === name.toLowerCase());
    if (index < 0) return false;
    const [removed] = issue.labels.splice(index, 1);
    if (actor && removed) this.recordLabelEvent(issue, "unlabeled", removed, actor);
    issue.updatedAt = timestamp();
    return true;
  }

  private recordLabelEvent(issue: IssueState, event: IssueEventState["event"], label: string, actor: string): void {
    this.user(actor);
    issue.events.push({ ...this.newId("event"), event, actor, label, createdAt: timestamp() });
  }

  /** Returns the reaction and whether it is new: GitHub answers 200 instead of 201 for a repeat. */
  react(target: { reactions: ReactionState[] }, content: ReactionContent, user: string): { reaction: ReactionState; created: boolean } {
    const existing = target.reactions.find((reaction) => reaction.content === content && reaction.user.toLowerCase() === user.toLowerCase());
    if (existing) return { reaction: existing, created: false };
    this.user(user);
    const reaction: ReactionState = { ...this.newId("reaction"), content, user, createdAt: timestamp() };
    target.reactions.push(reaction);
    return { reaction, created: true };
  }

  addPullRequest(
    repo: RepoState,
    input: {
      number?: number;
      title: string;
      body?: string | null;
      user: string;
      labels?: string[];
      head: { ref: string; sha: string };
      base: { ref: string; sha: string };
      draft?: boolean;
      maintainerCanModify?: boolean;
    },
  ): IssueState {
    const issue = this.addIssue(repo, input);
    issue.pullRequest = {
      ...this.newId("pull"),
      headRef: input.head.ref,
      headSha: input.head.sha,
      baseRef: input.base.ref,
      baseSha: input.base.sha,
      draft: input.draft ?? false,
      merged: false,
      maintainerCanModify: input.maintainerCanModify ?? false,
      requestedReviewers: [],
    };
    return issue;
  }

  setState(issue: IssueState, state: "open" | "closed"): void {
    if (issue.state === state) return;
    issue.state = state;
    issue.updatedAt = timestamp();
    issue.closedAt = state === "closed" ? issue.updatedAt : null;
  }

  /** Collaborators that were not listed read public repositories and see nothing of private ones. */
  permission(repo: RepoState, login: string): Permission {
    return repo.permissions.get(login.toLowerCase()) ?? (repo.private ? "none" : "read");
  }
}

export function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}

function colorFor(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return (hash & 0xffffff).toString(16).padStart(6, "0");
}
