import type { Probot, ProbotOctokit } from "probot";
import { errorMessage } from "../core/errors.js";
import type { ForgeClient } from "../core/forge/forge-client.js";
import { createOctokitForge, type GitHubOctokit } from "../github/octokit-forge.js";
import { PermanentJobError } from "./job-queue.js";

/**
 * Everything a job needs to act as the app's installation on one repository: the forge (the same
 * adapter the Action uses, over Probot's installation client, which renews its token by itself), the
 * git URL, and a token for git over HTTPS (`x-access-token`).
 */
export interface RepositoryAccess {
  forge: ForgeClient;
  cloneUrl: string;
  token: string;
}

export type OpenRepository = (installationId: number, owner: string, repo: string) => Promise<RepositoryAccess>;

export function installationAccess(probot: Probot): OpenRepository {
  return async (installationId, owner, repo) => {
    const octokit = await probot.auth(installationId);
    const { token } = await installationToken(octokit, installationId);
    let cloneUrl: string;
    try {
      cloneUrl = (await octokit.rest.repos.get({ owner, repo })).data.clone_url;
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      // The installation does not cover the repository (or it is gone): retrying will not change that.
      if (status === 404 || status === 403) {
        throw new PermanentJobError(`the app's installation ${installationId} cannot access ${owner}/${repo} (HTTP ${status}); check the installation's repository access`);
      }
      throw error;
    }
    // Probot's client has the same REST surface (rest endpoint methods, retry, throttling) as ours.
    const forge = createOctokitForge(octokit as unknown as GitHubOctokit, owner, repo);
    return { forge, cloneUrl, token };
  };
}

async function installationToken(octokit: ProbotOctokit, installationId: number): Promise<{ token: string }> {
  try {
    const auth = (await octokit.auth({ type: "installation" })) as { token?: unknown };
    if (typeof auth.token !== "string") throw new Error("no token in the installation authentication");
    return { token: auth.token };
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (status === 404 || status === 401 || status === 403) {
      throw new PermanentJobError(`cannot get a token for installation ${installationId} (HTTP ${status}): ${errorMessage(error)}; is the app still installed?`);
    }
    throw error;
  }
}
