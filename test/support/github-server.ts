import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sharedOpenApiValidator, type OpenApiValidator } from "./openapi-validator.js";
import { handleApiRequest, type RecordedRequest, type Violation } from "./github/api-endpoint.js";
import { parseAuthorization, parseBasic, redactAuthorization, TokenRegistry, type AppSpec, type MintedToken, type TokenSpec } from "./github/auth.js";
import { AnswerHolds, type HeldAnswer } from "./github/answer-holds.js";
import { FaultInjector, type Fault, type FaultOptions } from "./github/faults.js";
import { commitFiles, createBareRepo, serveGitHttp } from "./github/git-backend.js";
import type { CommitInfo } from "./github/git-objects.js";
import { runGit } from "./github/git-run.js";
import { diffHunk } from "./github/git-refs.js";
import { readLog, readPath, resolveRef, type BareRepo } from "./github/repo-reads.js";
import { handleGraphqlRequest, type DraftMutation } from "./github/graphql-endpoint.js";
import { errorBody, sendJson } from "./github/http-util.js";
import { Representations } from "./github/representations.js";
import { createRoutes } from "./github/rest-routes.js";
import { ReviewRepresentations } from "./github/review-representations.js";
import { Reviews, type ReviewInput } from "./github/review-state.js";
import { reviewSubmittedWebhook } from "./github/review-webhooks.js";
import { GitHubState, type CommentState, type IssueState, type Permission, type RepoState, type ReviewCommentState, type ReviewState, type UserState } from "./github/state.js";
import type { PullRequestReviewSubmittedEvent } from "@octokit/webhooks-types";

export type { RecordedRequest, Violation } from "./github/api-endpoint.js";
export type { AppSpec, MintedToken, TokenSpec } from "./github/auth.js";
export type { FaultOptions } from "./github/faults.js";
export type { HeldAnswer, HoldState } from "./github/answer-holds.js";
export type { CommitInfo } from "./github/git-objects.js";
export type { CommentState, IssueState, Permission, RepoState, ReviewCommentState, ReviewState } from "./github/state.js";
export type { DraftMutation } from "./github/graphql-endpoint.js";
export type { InlineCommentInput, ReviewEvent, ReviewInput } from "./github/review-state.js";

export interface SubmittedReview {
  review: ReviewState;
  /** The review's inline comments, in the order given. */
  comments: ReviewCommentState[];
  /** The `pull_request_review` (submitted) webhook GitHub would send; deliver it yourself. */
  payload: PullRequestReviewSubmittedEvent;
}

/**
 * A local GitHub for end-to-end tests, in GitHub Enterprise Server's layout: REST under `/api/v3`, git
 * over smart HTTP at `/<owner>/<repo>.git`. Requests are checked against GitHub's OpenAPI description
 * (`violations`), state lives in memory, repositories are real bare repositories in a temp folder.
 */
export interface GitHubServerOptions {
  /** Accepted tokens; without a list any non-empty token is accepted. */
  tokens?: Array<string | TokenSpec>;
  /** The account tokens act as unless their TokenSpec names one. Default "github-actions[bot]". */
  login?: string;
  /** A GitHub App: enables the JWT → installation token exchange. */
  app?: AppSpec;
  /** Check the stand-in's own answers against GitHub's response schemas (default true). */
  checkResponses?: boolean;
}

export interface AddRepoOptions {
  files?: Record<string, string>;
  defaultBranch?: string;
  permissions?: Record<string, Permission>;
  private?: boolean;
  installationId?: number;
}

export interface AddIssueOptions {
  number?: number;
  title: string;
  body?: string | null;
  labels?: string[];
  /** Who applied `labels` (their "labeled" events); default the issue's author. */
  labeledBy?: string;
  user?: string;
  locked?: boolean;
  state?: "open" | "closed";
  /** Makes the issue a pull request from `head` (an existing branch, else it points at the base). */
  pull_request?: { head: string; base?: string; draft?: boolean };
}

export interface GitHubServer {
  /** `http://127.0.0.1:P/api/v3`: Octokit's baseUrl. */
  apiUrl: string;
  /** `http://127.0.0.1:P/api/graphql`, GHES' GraphQL endpoint. */
  graphqlUrl: string;
  /** The draft-flag mutations the GraphQL endpoint executed, in order. */
  draftMutations: DraftMutation[];
  /** `http://127.0.0.1:P`: GHES' server URL (web and git). */
  serverUrl: string;
  requests: RecordedRequest[];
  /** Requests that do not match GitHub's OpenAPI description (product bugs). */
  violations: Violation[];
  /** Stand-in answers that do not match GitHub's response schemas (stand-in bugs). */
  responseViolations: Violation[];
  state: GitHubState;
  mintedTokens: MintedToken[];
  addRepo(owner: string, repo: string, options?: AddRepoOptions): Promise<RepoState>;
  addIssue(owner: string, repo: string, options: AddIssueOptions): Promise<IssueState>;
  addComment(owner: string, repo: string, issueNumber: number, comment: { body: string; user?: string }): CommentState;
  issue(owner: string, repo: string, number: number): IssueState;
  /** A person adds a label in the UI (state and the "labeled" event; send the webhook yourself). */
  labelIssue(owner: string, repo: string, issueNumber: number, label: string, actor: string): void;
  /** A person removes a label in the UI (state and the "unlabeled" event). */
  unlabelIssue(owner: string, repo: string, issueNumber: number, label: string, actor: string): void;
  comments(owner: string, repo: string, issueNumber: number): CommentState[];
  /** An account: `type: "Bot"` makes a bot without the `[bot]` suffix (a machine user reports "User"). */
  addUser(login: string, type: UserState["type"]): UserState;
  setPermission(owner: string, repo: string, login: string, permission: Permission): void;
  /**
   * A person submits a review in the UI: inline comments sit on lines of the PR's diff (GitHub refuses
   * others with 422, so does this). Send `payload` to the app or Action yourself.
   */
  submitReview(owner: string, repo: string, pullNumber: number, review: ReviewInput & { event: NonNullable<ReviewInput["event"]> }): Promise<SubmittedReview>;
  /** The `pull_request_review` (submitted) webhook of a stored review, e.g. the one GitHub files for the bot's own reply. */
  reviewSubmittedPayload(owner: string, repo: string, reviewId: number): PullRequestReviewSubmittedEvent;
  reviews(owner: string, repo: string, pullNumber: number): ReviewState[];
  /** Every inline comment of the PR (replies included), oldest first. */
  reviewComments(owner: string, repo: string, pullNumber: number): ReviewCommentState[];
  pullRequests(owner: string, repo: string): IssueState[];
  /**
   * `failNext("POST", "/repos/{owner}/{repo}/pulls", 502, { performFirst: true })`; git requests match their
   * path, `failNext("POST", /\/git-receive-pack$/, 502)` (performFirst is API-only).
   */
  failNext(method: string, pathPattern: string | RegExp, status: number, options?: FaultOptions | number): void;
  pendingFaults(): Fault[];
  /**
   * Holds back the answer of the next API request matching `method` and `pathPattern` (performed, not yet
   * answered) until `until(requests)` holds for the requests received so far (checked on every arrival), or
   * `timeoutMs` (default 30 s) passed; the returned hold's `state` says which. Shows by order alone that a
   * client sent other requests while this one was unanswered.
   */
  holdAnswer(method: string, pathPattern: string | RegExp, until: (requests: readonly RecordedRequest[]) => boolean, options?: { timeoutMs?: number }): HeldAnswer;
  /**
   * The next git request whose path matches `pathPattern` waits for `until` before it is served: a slow
   * clone, made deterministic (the test decides what must have happened while git waited).
   */
  holdNextGit(pathPattern: RegExp, until: Promise<unknown>): void;
  /** `http://127.0.0.1:P/owner/repo.git`, with `x-access-token:<token>@` when a token is given. */
  cloneUrl(owner: string, repo: string, token?: string): string;
  branchHead(owner: string, repo: string, branch: string): Promise<string | undefined>;
  gitLog(owner: string, repo: string, ref: string): Promise<CommitInfo[]>;
  readFile(owner: string, repo: string, ref: string, filePath: string): Promise<string | undefined>;
  /** Commits files onto a branch of the bare repository (a push by someone else). */
  commitFiles(owner: string, repo: string, branch: string, files: Record<string, string>, message?: string): Promise<string>;
  /** A person renames a branch in the UI: the default branch and open PRs' bases follow, as on GitHub. */
  renameBranch(owner: string, repo: string, from: string, to: string): Promise<void>;
  close(): Promise<void>;
}

const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?(\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.*))$/;

export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  const root = await mkdtemp(path.join(os.tmpdir(), "github-stand-in-"));
  const gitRoot = path.join(root, "git");
  const state = new GitHubState();
  const tokens = new TokenRegistry(options.tokens, options.login ?? "github-actions[bot]");
  const faults = new FaultInjector();
  const gitHolds: { pattern: RegExp; until: Promise<unknown> }[] = [];
  const requests: RecordedRequest[] = [];
  const holds = new AnswerHolds(requests);
  const validator: OpenApiValidator = sharedOpenApiValidator();
  const violations: Violation[] = [];
  const responseViolations: Violation[] = [];
  const bareRepos = new Map<RepoState, BareRepo>();
  const app = options.app ? { ...options.app, slug: options.app.slug ?? "codegen-crew", installationId: options.app.installationId ?? 1 } : undefined;
  const links = { api: "", web: "" };
  const views = new Representations(links, state);
  const reviewViews = new ReviewRepresentations(views);
  const draftMutations: DraftMutation[] = [];
  const gitOf = (repo: RepoState): BareRepo => {
    const bare = bareRepos.get(repo);
    if (!bare) throw new Error(`GitHub stand-in: ${repo.owner}/${repo.name} has no git repository`);
    return bare;
  };
  const reviews = new Reviews(state, (repo, pull, file, line, side) => diffHunk(gitOf(repo).gitDir, pull.baseSha, pull.headSha, file, line, side));
  const routes = createRoutes({ state, views, tokens, app, git: gitOf, reviews, reviewViews });
  const endpoint = {
    validator,
    routes,
    tokens,
    app,
    faults,
    hold: (method: string, apiPath: string) => holds.before(method, apiPath),
    violations,
    responseViolations: options.checkResponses === false ? [] : responseViolations,
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, errorBody(500, `GitHub stand-in failed: ${error instanceof Error ? error.message : String(error)}`));
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", links.web);
    const record: RecordedRequest = {
      kind: "api",
      method: (request.method ?? "GET").toUpperCase(),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: undefined,
      headers: recordedHeaders(request),
      receivedAt: Date.now(),
    };
    requests.push(record);
    response.once("finish", () => (record.answeredAt = Date.now()));
    // The record's kind and path are settled synchronously below; the holds look at it once they are.
    queueMicrotask(() => holds.arrived());
    if (url.pathname.startsWith("/api/v3/") || url.pathname === "/api/v3") {
      record.path = url.pathname.slice("/api/v3".length) || "/";
      return handleApiRequest(request, response, url, record.path, record, endpoint);
    }
    if (url.pathname === "/api/graphql") {
      record.kind = "graphql";
      return handleGraphqlRequest(request, response, record, { state, tokens, draftMutations, webUrl: links.web });
    }
    record.kind = "git";
    const git = GIT_PATH.exec(url.pathname);
    const repo = git ? state.repo(git[1] ?? "", git[2] ?? "") : undefined;
    if (!git || !repo) {
      record.status = 404;
      response.writeHead(404, { "content-type": "text/plain" }).end("Repository not found.\n");
      return;
    }
    await handleGit(request, response, url, repo, git[3] ?? "", record);
  }

  async function handleGit(request: IncomingMessage, response: ServerResponse, url: URL, repo: RepoState, rest: string, record: RecordedRequest): Promise<void> {
    const push = url.searchParams.get("service") === "git-receive-pack" || rest === "/git-receive-pack";
    const credential = parseAuthorization(request.headers.authorization);
    const basic = credential?.scheme === "basic" ? parseBasic(credential.value) : undefined;
    const identity = basic ? tokens.identify(basic.password) : undefined;
    const refuse = (status: number, message: string) => {
      record.status = status;
      response.writeHead(status, { "content-type": "text/plain", ...(status === 401 ? { "www-authenticate": 'Basic realm="GitHub"' } : {}) }).end(`${message}\n`);
    };
    // Like GitHub: anonymous reads of a public repository work; pushes (and private repos) need a token.
    if (basic && !identity) return refuse(401, "Invalid username or token. Password authentication is not supported for Git operations.");
    if (!identity && (push || repo.private)) return refuse(401, "Authentication required");
    if (push && identity?.kind === "token" && identity.readOnly) return refuse(403, `Permission to ${repo.owner}/${repo.name}.git denied to ${identity.login}.`);
    // Faults match the git path (`/owner/repo.git/git-receive-pack`); git sees only the status, as behind a proxy.
    const fault = faults.take(request.method ?? "GET", url.pathname);
    if (fault) return refuse(fault.status, typeof fault.body === "string" ? fault.body : `injected ${fault.status}`);
    const held = gitHolds.findIndex((hold) => hold.pattern.test(url.pathname));
    if (held >= 0) await gitHolds.splice(held, 1)[0]!.until.catch(() => undefined);
    const remoteUser = identity?.kind === "token" ? identity.login : undefined;
    const result = await serveGitHttp(request, response, {
      projectRoot: gitRoot,
      pathInfo: `/${repo.owner}/${repo.name}.git${rest}`,
      query: url.search.replace(/^\?/, ""),
      remoteUser,
      beforeEnd: push && rest === "/git-receive-pack" ? () => refreshPullHeads(repo) : undefined,
    });
    record.status = result.status;
  }

  /** A push moves the branches pull requests point at; GitHub's head.sha follows. */
  async function refreshPullHeads(repo: RepoState): Promise<void> {
    for (const issue of repo.issues.values()) {
      const pull = issue.pullRequest;
      if (!pull) continue;
      const sha = await resolveRef(gitOf(repo), pull.headRef);
      if (sha) pull.headSha = sha;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  links.web = `http://127.0.0.1:${port}`;
  links.api = `${links.web}/api/v3`;

  const repoOrThrow = (owner: string, name: string): RepoState => {
    const repo = state.repo(owner, name);
    if (!repo) throw new Error(`GitHub stand-in: no repository ${owner}/${name} (addRepo first)`);
    return repo;
  };
  const reviewPayload = (repo: RepoState, review: ReviewState) => reviewSubmittedWebhook(state, links, repo, review);
  const issueOrThrow = (owner: string, name: string, number: number): IssueState => {
    const issue = repoOrThrow(owner, name).issues.get(number);
    if (!issue) throw new Error(`GitHub stand-in: no issue ${owner}/${name}#${number}`);
    return issue;
  };

  return {
    apiUrl: links.api,
    graphqlUrl: `${links.web}/api/graphql`,
    draftMutations,
    serverUrl: links.web,
    requests,
    violations,
    responseViolations,
    state,
    mintedTokens: tokens.minted,
    async addRepo(owner, name, repoOptions = {}) {
      const defaultBranch = repoOptions.defaultBranch ?? "main";
      const repo = state.addRepo({
        owner,
        name,
        defaultBranch,
        private: repoOptions.private ?? false,
        installationId: repoOptions.installationId ?? app?.installationId ?? 1,
        permissions: { [owner]: "admin", ...repoOptions.permissions },
      });
      const bare = await createBareRepo(gitRoot, owner, name, defaultBranch);
      bareRepos.set(repo, bare);
      const files = repoOptions.files && Object.keys(repoOptions.files).length > 0 ? repoOptions.files : { "README.md": `# ${name}\n` };
      await commitFiles(bare, { branch: defaultBranch, files, message: "Initial commit" });
      return repo;
    },
    async addIssue(owner, name, issueOptions) {
      const repo = repoOrThrow(owner, name);
      const user = issueOptions.user ?? owner;
      const pr = issueOptions.pull_request;
      if (!pr) return state.addIssue(repo, { ...issueOptions, user });
      const baseRef = pr.base ?? repo.defaultBranch;
      const baseSha = (await resolveRef(gitOf(repo), baseRef)) ?? "";
      const headSha = (await resolveRef(gitOf(repo), pr.head)) ?? baseSha;
      return state.addPullRequest(repo, { ...issueOptions, user, head: { ref: pr.head, sha: headSha }, base: { ref: baseRef, sha: baseSha }, draft: pr.draft ?? false });
    },
    addComment(owner, name, issueNumber, comment) {
      const repo = repoOrThrow(owner, name);
      return state.addComment(repo, issueOrThrow(owner, name, issueNumber), comment.body, comment.user ?? owner);
    },
    issue: issueOrThrow,
    labelIssue(owner, name, issueNumber, label, actor) {
      state.addLabels(repoOrThrow(owner, name), issueOrThrow(owner, name, issueNumber), [label], actor);
    },
    unlabelIssue(owner, name, issueNumber, label, actor) {
      state.removeLabel(issueOrThrow(owner, name, issueNumber), label, actor);
    },
    comments: (owner, name, issueNumber) => state.commentsOf(repoOrThrow(owner, name), issueNumber),
    addUser: (login, type) => state.user(login, type),
    setPermission(owner, name, login, permission) {
      repoOrThrow(owner, name).permissions.set(login.toLowerCase(), permission);
    },
    async submitReview(owner, name, pullNumber, input) {
      const repo = repoOrThrow(owner, name);
      const { review, comments } = await reviews.submit(repo, issueOrThrow(owner, name, pullNumber), input);
      return { review, comments, payload: reviewPayload(repo, review) };
    },
    reviewSubmittedPayload(owner, name, reviewId) {
      const repo = repoOrThrow(owner, name);
      const review = repo.reviews.get(reviewId);
      if (!review) throw new Error(`GitHub stand-in: no review ${reviewId} in ${owner}/${name}`);
      return reviewPayload(repo, review);
    },
    reviews: (owner, name, pullNumber) => reviews.reviewsOf(repoOrThrow(owner, name), pullNumber),
    reviewComments: (owner, name, pullNumber) => reviews.commentsOf(repoOrThrow(owner, name), pullNumber),
    pullRequests: (owner, name) => [...repoOrThrow(owner, name).issues.values()].filter((issue) => issue.pullRequest !== undefined),
    failNext: (method, pathPattern, status, faultOptions) => faults.add(method, pathPattern, status, faultOptions),
    pendingFaults: () => faults.pending(),
    holdAnswer: (method, pathPattern, until, holdOptions) => holds.add(method, pathPattern, until, holdOptions?.timeoutMs ?? 30_000),
    holdNextGit: (pathPattern, until) => void gitHolds.push({ pattern: pathPattern, until }),
    cloneUrl(owner, name, token) {
      const credential = token === undefined ? "" : `x-access-token:${encodeURIComponent(token)}@`;
      return `http://${credential}127.0.0.1:${port}/${owner}/${name}.git`;
    },
    branchHead: (owner, name, branch) => resolveRef(gitOf(repoOrThrow(owner, name)), branch),
    gitLog: (owner, name, ref) => readLog(gitOf(repoOrThrow(owner, name)), ref),
    async readFile(owner, name, ref, filePath) {
      const found = await readPath(gitOf(repoOrThrow(owner, name)), ref, filePath);
      return found?.type === "file" ? found.content.toString("utf8") : undefined;
    },
    commitFiles: (owner, name, branch, files, message = "Update files") => {
      const repo = repoOrThrow(owner, name);
      return commitFiles(gitOf(repo), { branch, files, message, from: repo.defaultBranch });
    },
    async renameBranch(owner, name, from, to) {
      const repo = repoOrThrow(owner, name);
      const { gitDir } = gitOf(repo);
      await runGit(gitDir, ["branch", "-m", from, to]);
      if (repo.defaultBranch === from) {
        repo.defaultBranch = to;
        await runGit(gitDir, ["symbolic-ref", "HEAD", `refs/heads/${to}`]);
      }
      for (const issue of repo.issues.values()) {
        if (issue.pullRequest?.baseRef === from && issue.state === "open") issue.pullRequest.baseRef = to;
        if (issue.pullRequest?.headRef === from) issue.pullRequest.headRef = to;
      }
    },
    async close() {
      holds.releaseAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Their cat-file processes end here: nothing of the stand-in outlives close().
      await Promise.all([...bareRepos.values()].map((bare) => bare.close()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

function recordedHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = name === "authorization" ? (redactAuthorization(String(value)) ?? "") : Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}
