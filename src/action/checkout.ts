import { mkdtemp } from "node:fs/promises";
import path from "node:path";
import { assertNoCredentialsInGitConfig, stripGitCredentials } from "../core/checks/git-credentials.js";
import { gitDirsOf } from "../core/workspace/git-files.js";
import { Git } from "../core/workspace/git.js";
import { cloneRepository, type RemoteAccess } from "../core/workspace/git-remote.js";

/**
 * The local clone the run works in: the job's checkout when it is a clone of this repository (as after
 * actions/checkout), else a fresh clone. Credentials actions/checkout persisted in the clone's config are
 * removed first: the crew's checks run code from the change, and that code must not find a token on disk.
 */
export async function prepareClone(
  workspace: string | undefined,
  repository: { owner: string; repo: string },
  access: RemoteAccess,
  tempDir: string,
  log: { info(message: string): void },
): Promise<string> {
  if (workspace && (await isCloneOf(workspace, repository))) {
    const removed = await stripGitCredentials(workspace);
    await assertNoCredentialsInGitConfig(workspace);
    if (removed.length) log.info(`removed ${removed.length} persisted credential(s) from the checkout's git config (${removed.map((r) => r.key).join(", ")})`);
    log.info(`using the checkout in ${workspace}`);
    return workspace;
  }
  const dir = path.join(await mkdtemp(path.join(tempDir, "codegen-crew-clone-")), "repo");
  log.info(`cloning ${access.url}`);
  await cloneRepository(access, dir);
  return dir;
}

async function isCloneOf(dir: string, repository: { owner: string; repo: string }): Promise<boolean> {
  // A job without actions/checkout has no .git there: no git process before the clone starts.
  if (!(await gitDirsOf(dir))) return false;
  try {
    const git = await Git.open(dir);
    if (!(await git.isRepo())) return false;
    const url = (await git.raw(["remote", "get-url", "origin"])).trim();
    return url
      .replace(/\.git$/, "")
      .toLowerCase()
      .endsWith(`/${repository.owner}/${repository.repo}`.toLowerCase());
  } catch {
    return false;
  }
}
