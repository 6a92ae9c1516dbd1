import { constants } from "node:fs";
import { mkdir, mkdtemp, open, readFile, realpath, rm, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { errorMessage, WorkspaceError } from "../errors.js";
import type { RoleName } from "../roles/role-names.js";
import { ChangePolicy, isInside, isUnreadablePath, normaliseRelativePath, type FileChange, type RefusedPath } from "./change-policy.js";
import { Git, type GitFileStatus } from "./git.js";
import { TouchedChanges } from "./touched-changes.js";

export type { FileChange } from "./change-policy.js";

export interface ApplyResult {
  written: string[];
  deleted: string[];
  refused: RefusedPath[];
}

export interface ChangedFile {
  path: string;
  status: GitFileStatus;
}

/**
 * Where one run writes its change: a separate git worktree on a new branch, so the user's checkout
 * (branch, index, uncommitted work) is never touched, whatever the agents do.
 */
export interface RunWorkspace {
  dir: string;
  branch: string;
  /** Where the change is measured from: the commit a new change starts at, or a revised branch's merge base. */
  baseCommit: string;
  /** The commit the worktree started at (the branch head for a revision; baseCommit otherwise). */
  startCommit: string;
  applyChange(change: FileChange, agent: RoleName): Promise<ApplyResult>;
  /**
   * A file's current content in the worktree; null when it does not exist, is not a readable file, lies
   * outside the worktree (through a link), or is git's internals or a secret file (.env, keys).
   */
  readFile(path: string): Promise<string | null>;
  /** Puts agent-written files that differ from the last commit back as committed (all of them, or `paths`). */
  discardUncommitted(paths?: string[]): Promise<string[]>;
  /** Commits everything in the worktree; null when there was nothing to commit. */
  commit(message: string): Promise<string | null>;
  headCommit(): Promise<string>;
  /** Files that differ from baseCommit, committed or not. */
  changedFiles(): Promise<ChangedFile[]>;
  /** Removes the worktree directory; the branch and its commits stay. */
  dispose(): Promise<void>;
}

export interface RunWorkspaceOptions {
  repoDir: string;
  branch: string;
  /** Commit the change is measured from; default HEAD. */
  baseRef?: string;
  /**
   * Commit the worktree starts at, when it is not the base: the head of a branch being revised. Files
   * committed between the base and it are part of the change (a revision is judged on the whole change).
   */
  startRef?: string;
  /** Folder the worktree is created in; default os.tmpdir(). */
  worktreeRoot?: string;
  /** Which paths agents may change; default: the built-in rules only. */
  policy?: ChangePolicy;
}

const MAX_BRANCH_SUFFIX = 100;

export async function createRunWorkspace(opts: RunWorkspaceOptions): Promise<RunWorkspace> {
  const repo = await Git.open(opts.repoDir);
  const baseRef = opts.baseRef ?? "HEAD";
  // Whether it is a repository at all is asked only when the base cannot be resolved, to say why.
  const baseCommit = await repo.revParse(baseRef).catch(async (error: unknown) => {
    if (!(await repo.isRepo())) throw new WorkspaceError(`${opts.repoDir} is not a git repository`, { path: opts.repoDir });
    throw new WorkspaceError(`base "${baseRef}" is not a commit in ${opts.repoDir}: ${errorMessage(error)}`, { path: opts.repoDir }, { cause: error });
  });
  if (!(await repo.isValidBranchName(opts.branch))) {
    throw new WorkspaceError(`"${opts.branch}" is not a valid git branch name`, { path: opts.repoDir });
  }
  const startCommit = opts.startRef ? await repo.revParse(opts.startRef) : baseCommit;
  const branch = await freeBranchName(repo, opts.branch);

  const parent = await mkdtemp(path.join(opts.worktreeRoot ?? os.tmpdir(), "codegen-crew-"));
  const dir = path.join(await realpath(parent), "worktree");
  try {
    await repo.worktreeAdd(dir, branch, startCommit);
  } catch (error) {
    await rm(parent, { recursive: true, force: true });
    throw error;
  }
  const git = await Git.open(dir);
  const policy = opts.policy ?? new ChangePolicy();
  // Only what agents wrote or deleted belongs to the change; build output, caches and test artefacts
  // that the checks leave in the worktree must never be committed.
  const touched = new Set<string>(startCommit === baseCommit ? [] : (await git.diffNames(baseCommit)).map((file) => file.path));
  let disposed = false;
  const changes = new TouchedChanges(git, dir);
  // HEAD is read afresh each time (from the files, no process): checks run in this worktree and could commit.
  const agentChanges = async (base: string) => changes.since(base === "HEAD" ? await git.head() : base, touched);

  const ensureLive = () => {
    if (disposed) throw new WorkspaceError("the run workspace was already disposed", { path: dir });
  };

  return {
    dir,
    branch,
    baseCommit,
    startCommit,

    async applyChange(change, agent) {
      ensureLive();
      const { accepted, refused } = await policy.check(dir, change);
      const written: string[] = [];
      const deleted: string[] = [];
      for (const file of accepted.files) {
        const failure = await writeInside(dir, file.path, file.content);
        if (failure) refused.push({ path: file.path, reason: `Could not write ${file.path} (${agent}): ${failure}` });
        else written.push(file.path);
        touched.add(file.path);
      }
      for (const relative of accepted.deletions ?? []) {
        try {
          await unlink(path.join(dir, relative));
          deleted.push(relative);
          touched.add(relative);
        } catch (error) {
          // Deleting what is already gone is not a problem worth reporting (restores do it routinely).
          if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
          refused.push({ path: relative, reason: `Could not delete ${relative} (${agent}): ${errorMessage(error)}` });
        }
      }
      return { written, deleted, refused };
    },

    async readFile(relativePath) {
      ensureLive();
      const relative = normaliseRelativePath(relativePath);
      if (typeof relative !== "string" || isUnreadablePath(relative)) return null;
      const target = path.join(dir, relative);
      const resolved = await realpath(target).catch(() => null);
      // Reading through a link that leaves the worktree would hand files outside the repo to a model.
      if (resolved === null || !isInside(dir, resolved)) return null;
      return readFile(resolved, "utf8").catch(() => null);
    },

    async discardUncommitted(paths) {
      ensureLive();
      const head = await git.head();
      const pending = (await agentChanges(head)).filter((file) => !paths || paths.includes(file.path));
      for (const file of pending) {
        const entry = changes.knownEntry(head, file.path);
        const committed = entry === undefined ? await git.show(head, file.path) : entry && (await git.raw(["cat-file", "blob", entry.id]));
        if (committed === null) await unlink(path.join(dir, file.path)).catch(() => undefined);
        else {
          const failure = await writeInside(dir, file.path, committed);
          if (failure) throw new WorkspaceError(`could not restore ${file.path}: ${failure}`, { path: file.path });
        }
      }
      return pending.map((file) => file.path);
    },

    async commit(message) {
      ensureLive();
      const pending = await agentChanges("HEAD");
      if (pending.length === 0) return null;
      await git.add(pending.map((file) => file.path));
      return git.commit(message, { staged: true });
    },

    async headCommit() {
      ensureLive();
      return git.head();
    },

    async changedFiles() {
      ensureLive();
      return agentChanges(baseCommit);
    },

    async dispose() {
      if (disposed) return;
      disposed = true;
      // Between the crew's end and the push: one git process.
      await repo.dropWorktree(parent);
    },
  };
}

/** `branch`, or `branch-2`, `branch-3`, … when taken, so an earlier run's branch is never reused. */
async function freeBranchName(repo: Git, branch: string): Promise<string> {
  if (!(await repo.branchExists(branch))) return branch;
  for (let n = 2; n <= MAX_BRANCH_SUFFIX; n += 1) {
    const candidate = `${branch}-${n}`;
    if (!(await repo.branchExists(candidate))) return candidate;
  }
  throw new WorkspaceError(`branches ${branch} to ${branch}-${MAX_BRANCH_SUFFIX} all exist; delete old ones or choose another name`, {
    path: repo.dir,
  });
}

/**
 * Writes a file the policy accepted; returns why it could not, or null. O_NOFOLLOW makes the final open
 * refuse a symlink even if one appeared after the policy looked, and the parent is re-checked after
 * mkdir for the same reason.
 */
async function writeInside(root: string, relative: string, content: string): Promise<string | null> {
  const target = path.join(root, relative);
  try {
    await mkdir(path.dirname(target), { recursive: true });
    const parent = await realpath(path.dirname(target));
    if (!isInside(root, parent)) throw new Error("its directory resolves outside the worktree");
    const handle = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    try {
      await handle.writeFile(content, "utf8");
    } finally {
      await handle.close();
    }
    return null;
  } catch (error) {
    return errorMessage(error);
  }
}
