import { errorMessage } from "../core/errors.js";
import { ForgeError, type ForgeClient } from "../core/forge/forge-client.js";
import type { GitHubAppForge } from "../github/installation-forge.js";
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

export function installationAccess(appForge: GitHubAppForge): OpenRepository {
  return async (installationId, owner, repo) => {
    const installation = await appForge.installation(installationId);
    let cloneUrl: string;
    try {
      cloneUrl = await installation.cloneUrl(owner, repo);
    } catch (error) {
      const status = statusOf(error);
      // The installation does not cover the repository (or it is gone): retrying will not change that.
      if (status === 404 || status === 403) {
        throw new PermanentJobError(`the app's installation ${installationId} cannot access ${owner}/${repo} (HTTP ${status}); check the installation's repository access`);
      }
      throw error;
    }
    const token = await gitToken(appForge, installationId, repo);
    return { forge: installation.repository(owner, repo), cloneUrl, token };
  };
}

/** A token for git only, minted for this job: limited to this one repository and to its contents. */
async function gitToken(appForge: GitHubAppForge, installationId: number, repo: string): Promise<string> {
  try {
    return await appForge.gitToken(installationId, repo);
  } catch (error) {
    const status = statusOf(error);
    if (status === 404 || status === 401 || status === 403 || status === 422) {
      const cause = errorMessage(error instanceof ForgeError ? error.cause : error);
      throw new PermanentJobError(`cannot get a token for ${repo} from installation ${installationId} (HTTP ${status}): ${cause}; is the app still installed on it?`);
    }
    throw error;
  }
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ForgeError ? error.status : undefined;
}
