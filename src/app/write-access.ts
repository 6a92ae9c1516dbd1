import type { ProbotOctokit } from "probot";
import { hasWriteAccess, type Permission } from "../core/forge/forge-client.js";

/** Whether `username` may make the bot act in the repository (write, maintain or admin); a 404 is "no". */
export async function canWrite(octokit: ProbotOctokit, owner: string, repo: string, username: string): Promise<boolean> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    return hasWriteAccess((data.role_name ?? data.permission) as Permission);
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return false;
    throw error;
  }
}
