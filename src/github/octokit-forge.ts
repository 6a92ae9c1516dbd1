import { Octokit } from "@octokit/core";
import { retry } from "@octokit/plugin-retry";
import { restEndpointMethods, type RestEndpointMethodTypes } from "@octokit/plugin-rest-endpoint-methods";
import { throttling, type ThrottlingOptions } from "@octokit/plugin-throttling";
import { errorMessage } from "../core/errors.js";
import { ForgeError, type ForgeClient, type IssueComment, type IssueInfo, type Permission, type PullRequestInfo } from "../core/forge/forge-client.js";

const RetryingOctokit = Octokit.plugin(restEndpointMethods, retry, throttling);
export type GitHubOctokit = InstanceType<typeof RetryingOctokit>;

export interface OctokitOptions {
  /** e.g. https://api.github.com or https://ghe.example.com/api/v3 */
  baseUrl: string;
  token: string;
  userAgent?: string;
  /** Waits are capped so a run never hangs on a rate limit; tests pass small values. */
  maxRateLimitWaitSeconds?: number;
  log?: { warn(message: string): void };
  /**
   * How long the plugins wait, in milliseconds: `retryUnitMs` per second of a retry-after (and per unit of
   * the 5xx back-off), `writeIntervalMs` between two writes. GitHub's pacing (1000 and 1000) when unset;
   * tests shrink both so fault cases do not spend their time asleep.
   */
  pacing?: { retryUnitMs: number; writeIntervalMs: number };
}

/**
 * Octokit with the retry and throttling plugins: transient 5xx and secondary rate limits are retried,
 * within a cap. 4xx answers that will not change (400, 401, 403, 404, 410, 422, 451) are never retried.
 */
export function createGitHubOctokit(options: OctokitOptions): GitHubOctokit {
  const maxWait = options.maxRateLimitWaitSeconds ?? 120;
  const { pacing } = options;
  return new RetryingOctokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    userAgent: options.userAgent ?? "codegen-crew",
    retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 451], ...(pacing ? { retryAfterBaseValue: pacing.retryUnitMs } : {}) },
    throttle: {
      // The plugin's write and notification groups are shared by every client in the process (1 s and 3 s
      // apart); a paced client gets its own, spaced by writeIntervalMs.
      ...(pacing ? { retryAfterBaseValue: pacing.retryUnitMs, write: spacedGroup(pacing.writeIntervalMs), notifications: spacedGroup(pacing.writeIntervalMs) } : {}),
      onRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        options.log?.warn(`GitHub rate limit on ${request.method} ${request.url}; retry in ${retryAfter}s`);
        return retryCount < 2 && retryAfter <= maxWait;
      },
      onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        options.log?.warn(`GitHub secondary rate limit on ${request.method} ${request.url}; retry in ${retryAfter}s`);
        return retryCount < 2 && retryAfter <= maxWait;
      },
    },
  });
}

/**
 * The slice of a Bottleneck group the throttling plugin uses (`group.key(id).schedule(options, task)`):
 * tasks start one at a time, at least `minTimeMs` apart.
 */
type ThrottleGroup = NonNullable<Exclude<ThrottlingOptions, { enabled: false }>["write"]>;

function spacedGroup(minTimeMs: number): ThrottleGroup {
  let next = Promise.resolve();
  const limiter = {
    schedule<T>(_options: unknown, task: () => Promise<T>): Promise<T> {
      const turn = next.then(() => task());
      next = turn.then(
        () => sleep(minTimeMs),
        () => sleep(minTimeMs),
      );
      return turn;
    },
  };
  // Only key() and schedule() are ever called on a group (plugin-throttling's wrap-request.js).
  return { key: () => limiter } as unknown as ThrottleGroup;
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

type PullData = RestEndpointMethodTypes["pulls"]["get"]["response"]["data"] | RestEndpointMethodTypes["pulls"]["list"]["response"]["data"][number];

function pull(data: PullData): PullRequestInfo {
  return { number: data.number, htmlUrl: data.html_url, draft: data.draft ?? false, head: data.head.ref };
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

async function call<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new ForgeError(operation, errorMessage(error), statusOf(error), { cause: error });
  }
}

/** Comments are read 100 at a time, up to this many pages (the bot's status comment can be far down). */
const MAX_COMMENT_PAGES = 30;
const COMMENT_ATTEMPTS = 3;

export function createOctokitForge(octokit: GitHubOctokit, owner: string, repo: string): ForgeClient {
  const rest = octokit.rest;

  async function listIssueComments(issue: number): Promise<IssueComment[]> {
    const comments: IssueComment[] = [];
    for (let page = 1; page <= MAX_COMMENT_PAGES; page++) {
      const { data } = await call(`list comments of #${issue}`, () => rest.issues.listComments({ owner, repo, issue_number: issue, per_page: 100, page }));
      comments.push(...data.map((c) => ({ id: c.id, author: c.user?.login ?? "ghost", body: c.body ?? "" })));
      if (data.length < 100) break;
    }
    return comments;
  }

  return {
    owner,
    repo,
    async getIssue(issue) {
      const { data } = await call(`GET issue #${issue}`, () => rest.issues.get({ owner, repo, issue_number: issue }));
      const info: IssueInfo = {
        number: data.number,
        title: data.title,
        body: data.body ?? "",
        state: data.state === "closed" ? "closed" : "open",
        locked: data.locked ?? false,
        isPullRequest: data.pull_request !== undefined && data.pull_request !== null,
        author: data.user?.login ?? "ghost",
        labels: data.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))).filter(Boolean),
        htmlUrl: data.html_url,
      };
      return info;
    },
    listIssueComments,
    async getPermission(user) {
      try {
        const { data } = await rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: user });
        const role = (data.role_name ?? data.permission) as string;
        return (["admin", "maintain", "write", "triage", "read"].includes(role) ? role : data.permission) as Permission;
      } catch (error) {
        // Not a collaborator at all: no access, which is an answer, not a failure.
        if (statusOf(error) === 404) return "none";
        throw new ForgeError(`permission of ${user}`, errorMessage(error), statusOf(error), { cause: error });
      }
    },
    async addReaction(issue, content) {
      await call(`react to #${issue}`, () => rest.reactions.createForIssue({ owner, repo, issue_number: issue, content }));
    },
    async createComment(issue, body) {
      // A comment POST is not idempotent: a 5xx can come after GitHub stored the comment, and the retry
      // plugin would post it twice. So a 5xx is followed by a look for the very same body before posting again.
      for (let attempt = 1; ; attempt++) {
        try {
          const { data } = await rest.issues.createComment({ owner, repo, issue_number: issue, body, request: { retries: 0 } });
          return data.id;
        } catch (error) {
          const status = statusOf(error);
          if (status === undefined || status < 500 || attempt >= COMMENT_ATTEMPTS) throw new ForgeError(`comment on #${issue}`, errorMessage(error), status, { cause: error });
          const stored = (await listIssueComments(issue)).filter((c) => c.body === body).pop();
          if (stored) return stored.id;
        }
      }
    },
    async updateComment(commentId, body) {
      await call(`edit comment ${commentId}`, () => rest.issues.updateComment({ owner, repo, comment_id: commentId, body }));
    },
    async getDefaultBranch() {
      const { data } = await call("GET repository", () => rest.repos.get({ owner, repo }));
      return data.default_branch;
    },
    async findOpenPullRequest(head) {
      const { data } = await call(`find PR for ${head}`, () => rest.pulls.list({ owner, repo, head: `${owner}:${head}`, state: "open", per_page: 10 }));
      const match = data.find((p) => p.head.ref === head);
      return match ? pull(match) : null;
    },
    async createPullRequest(pr) {
      const { data } = await call("create pull request", () => rest.pulls.create({ owner, repo, ...pr }));
      return pull(data);
    },
    async updatePullRequest(number, fields) {
      const { data } = await call(`update PR #${number}`, () => rest.pulls.update({ owner, repo, pull_number: number, ...fields }));
      return pull(data);
    },
    async addLabels(issue, labels) {
      await call(`label #${issue}`, () => rest.issues.addLabels({ owner, repo, issue_number: issue, labels }));
    },
  };
}
