import type { AppSpec, Identity, TokenRegistry } from "./auth.js";
import { HttpError, linkHeader } from "./http-util.js";
import type { BareRepo } from "./repo-reads.js";
import type { Representations } from "./representations.js";
import type { ReviewRepresentations } from "./review-representations.js";
import type { Reviews } from "./review-state.js";
import type { GitHubState, IssueState, RepoState } from "./state.js";

/** What every REST route of the stand-in shares: the route shape, lookups that 404 like GitHub, pagination. */
export interface RouteContext {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** The request's URL as the client sees it (for pagination links). */
  url: URL;
  accept: string;
  identity: Identity;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** A non-JSON answer (raw file contents). */
  raw?: { contentType: string; data: Buffer };
  headers?: Record<string, string>;
}

export interface Route {
  /** "app" routes take an app JWT; the others an installation or personal token. */
  auth: "app" | "token";
  /** Writes are refused for read-only tokens. */
  write: boolean;
  handle(context: RouteContext): Promise<Reply>;
}

export interface RouteDependencies {
  state: GitHubState;
  views: Representations;
  tokens: TokenRegistry;
  app: (AppSpec & { slug: string }) | undefined;
  /** The repository's git side: its bare repository and that repository's object reader. */
  git(repo: RepoState): BareRepo;
  reviews: Reviews;
  reviewViews: ReviewRepresentations;
}

export type Body = Record<string, unknown>;

export function lookups(state: GitHubState) {
  const repoOf = (context: RouteContext): RepoState => {
    const repo = state.repo(context.params.owner ?? "", context.params.repo ?? "");
    if (!repo) throw new HttpError(404, "Not Found");
    return repo;
  };
  const issueOf = (repo: RepoState, number: string | undefined): IssueState => {
    const issue = repo.issues.get(Number(number));
    if (!issue) throw new HttpError(404, "Not Found");
    return issue;
  };
  const pullOf = (repo: RepoState, number: string | undefined): IssueState => {
    const issue = issueOf(repo, number);
    if (!issue.pullRequest) throw new HttpError(404, "Not Found");
    return issue;
  };
  return { repoOf, issueOf, pullOf };
}

export function login(context: RouteContext): string {
  return context.identity.kind === "token" ? context.identity.login : "app";
}

export function body(context: RouteContext): Body {
  return (context.body ?? {}) as Body;
}

export function read(handle: Route["handle"]): Route {
  return { auth: "token", write: false, handle };
}

export function write(handle: Route["handle"]): Route {
  return { auth: "token", write: true, handle };
}

export function app(isWrite: boolean, handle: Route["handle"]): Route {
  return { auth: "app", write: isWrite, handle };
}

export function paginate<T>(context: RouteContext, items: T[], render: (item: T) => unknown): Reply {
  const perPage = Math.min(100, Math.max(1, Number(context.query.per_page ?? 30)));
  const page = Math.max(1, Number(context.query.page ?? 1));
  const link = linkHeader(context.url, page, perPage, items.length);
  return { status: 200, body: items.slice((page - 1) * perPage, page * perPage).map(render), ...(link ? { headers: { link } } : {}) };
}
