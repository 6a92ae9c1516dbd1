import os from "node:os";
import { WorkspaceError } from "../errors.js";
import { runGit } from "../git/run-git.js";
import { readRefCommit } from "./git-files.js";

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

/** What git prints when the server, or a proxy in front of it, failed this once (GitHub's 502s and 503s). */
const TRANSIENT = /returned error: 5\d\d|\bHTTP 5\d\d\b|Connection reset|Empty reply from server/i;
/** Waits before the 2nd and 3rd attempt. Every remote operation here is safe to repeat: none forces anything. */
const RETRY_DELAYS_MS = [1_000, 4_000];

async function git(args: string[], cwd: string, access: RemoteAccess): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const result = await gitOnce(args, cwd, access);
    if (result.ok) return result.stdout;
    const delay = RETRY_DELAYS_MS[attempt];
    if (delay === undefined || !TRANSIENT.test(result.detail)) {
      const tries = attempt > 0 ? ` (after ${attempt + 1} attempts)` : "";
      throw new WorkspaceError(`git ${args[0]} ${mask(access.url, access.token)} failed${tries}: ${result.detail}`, { phase: "publish" });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function gitOnce(args: string[], cwd: string, access: RemoteAccess): Promise<{ ok: true; stdout: string } | { ok: false; detail: string }> {
  const result = await runGit(args, { cwd, secretConfig: authConfig(access), timeoutMs: 10 * 60_000 });
  if (result.exitCode === 0) return { ok: true, stdout: result.stdout };
  return { ok: false, detail: mask(`${result.stderr || result.failure || `exit code ${result.exitCode}`}`.trim().split("\n").slice(-4).join(" "), access.token) };
}

function mask(text: string, token: string | undefined): string {
  return token ? text.split(token).join("***") : text;
}

export async function cloneRepository(access: RemoteAccess, dir: string): Promise<void> {
  await git(["clone", "--quiet", "--no-tags", access.url, dir], process.cwd(), access);
}

/** The local ref holding a remote branch's commit (fetched when needed); null when the branch does not exist. */
export async function fetchBranch(repoDir: string, access: RemoteAccess, branch: string): Promise<string | null> {
  return (await fetchBranches(repoDir, access, [branch])).get(branch) ?? null;
}

/**
 * Several remote branches at once: one `ls-remote` says which exist and where they point, one `fetch` brings
 * those (a fetch of a missing branch would fail the whole fetch). Each maps to a local ref holding the remote's
 * commit, or null when the branch does not exist. A branch whose commit the clone's `origin/<branch>` already
 * names (a fresh clone, seconds old) needs no fetch: that ref is the answer. `ls-remote` needs no clone, so
 * `repoDir` may be a clone still on its way: the listing goes out at once.
 */
export async function fetchBranches(repoDir: string | Promise<string>, access: RemoteAccess, branches: string[]): Promise<Map<string, string | null>> {
  const wanted = [...new Set(branches)];
  // From the temp folder: ls-remote needs no repository, and the clone may not be there yet.
  const listed = await git(["ls-remote", "--heads", access.url, ...wanted.map((branch) => `refs/heads/${branch}`)], os.tmpdir(), access);
  const dir = await repoDir;
  const remoteHeads = new Map<string, string>();
  for (const line of listed.split("\n")) {
    const [sha, name] = line.split("\t").map((part) => part.trim());
    if (sha && name) remoteHeads.set(name, sha);
  }
  const refs = new Map<string, string | null>();
  const refspecs: string[] = [];
  for (const branch of wanted) {
    const sha = remoteHeads.get(`refs/heads/${branch}`);
    if (!sha) refs.set(branch, null);
    else if ((await readRefCommit(dir, `refs/remotes/origin/${branch}`)) === sha) refs.set(branch, `refs/remotes/origin/${branch}`);
    else {
      refs.set(branch, `refs/remotes/codegen-crew-remote/${branch}`);
      refspecs.push(`+refs/heads/${branch}:refs/remotes/codegen-crew-remote/${branch}`);
    }
  }
  if (refspecs.length > 0) await git(["fetch", "--quiet", "--no-tags", access.url, ...refspecs], dir, access);
  return refs;
}

/** Pushes without force: commits somebody else pushed to the branch are never overwritten. */
export async function pushBranch(repoDir: string, access: RemoteAccess, localBranch: string, remoteBranch: string): Promise<void> {
  await git(["push", "--quiet", access.url, `refs/heads/${localBranch}:refs/heads/${remoteBranch}`], repoDir, access);
}
