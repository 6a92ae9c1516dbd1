import type { ForgeClient } from "../core/forge/forge-client.js";
import { gitDataCalls } from "./forge-git-data.js";
import { issueCalls } from "./forge-issues.js";
import { pullCalls } from "./forge-pulls.js";
import type { GitHubOctokit } from "./octokit-client.js";

export { createGitHubOctokit, graphqlUrl, type GitHubOctokit, type OctokitOptions } from "./octokit-client.js";

/** The one ForgeClient over GitHub's REST (and, for the draft flag, GraphQL) API. */
export function createOctokitForge(octokit: GitHubOctokit, owner: string, repo: string): ForgeClient {
  return {
    owner,
    repo,
    ...issueCalls(octokit, owner, repo),
    ...pullCalls(octokit, owner, repo),
    ...gitDataCalls(octokit, owner, repo),
  };
}
