import { isAncestor, readCommit, readPath, resolveRef } from "./repo-reads.js";
import { gitDataRoutes } from "./git-data-routes.js";
import { HttpError, validationFailed } from "./http-util.js";
import { reviewRoutes } from "./review-routes.js";
import { app, body, login, lookups, paginate, read, write, type Route, type RouteContext, type RouteDependencies } from "./route-kit.js";
import type { IssueState, ReactionContent, RepoState } from "./state.js";

export type { Reply, Route, RouteContext, RouteDependencies } from "./route-kit.js";

/**
 * The REST operations the stand-in serves, keyed by GitHub's operationId (the validator has already matched
 * the request to an operation and checked it against the OpenAPI description). Handlers throw HttpError
 * for GitHub's own refusals: 404s, and the 422s GitHub gives for pull requests it will not open.
 */
export function createRoutes(deps: RouteDependencies): Map<string, Route> {
  const { state, views } = deps;

  const { repoOf, issueOf, pullOf } = lookups(state);

  const routes: Array<[string, Route]> = [
    [
      "apps/create-installation-access-token",
      app(true, async (context) => {
        const installationId = Number(context.params.installation_id);
        const known = [...state.repos.values()].some((repo) => repo.installationId === installationId) || deps.app?.installationId === installationId;
        if (!known) throw new HttpError(404, "Not Found");
        const minted = deps.tokens.mint(installationId, `${deps.app?.slug ?? "app"}[bot]`);
        return {
          status: 201,
          body: {
            token: minted.token,
            expires_at: minted.expiresAt,
            permissions: { contents: "write", issues: "write", pull_requests: "write", metadata: "read" },
            repository_selection: "selected",
          },
        };
      }),
    ],
    [
      "apps/get-repo-installation",
      app(false, async (context) => ({ status: 200, body: views.installation(repoOf(context), { id: deps.app?.id ?? 0, slug: deps.app?.slug ?? "app" }) })),
    ],
    [
      "apps/list-installations",
      app(false, async (context) => {
        // One installation per id; the stand-in's installations are the ones its repositories report.
        const firstRepoOf = new Map<number, RepoState>();
        for (const repo of state.repos.values()) if (!firstRepoOf.has(repo.installationId)) firstRepoOf.set(repo.installationId, repo);
        const spec = { id: deps.app?.id ?? 0, slug: deps.app?.slug ?? "app" };
        // This operation's schema inlines `account` as allOf[simple-user, enterprise] (where the single-installation
        // one says anyOf), so the account also carries the enterprise fields to satisfy both.
        return paginate(context, [...firstRepoOf.values()], (repo) => {
          const installation = views.installation(repo, spec);
          const account = installation.account as Record<string, unknown>;
          return {
            ...installation,
            account: { ...account, name: account.login, slug: String(account.login).toLowerCase(), created_at: repo.createdAt, updated_at: repo.createdAt },
          };
        });
      }),
    ],
    [
      "apps/list-repos-accessible-to-installation",
      read(async (context) => {
        const installationId = context.identity.kind === "token" ? context.identity.installationId : undefined;
        if (installationId === undefined) throw new HttpError(403, "This endpoint requires an installation access token");
        const repos = [...state.repos.values()].filter((repo) => repo.installationId === installationId);
        const page = paginate(context, repos, (repo) => views.repository(repo));
        return { ...page, body: { total_count: repos.length, repositories: page.body, repository_selection: "selected" } };
      }),
    ],
    [
      "issues/list-events",
      read(async (context) => {
        const repo = repoOf(context);
        const issue = issueOf(repo, context.params.issue_number);
        return paginate(context, issue.events, (event) => views.issueEvent(repo, event));
      }),
    ],
    ["repos/get", read(async (context) => ({ status: 200, body: views.repository(repoOf(context)) }))],
    [
      "repos/get-branch",
      read(async (context) => {
        const repo = repoOf(context);
        const branch = context.params.branch ?? "";
        const sha = await resolveRef(deps.git(repo), branch);
        if (!sha) throw new HttpError(404, "Branch not found");
        const head = await readCommit(deps.git(repo), sha);
        if (!head) throw new HttpError(404, "Branch not found");
        return { status: 200, body: views.branch(repo, branch, head) };
      }),
    ],
    [
      "repos/get-content",
      read(async (context) => {
        const repo = repoOf(context);
        const ref = context.query.ref ?? repo.defaultBranch;
        const found = await readPath(deps.git(repo), ref, context.params.path ?? "");
        if (!found) throw new HttpError(404, "Not Found");
        if (found.type === "dir") return { status: 200, body: found.entries.map((entry) => views.content(repo, ref, entry)) };
        if (found.type === "other") return { status: 200, body: views.content(repo, ref, found.entry) };
        if (/application\/vnd\.github(\.v3)?\.raw/.test(context.accept)) return { status: 200, raw: { contentType: "text/plain; charset=utf-8", data: found.content } };
        return { status: 200, body: views.content(repo, ref, found.entry, found.content) };
      }),
    ],
    [
      "repos/get-collaborator-permission-level",
      read(async (context) => {
        const repo = repoOf(context);
        const username = context.params.username ?? "";
        return { status: 200, body: views.collaboratorPermission(repo, username, state.permission(repo, username)) };
      }),
    ],
    [
      "issues/list-for-repo",
      read(async (context) => {
        const repo = repoOf(context);
        const wanted = context.query.state ?? "open";
        const labels = (context.query.labels ?? "")
          .split(",")
          .map((name) => name.trim().toLowerCase())
          .filter(Boolean);
        const issues = [...repo.issues.values()]
          .filter((issue) => wanted === "all" || issue.state === wanted)
          .filter((issue) => labels.every((name) => issue.labels.some((label) => label.toLowerCase() === name)))
          .filter((issue) => !context.query.creator || issue.user.toLowerCase() === context.query.creator.toLowerCase());
        return paginate(context, sortIssues(issues, context), (issue) => views.issue(repo, issue));
      }),
    ],
    [
      "issues/get",
      read(async (context) => {
        const repo = repoOf(context);
        return { status: 200, body: views.issue(repo, issueOf(repo, context.params.issue_number)) };
      }),
    ],
    [
      "issues/list-comments",
      read(async (context) => {
        const repo = repoOf(context);
        const issue = issueOf(repo, context.params.issue_number);
        const since = context.query.since ? Date.parse(context.query.since) : undefined;
        const comments = state.commentsOf(repo, issue.number).filter((comment) => since === undefined || Date.parse(comment.updatedAt) >= since);
        return paginate(context, comments, (comment) => views.comment(repo, comment));
      }),
    ],
    [
      "issues/create-comment",
      write(async (context) => {
        const repo = repoOf(context);
        const issue = issueOf(repo, context.params.issue_number);
        const comment = state.addComment(repo, issue, String(body(context).body), login(context));
        const json = views.comment(repo, comment);
        return { status: 201, body: json, headers: { location: String(json.url) } };
      }),
    ],
    [
      "issues/update-comment",
      write(async (context) => {
        const repo = repoOf(context);
        const comment = repo.comments.get(Number(context.params.comment_id));
        if (!comment) throw new HttpError(404, "Not Found");
        state.editComment(comment, String(body(context).body), login(context));
        return { status: 200, body: views.comment(repo, comment) };
      }),
    ],
    [
      "reactions/create-for-issue",
      write(async (context) => {
        const repo = repoOf(context);
        const issue = issueOf(repo, context.params.issue_number);
        const { reaction, created } = state.react(issue, body(context).content as ReactionContent, login(context));
        return { status: created ? 201 : 200, body: views.reaction(reaction) };
      }),
    ],
    [
      "issues/add-labels",
      write(async (context) => {
        const repo = repoOf(context);
        const issue = issueOf(repo, context.params.issue_number);
        const requested = (body(context).labels ?? []) as Array<string | { name: string }>;
        state.addLabels(
          repo,
          issue,
          requested.map((label) => (typeof label === "string" ? label : label.name)),
          login(context),
        );
        return { status: 200, body: issue.labels.map((name) => views.label(repo, state.label(repo, name))) };
      }),
    ],
    [
      "issues/remove-label",
      write(async (context) => {
        const repo = repoOf(context);
        const issue = issueOf(repo, context.params.issue_number);
        if (!state.removeLabel(issue, context.params.name ?? "", login(context))) throw new HttpError(404, "Label does not exist");
        return { status: 200, body: issue.labels.map((name) => views.label(repo, state.label(repo, name))) };
      }),
    ],
    [
      "pulls/list",
      read(async (context) => {
        const repo = repoOf(context);
        const wanted = context.query.state ?? "open";
        const head = parseHeadFilter(context.query.head);
        const pulls = [...repo.issues.values()]
          .filter((issue) => issue.pullRequest && (wanted === "all" || issue.state === wanted))
          .filter((issue) => !head || (head.owner.toLowerCase() === repo.owner.toLowerCase() && issue.pullRequest?.headRef === head.ref))
          .filter((issue) => !context.query.base || issue.pullRequest?.baseRef === context.query.base);
        return paginate(context, sortIssues(pulls, context), (issue) => views.pullRequest(repo, issue, false));
      }),
    ],
    [
      "pulls/create",
      write(async (context) => {
        const repo = repoOf(context);
        const input = body(context);
        if (input.issue !== undefined) throw new HttpError(422, "The GitHub stand-in does not convert issues to pull requests");
        if (typeof input.title !== "string" || input.title === "") throw validationFailed([{ resource: "PullRequest", code: "missing_field", field: "title" }]);
        const headRef = String(input.head).replace(/^[^:]+:/, "");
        const baseRef = String(input.base);
        const git = deps.git(repo);
        const [headSha, baseSha] = await Promise.all([resolveRef(git, headRef), resolveRef(git, baseRef)]);
        if (!baseSha) throw validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }]);
        if (!headSha) throw validationFailed([{ resource: "PullRequest", field: "head", code: "invalid" }]);
        const duplicate = [...repo.issues.values()].find((issue) => issue.state === "open" && issue.pullRequest?.headRef === headRef && issue.pullRequest.baseRef === baseRef);
        if (duplicate) throw validationFailed([{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${repo.owner}:${headRef}.` }]);
        if (await isAncestor(git, headSha, baseSha)) throw validationFailed([{ resource: "PullRequest", code: "custom", message: `No commits between ${baseRef} and ${headRef}` }]);
        const issue = state.addPullRequest(repo, {
          title: input.title,
          body: typeof input.body === "string" ? input.body : null,
          user: login(context),
          head: { ref: headRef, sha: headSha },
          base: { ref: baseRef, sha: baseSha },
          draft: input.draft === true,
          maintainerCanModify: input.maintainer_can_modify === true,
        });
        const json = views.pullRequest(repo, issue, true);
        return { status: 201, body: json, headers: { location: String(json.url) } };
      }),
    ],
    [
      "pulls/get",
      read(async (context) => {
        const repo = repoOf(context);
        return { status: 200, body: views.pullRequest(repo, pullOf(repo, context.params.pull_number), true) };
      }),
    ],
    [
      "pulls/update",
      write(async (context) => {
        const repo = repoOf(context);
        const issue = pullOf(repo, context.params.pull_number);
        const pull = issue.pullRequest;
        const input = body(context);
        if (!pull) throw new HttpError(404, "Not Found");
        if (typeof input.base === "string") {
          const baseSha = await resolveRef(deps.git(repo), input.base);
          if (!baseSha) throw validationFailed([{ resource: "PullRequest", field: "base", code: "invalid" }]);
          pull.baseRef = input.base;
          pull.baseSha = baseSha;
        }
        if (typeof input.title === "string") issue.title = input.title;
        if (typeof input.body === "string") issue.body = input.body;
        if (typeof input.maintainer_can_modify === "boolean") pull.maintainerCanModify = input.maintainer_can_modify;
        if (input.state === "open" || input.state === "closed") state.setState(issue, input.state);
        issue.updatedAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
        return { status: 200, body: views.pullRequest(repo, issue, true) };
      }),
    ],
  ];
  return new Map([...routes, ...reviewRoutes(deps), ...gitDataRoutes(deps)]);
}

/**
 * GitHub only filters by `head` in the `owner:branch` form; a bare branch name is ignored and every
 * pull request comes back (a classic bug in callers, so the stand-in behaves the same way).
 */
function parseHeadFilter(head: string | undefined): { owner: string; ref: string } | undefined {
  const colon = head?.indexOf(":") ?? -1;
  if (!head || colon <= 0) return undefined;
  return { owner: head.slice(0, colon), ref: head.slice(colon + 1) };
}

function sortIssues(issues: IssueState[], context: RouteContext): IssueState[] {
  const key = context.query.sort === "updated" ? "updatedAt" : "createdAt";
  const descending = (context.query.direction ?? "desc") === "desc";
  return [...issues].sort((a, b) => {
    const order = a[key].localeCompare(b[key]) || a.number - b.number;
    return descending ? -order : order;
  });
}
