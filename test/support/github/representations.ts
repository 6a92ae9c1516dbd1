import type { CommitInfo } from "./git-objects.js";
import type { TreeEntry } from "./repo-reads.js";
import { branchJson, commitJson, contentJson, type RepoUrls } from "./git-json.js";
import type { CommentState, GitHubState, IssueEventState, IssueState, LabelState, Permission, ReactionState, RepoState } from "./state.js";

/**
 * GitHub's JSON for the stand-in's state: every field GitHub's OpenAPI description marks as required,
 * with URLs pointing back at the stand-in (GHES layout: web at the server root, REST under /api/v3).
 * The stand-in's tests check these against the response schemas in the OpenAPI fixture.
 */
export interface Links {
  /** `http://127.0.0.1:P/api/v3` */
  api: string;
  /** `http://127.0.0.1:P` */
  web: string;
}

type Json = Record<string, unknown>;

export class Representations {
  constructor(
    private readonly links: Links,
    private readonly state: GitHubState,
  ) {}

  user(login: string): Json {
    const user = this.state.user(login);
    const api = `${this.links.api}/users/${encodeURIComponent(user.login)}`;
    return {
      login: user.login,
      id: user.id,
      node_id: `U_kgDO${Buffer.from(`user:${user.id}`).toString("base64url")}`,
      avatar_url: `${this.links.web}/avatars/u/${user.id}`,
      gravatar_id: "",
      url: api,
      html_url: `${this.links.web}/${encodeURIComponent(user.login)}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: user.type,
      user_view_type: "public",
      site_admin: false,
    };
  }

  repository(repo: RepoState): Json {
    const api = this.repoApi(repo);
    const openIssues = [...repo.issues.values()].filter((issue) => issue.state === "open").length;
    const templated: Record<string, string> = {
      archive_url: "/{archive_format}{/ref}",
      assignees_url: "/assignees{/user}",
      blobs_url: "/git/blobs{/sha}",
      branches_url: "/branches{/branch}",
      collaborators_url: "/collaborators{/collaborator}",
      comments_url: "/comments{/number}",
      commits_url: "/commits{/sha}",
      compare_url: "/compare/{base}...{head}",
      contents_url: "/contents/{+path}",
      git_commits_url: "/git/commits{/sha}",
      git_refs_url: "/git/refs{/sha}",
      git_tags_url: "/git/tags{/sha}",
      issue_comment_url: "/issues/comments{/number}",
      issue_events_url: "/issues/events{/number}",
      issues_url: "/issues{/number}",
      keys_url: "/keys{/key_id}",
      labels_url: "/labels{/name}",
      milestones_url: "/milestones{/number}",
      notifications_url: "/notifications{?since,all,participating}",
      pulls_url: "/pulls{/number}",
      releases_url: "/releases{/id}",
      statuses_url: "/statuses/{sha}",
      trees_url: "/git/trees{/sha}",
      contributors_url: "/contributors",
      deployments_url: "/deployments",
      downloads_url: "/downloads",
      events_url: "/events",
      forks_url: "/forks",
      hooks_url: "/hooks",
      languages_url: "/languages",
      merges_url: "/merges",
      stargazers_url: "/stargazers",
      subscribers_url: "/subscribers",
      subscription_url: "/subscription",
      tags_url: "/tags",
      teams_url: "/teams",
    };
    const host = new URL(this.links.web).host;
    return {
      id: repo.id,
      node_id: repo.nodeId,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      owner: this.user(repo.owner),
      private: repo.private,
      visibility: repo.private ? "private" : "public",
      description: null,
      fork: false,
      url: api,
      html_url: this.repoWeb(repo),
      ...Object.fromEntries(Object.entries(templated).map(([field, suffix]) => [field, `${api}${suffix}`])),
      clone_url: `${this.repoWeb(repo)}.git`,
      git_url: `git://${host}/${repo.owner}/${repo.name}.git`,
      ssh_url: `git@${host}:${repo.owner}/${repo.name}.git`,
      svn_url: this.repoWeb(repo),
      mirror_url: null,
      homepage: null,
      language: null,
      license: null,
      default_branch: repo.defaultBranch,
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      network_count: 0,
      subscribers_count: 0,
      size: 0,
      open_issues: openIssues,
      open_issues_count: openIssues,
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      allow_forking: true,
      is_template: false,
      topics: [],
      pushed_at: repo.createdAt,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
    };
  }

  label(repo: RepoState, label: LabelState): Json {
    return {
      id: label.id,
      node_id: label.nodeId,
      url: `${this.repoApi(repo)}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      description: label.description,
      color: label.color,
      default: false,
    };
  }

  issue(repo: RepoState, issue: IssueState): Json {
    const api = `${this.repoApi(repo)}/issues/${issue.number}`;
    const kind = issue.pullRequest ? "pull" : "issues";
    const json: Json = {
      id: issue.id,
      node_id: issue.nodeId,
      url: api,
      repository_url: this.repoApi(repo),
      labels_url: `${api}/labels{/name}`,
      comments_url: `${api}/comments`,
      events_url: `${api}/events`,
      html_url: `${this.repoWeb(repo)}/${kind}/${issue.number}`,
      number: issue.number,
      title: issue.title,
      user: this.user(issue.user),
      labels: issue.labels.map((name) => this.label(repo, this.state.label(repo, name))),
      state: issue.state,
      state_reason: issue.state === "closed" ? "completed" : null,
      locked: issue.locked,
      active_lock_reason: null,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: this.state.commentsOf(repo, issue.number).length,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      closed_by: null,
      author_association: this.association(repo, issue.user),
      body: issue.body,
      reactions: this.reactionRollup(`${api}/reactions`, issue.reactions),
      timeline_url: `${api}/timeline`,
      performed_via_github_app: null,
    };
    if (issue.pullRequest) {
      const pullApi = `${this.repoApi(repo)}/pulls/${issue.number}`;
      const web = `${this.repoWeb(repo)}/pull/${issue.number}`;
      json.draft = issue.pullRequest.draft;
      json.pull_request = {
        url: pullApi,
        html_url: web,
        diff_url: `${web}.diff`,
        patch_url: `${web}.patch`,
        merged_at: issue.pullRequest.merged ? (issue.closedAt ?? issue.updatedAt) : null,
      };
    }
    return json;
  }

  comment(repo: RepoState, comment: CommentState): Json {
    return {
      id: comment.id,
      node_id: comment.nodeId,
      url: `${this.repoApi(repo)}/issues/comments/${comment.id}`,
      html_url: `${this.repoWeb(repo)}/${repo.issues.get(comment.issueNumber)?.pullRequest ? "pull" : "issues"}/${comment.issueNumber}#issuecomment-${comment.id}`,
      issue_url: `${this.repoApi(repo)}/issues/${comment.issueNumber}`,
      body: comment.body,
      user: this.user(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: this.association(repo, comment.user),
      performed_via_github_app: null,
      reactions: this.reactionRollup(`${this.repoApi(repo)}/issues/comments/${comment.id}/reactions`, comment.reactions),
    };
  }

  reaction(reaction: ReactionState): Json {
    return { id: reaction.id, node_id: reaction.nodeId, user: this.user(reaction.user), content: reaction.content, created_at: reaction.createdAt };
  }

  /** `full` adds the fields only GET/POST/PATCH of one pull request carry (not the list). */
  pullRequest(repo: RepoState, issue: IssueState, full: boolean): Json {
    const pull = issue.pullRequest;
    if (!pull) throw new Error(`GitHub stand-in: #${issue.number} is not a pull request`);
    const api = `${this.repoApi(repo)}/pulls/${issue.number}`;
    const issueApi = `${this.repoApi(repo)}/issues/${issue.number}`;
    const web = `${this.repoWeb(repo)}/pull/${issue.number}`;
    const repository = this.repository(repo);
    const side = (ref: string, sha: string) => ({ label: `${repo.owner}:${ref}`, ref, sha, user: this.user(repo.owner), repo: repository });
    const json: Json = {
      url: api,
      id: pull.id,
      node_id: pull.nodeId,
      html_url: web,
      diff_url: `${web}.diff`,
      patch_url: `${web}.patch`,
      issue_url: issueApi,
      commits_url: `${api}/commits`,
      review_comments_url: `${api}/comments`,
      review_comment_url: `${this.repoApi(repo)}/pulls/comments{/number}`,
      comments_url: `${issueApi}/comments`,
      statuses_url: `${this.repoApi(repo)}/statuses/${pull.headSha}`,
      number: issue.number,
      state: issue.state,
      locked: issue.locked,
      title: issue.title,
      user: this.user(issue.user),
      body: issue.body,
      labels: issue.labels.map((name) => this.label(repo, this.state.label(repo, name))),
      milestone: null,
      active_lock_reason: null,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      // GitHub sets merged_at when it merges; a merged PR is closed at that moment.
      merged_at: pull.merged ? (issue.closedAt ?? issue.updatedAt) : null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: pull.requestedReviewers.map((login) => this.user(login)),
      requested_teams: [],
      head: side(pull.headRef, pull.headSha),
      base: side(pull.baseRef, pull.baseSha),
      _links: Object.fromEntries(
        Object.entries({
          self: api,
          html: web,
          issue: issueApi,
          comments: `${issueApi}/comments`,
          review_comments: `${api}/comments`,
          review_comment: `${this.repoApi(repo)}/pulls/comments{/number}`,
          commits: `${api}/commits`,
          statuses: `${this.repoApi(repo)}/statuses/${pull.headSha}`,
        }).map(([name, href]) => [name, { href }]),
      ),
      author_association: this.association(repo, issue.user),
      auto_merge: null,
      draft: pull.draft,
    };
    if (!full) return json;
    return {
      ...json,
      merged: pull.merged,
      mergeable: null,
      rebaseable: null,
      mergeable_state: "unknown",
      merged_by: null,
      comments: this.state.commentsOf(repo, issue.number).length,
      review_comments: [...repo.reviewComments.values()].filter((comment) => comment.pullNumber === issue.number).length,
      maintainer_can_modify: pull.maintainerCanModify,
      commits: 1,
      additions: 0,
      deletions: 0,
      changed_files: 0,
    };
  }

  commit(repo: RepoState, info: CommitInfo): Json {
    return commitJson(this.repoUrls(repo), info);
  }

  branch(repo: RepoState, name: string, head: CommitInfo): Json {
    return branchJson(this.repoUrls(repo), name, head);
  }

  content(repo: RepoState, ref: string, entry: TreeEntry, content?: Buffer): Json {
    return contentJson(this.repoUrls(repo), ref, entry, content);
  }

  collaboratorPermission(repo: RepoState, login: string, permission: Permission): Json {
    const rank = { none: 0, read: 1, write: 2, admin: 3 }[permission];
    return {
      permission,
      role_name: permission,
      user: { ...this.user(login), permissions: { pull: rank >= 1, triage: rank >= 1, push: rank >= 2, maintain: rank >= 3, admin: rank >= 3 }, role_name: permission },
    };
  }

  installation(repo: RepoState, app: { id: number; slug: string }): Json {
    const owner = this.user(repo.owner);
    return {
      id: repo.installationId,
      account: owner,
      repository_selection: "selected",
      access_tokens_url: `${this.links.api}/app/installations/${repo.installationId}/access_tokens`,
      repositories_url: `${this.links.api}/installation/repositories`,
      html_url: `${this.links.web}/settings/installations/${repo.installationId}`,
      app_id: app.id,
      app_slug: app.slug,
      target_id: owner.id,
      target_type: this.state.user(repo.owner).type === "Bot" ? "Bot" : "User",
      permissions: { contents: "write", issues: "write", pull_requests: "write", metadata: "read" },
      events: ["issues", "issue_comment"],
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
      single_file_name: null,
      suspended_by: null,
      suspended_at: null,
    };
  }

  /** A labeled/unlabeled entry of GET /repos/{owner}/{repo}/issues/{issue_number}/events. */
  issueEvent(repo: RepoState, event: IssueEventState): Json {
    const label = this.state.label(repo, event.label);
    return {
      id: event.id,
      node_id: event.nodeId,
      url: `${this.repoApi(repo)}/issues/events/${event.id}`,
      actor: this.user(event.actor),
      event: event.event,
      commit_id: null,
      commit_url: null,
      created_at: event.createdAt,
      performed_via_github_app: null,
      label: { name: label.name, color: label.color },
    };
  }

  reactionRollup(url: string, reactions: ReactionState[]): Json {
    const count = (content: string) => reactions.filter((reaction) => reaction.content === content).length;
    const names = ["+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"];
    return { url, total_count: reactions.length, ...Object.fromEntries(names.map((name) => [name, count(name)])) };
  }

  association(repo: RepoState, login: string): string {
    if (login.toLowerCase() === repo.owner.toLowerCase()) return "OWNER";
    const permission = repo.permissions.get(login.toLowerCase());
    return permission && permission !== "none" ? "COLLABORATOR" : "NONE";
  }

  private repoUrls(repo: RepoState): RepoUrls {
    return { api: this.repoApi(repo), web: this.repoWeb(repo), raw: `${this.links.web}/raw/${repo.owner}/${repo.name}` };
  }

  repoApi(repo: RepoState): string {
    return `${this.links.api}/repos/${repo.owner}/${repo.name}`;
  }

  repoWeb(repo: RepoState): string {
    return `${this.links.web}/${repo.owner}/${repo.name}`;
  }
}
