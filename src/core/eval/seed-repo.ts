import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import path from "node:path";
import { WorkspaceError } from "../errors.js";
import { Git } from "../workspace/git.js";

/**
 * A fresh repository holding a task's base commit and nothing after it. Agents have been caught reading
 * the fix from later commits, so the crew never sees the source repository: the base commit alone is
 * fetched (depth 1) into a new repository, which therefore has no object of any later commit, not even
 * an unreachable one. A bundle is first unpacked into a scratch repository that the crew never sees.
 */
export interface SeededRepository {
  dir: string;
  /** The full sha of the base commit (the same as in the source). */
  baseCommit: string;
}

export async function seedRepository(source: string, baseCommit: string, dest: string, scratchDir: string): Promise<SeededRepository> {
  const info = await stat(source).catch(() => null);
  if (!info) throw new WorkspaceError(`the task's repository ${source} does not exist`, { path: source });
  let sourceGitDir = source;
  const scratch = await mkdtemp(path.join(scratchDir, "source-"));
  try {
    if (info.isFile()) {
      // A bundle: fetching from it directly would copy its whole pack, later commits included.
      sourceGitDir = path.join(scratch, "unbundled.git");
      await (await Git.open(scratch)).raw(["clone", "--bare", "--quiet", "--no-hardlinks", source, sourceGitDir]);
    }
    const sourceGit = await Git.open(sourceGitDir);
    let full: string;
    try {
      full = await sourceGit.revParse(baseCommit);
    } catch (error) {
      throw new WorkspaceError(`base_commit ${baseCommit} is not a commit of ${source}`, { path: source }, { cause: error });
    }
    await mkdir(dest, { recursive: true });
    const git = await Git.open(dest);
    await git.raw(["init", "--quiet", "--initial-branch=main"]);
    // upload-pack sends only what the wanted commit needs at depth 1: no parent, no descendant.
    await git.raw(["fetch", "--quiet", "--no-tags", "--depth=1", path.resolve(sourceGitDir), full]);
    await git.raw(["checkout", "--quiet", "-B", "main", full]);
    await rm(path.join(dest, ".git", "FETCH_HEAD"), { force: true });
    return { dir: dest, baseCommit: full };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
