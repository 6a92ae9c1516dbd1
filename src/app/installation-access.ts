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
    let cloneUrl: string;
    try {
      cloneUrl = (await octokit.rest.repos.get({ owner, repo })).data.clone_url;
    } catch (error) {
      const status = statusOf(error);
      // The installation does not cover the repository (or it is gone): retrying will not change that.
      if (status === 404 || status === 403) {
        throw new PermanentJobError(`the app's installation ${installationId} cannot access ${owner}/${repo} (HTTP ${status}); check the installation's repository access`);
      }
      throw error;
    }
    const token = await gitToken(await probot.auth(), installationId, repo);
    // Probot's client has the same REST surface (rest endpoint methods, retry, throttling) as ours.
    const forge = createOctokitForge(octokit as unknown as GitHubOctokit, owner, repo);
    return { forge, cloneUrl, token };
  };
}

/**
 * A token for git only, minted for this job: limited to this one repository and to its contents, since
 * it lives in the environment of git commands next to code the crew runs. (Asked of the API through the
 * app's client, which knows the GitHub Enterprise base URL; `octokit.auth()` would not.)
 */
async function gitToken(asApp: ProbotOctokit, installationId: number, repo: string): Promise<string> {
  try {
    const { data } = await asApp.rest.apps.createInstallationAccessToken({ installation_id: installationId, repositories: [repo], permissions: { contents: "write" } });
    return data.token;
  } catch (error) {
    const status = statusOf(error);
    if (status === 404 || status === 401 || status === 403 || status === 422) {
      throw new PermanentJobError(`cannot get a token for ${repo} from installation ${installationId} (HTTP ${status}): ${errorMessage(error)}; is the app still installed on it?`);
    }
    throw error;
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}
