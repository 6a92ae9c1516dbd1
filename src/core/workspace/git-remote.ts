import { WorkspaceError } from "../errors.js";
import { runGit } from "../git/run-git.js";

/**
 * Fetch, clone and push with a token that exists only in the environment of that one git process
 * (GIT_CONFIG_* entries, not argv and not any config file), so nothing the crew runs later can read it from
 * disk or from the process list.
 */
export interface RemoteAccess {
  /** e.g. https://github.com/owner/repo.git */
  url: string;
  token?: string;
}

function authConfig(access: RemoteAccess): Record<string, string> {
  if (!access.token) return {};
  const basic = Buffer.from(`x-access-token:${access.token}`).toString("base64");
  return { [`http.${new URL(access.url).origin}/.extraheader`]: `AUTHORIZATION: basic ${basic}` };
}

async function git(args: string[], cwd: string, access: RemoteAccess): Promise<string> {
  const result = await runGit(args, { cwd, secretConfig: authConfig(access), timeoutMs: 10 * 60_000 });
  if (result.exitCode === 0) return result.stdout;
  const detail = mask(`${result.stderr || result.failure || `exit code ${result.exitCode}`}`.trim().split("\n").slice(-4).join(" "), access.token);
  throw new WorkspaceError(`git ${args[0]} ${mask(access.url, access.token)} failed: ${detail}`, { phase: "publish" });
}

function mask(text: string, token: string | undefined): string {
  return token ? text.split(token).join("***") : text;
}

export async function cloneRepository(access: RemoteAccess, dir: string): Promise<void> {
  await git(["clone", "--quiet", "--no-tags", access.url, dir], process.cwd(), access);
}

/** Fetches a remote branch into refs/remotes/codegen-crew/<branch>; false when the branch does not exist. */
export async function fetchBranch(repoDir: string, access: RemoteAccess, branch: string): Promise<string | null> {
  const listed = await git(["ls-remote", "--heads", access.url, `refs/heads/${branch}`], repoDir, access);
  if (!listed.trim()) return null;
  const ref = `refs/remotes/codegen-crew-remote/${branch}`;
  await git(["fetch", "--quiet", "--no-tags", access.url, `+refs/heads/${branch}:${ref}`], repoDir, access);
  return ref;
}

/** Pushes without force: commits somebody else pushed to the branch are never overwritten. */
export async function pushBranch(repoDir: string, access: RemoteAccess, localBranch: string, remoteBranch: string): Promise<void> {
  await git(["push", "--quiet", access.url, `refs/heads/${localBranch}:refs/heads/${remoteBranch}`], repoDir, access);
}
