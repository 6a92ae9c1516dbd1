import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { WorkspaceError, errorMessage } from "../errors.js";
import { allSettledOrThrow } from "../settle.js";
import { Git } from "./git.js";
import { fetchBranch, pushBranch, type RemoteAccess } from "./git-remote.js";

const MAX_PUSH_ATTEMPTS = 3;
/** git's words for "somebody pushed first" (the rejection line, or the hints after it when only the tail is kept). */
const REJECTED = /\b(rejected|non-fast-forward|fetch first|stale info|cannot lock ref|failed to update ref|not have locally|integrate the remote changes)\b/i;

export interface PushOutcome {
  /** The commit the remote branch now points at. */
  head: string;
  /** Set when people pushed meanwhile and the bot's commits were put on top of theirs. */
  rebasedOnto?: string;
}

/**
 * Pushes the bot's commits (those after `since`) to the remote branch, never forced. When the push is
 * rejected because somebody pushed meanwhile, fetches their commits, replays only the bot's commits on
 * top (their commits are never rewritten), asks `recheck` to validate the result, and pushes again — a
 * bounded number of times. A rebase conflict stops with a clear error and leaves the remote untouched.
 */
export async function pushOnTop(input: {
  repoDir: string;
  remote: RemoteAccess;
  localBranch: string;
  remoteBranch: string;
  /** The remote head the bot's commits were built on (null when the branch is new). */
  since: string | null;
  recheck?: (head: string) => Promise<void>;
}): Promise<PushOutcome> {
  const git = await Git.open(input.repoDir);
  let since = input.since;
  let rebasedOnto: string | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      // The local branch does not move during the push: its commit is read from its ref beside it.
      const [, head] = await allSettledOrThrow([pushBranch(input.repoDir, input.remote, input.localBranch, input.remoteBranch), git.branchHead(input.localBranch)]);
      return { head, ...(rebasedOnto ? { rebasedOnto } : {}) };
    } catch (error) {
      if (!REJECTED.test(errorMessage(error)) || attempt >= MAX_PUSH_ATTEMPTS) throw error;
    }
    const fetched = await fetchBranch(input.repoDir, input.remote, input.remoteBranch);
    if (!fetched) continue; // the branch was deleted meanwhile: the next push creates it
    const theirs = await git.revParse(fetched);
    try {
      // Only the bot's own commits move; a branch that did not exist before moves whole onto theirs.
      await rebaseInWorktree(git, input.localBranch, theirs, since ?? theirs);
    } catch (error) {
      throw new WorkspaceError(
        `${input.remoteBranch} changed while codegen-crew worked and its commits do not apply on top of the new ones (${errorMessage(error).split("\n")[0]}); nothing was pushed`,
        { phase: "publish" },
        { cause: error },
      );
    }
    since = theirs;
    rebasedOnto = theirs;
    await input.recheck?.(await git.branchHead(input.localBranch));
  }
}

/** Rebases in a worktree of its own, so the clone's checkout (the Action's workspace) is never switched. */
async function rebaseInWorktree(git: Git, branch: string, onto: string, upstream: string): Promise<void> {
  const parent = await mkdtemp(path.join(os.tmpdir(), "codegen-crew-rebase-"));
  const dir = path.join(parent, "worktree");
  await git.worktreeAdd(dir, branch, null);
  try {
    const tree = await Git.open(dir);
    try {
      await tree.raw(["rebase", "--quiet", "--onto", onto, upstream]);
    } catch (error) {
      await tree.raw(["rebase", "--abort"]).catch(() => undefined);
      throw error;
    }
  } finally {
    await git.dropWorktree(parent);
  }
}
