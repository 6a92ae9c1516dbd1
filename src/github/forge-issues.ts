import type { RestEndpointMethodTypes } from "@octokit/plugin-rest-endpoint-methods";
import { ForgeError, type ForgeClient, type IssueComment, type IssueInfo, type LabelEvent, type Permission } from "../core/forge/forge-client.js";
import { errorMessage } from "../core/errors.js";
import { call, readAllPages, statusOf, type GitHubOctokit } from "./octokit-client.js";

type IssueCalls = Pick<
  ForgeClient,
  | "getIssue"
  | "listIssueComments"
  | "getPermission"
  | "addReaction"
  | "addCommentReaction"
  | "createComment"
  | "updateComment"
  | "addLabels"
  | "listOpenIssuesWithLabel"
  | "listLabelEvents"
>;
type CommentData = RestEndpointMethodTypes["issues"]["listComments"]["response"]["data"][number];
type IssueData = RestEndpointMethodTypes["issues"]["get"]["response"]["data"] | RestEndpointMethodTypes["issues"]["listForRepo"]["response"]["data"][number];

/** Attempts at posting one comment when GitHub answers 5xx (each after checking it was not stored). */
const COMMENT_ATTEMPTS = 3;

const ROLES: readonly string[] = ["admin", "maintain", "write", "triage", "read"];

function issueInfo(data: IssueData): IssueInfo {
  return {
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
}

function comment(data: CommentData): IssueComment {
  return {
    id: data.id,
    author: data.user?.login ?? "ghost",
    authorType: data.user?.type ?? "User",
    body: data.body ?? "",
    createdAt: data.created_at,
    htmlUrl: data.html_url,
  };
}

/** Issues (and pull requests, which are issues too): comments, reactions, labels, who may write. */
export function issueCalls(octokit: GitHubOctokit, owner: string, repo: string): IssueCalls {
  const rest = octokit.rest;
  const listIssueComments = async (issue: number): Promise<IssueComment[]> => {
    const all = await readAllPages(`list comments of #${issue}`, (page) => rest.issues.listComments({ owner, repo, issue_number: issue, ...page }));
    return all.map(comment);
  };
  return {
    async getIssue(issue) {
      const { data } = await call(`GET issue #${issue}`, () => rest.issues.get({ owner, repo, issue_number: issue }));
      return issueInfo(data);
    },
    async listOpenIssuesWithLabel(label) {
      const all = await readAllPages(`list open issues labelled ${label}`, (page) => rest.issues.listForRepo({ owner, repo, state: "open", labels: label, ...page }));
      return all.map(issueInfo);
    },
    async listLabelEvents(issue) {
      const all = await readAllPages(`list events of #${issue}`, (page) => rest.issues.listEvents({ owner, repo, issue_number: issue, ...page }));
      const events: LabelEvent[] = [];
      for (const event of all) {
        if ((event.event === "labeled" || event.event === "unlabeled") && "label" in event && event.label) {
          events.push({ event: event.event, label: event.label.name, actor: event.actor?.login });
        }
      }
      return events;
    },
    listIssueComments,
    async getPermission(user) {
      try {
        const { data } = await rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: user });
        const role = (data.role_name ?? data.permission) as string;
        return (ROLES.includes(role) ? role : data.permission) as Permission;
      } catch (error) {
        // Not a collaborator at all: no access, which is an answer, not a failure.
        if (statusOf(error) === 404) return "none";
        throw new ForgeError(`permission of ${user}`, errorMessage(error), statusOf(error), { cause: error });
      }
    },
    async addReaction(issue, content) {
      await call(`react to #${issue}`, () => rest.reactions.createForIssue({ owner, repo, issue_number: issue, content }));
    },
    async addCommentReaction(commentId, content) {
      await call(`react to comment ${commentId}`, () => rest.reactions.createForIssueComment({ owner, repo, comment_id: commentId, content }));
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
    async addLabels(issue, labels) {
      await call(`label #${issue}`, () => rest.issues.addLabels({ owner, repo, issue_number: issue, labels }));
    },
  };
}
