import { createHash } from "node:crypto";
import { lstat, readFile, readlink, realpath } from "node:fs/promises";
import path from "node:path";

/**
 * What the crew reads of a worktree's git state without starting git: starting a process blocks Node's
 * main thread for several milliseconds, and these reads are needed many times a run. Each reader returns
 * null whenever the layout is not the plain one it understands, and callers then ask git itself.
 */

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** A full object id (SHA-1 or SHA-256), not a name git would have to resolve. */
export function isObjectId(text: string): boolean {
  return OBJECT_ID.test(text);
}

export interface GitDirs {
  /** The worktree's own git directory (HEAD, index). */
  gitDir: string;
  /** The directory shared by all worktrees of the repository (objects, refs/heads, info/). */
  commonDir: string;
}

/** Where `worktree`'s git directories are, when `worktree` is the top of a repository or linked worktree. */
export async function gitDirsOf(worktree: string): Promise<GitDirs | null> {
  const dotGit = path.join(worktree, ".git");
  const info = await lstat(dotGit).catch(() => null);
  let gitDir: string;
  if (info?.isDirectory()) gitDir = dotGit;
  else if (info?.isFile()) {
    const pointer = /^gitdir: (.+)$/m.exec(await readFile(dotGit, "utf8").catch(() => ""));
    if (!pointer) return null;
    gitDir = path.resolve(worktree, pointer[1]!.trim());
  } else return null;
  const common = (await readFile(path.join(gitDir, "commondir"), "utf8").catch(() => "")).trim();
  return { gitDir, commonDir: common ? path.resolve(gitDir, common) : gitDir };
}

/**
 * The commit HEAD points at, read from HEAD and a loose branch ref; null for anything else (a packed or
 * reftable ref, an unborn branch), which `git rev-parse` must answer. Read afresh on every call, so a
 * commit made by any process in the worktree is seen.
 */
export async function readHeadCommit(worktree: string): Promise<string | null> {
  const dirs = await gitDirsOf(worktree);
  if (!dirs) return null;
  const head = (await readFile(path.join(dirs.gitDir, "HEAD"), "utf8").catch(() => "")).trim();
  if (OBJECT_ID.test(head)) return head;
  const branch = /^ref: refs\/heads\/(\S+)$/.exec(head)?.[1];
  return branch ? readLooseBranch(dirs, branch) : null;
}

/**
 * The object a full ref name (`refs/heads/x`, `refs/remotes/y/x`) points at: its loose file (as after a commit
 * or a fetch), else its line in packed-refs (as after a clone); null otherwise (reftable, no such ref). Only
 * branch and remote-tracking refs, which point at commits.
 */
export async function readRefCommit(worktree: string, ref: string): Promise<string | null> {
  if (!/^refs\/(heads|remotes)\//.test(ref)) return null;
  const dirs = await gitDirsOf(worktree);
  if (!dirs) return null;
  return (await readLooseRef(dirs, ref)) ?? readPackedRef(dirs, ref);
}

async function readLooseBranch(dirs: GitDirs, branch: string): Promise<string | null> {
  return readLooseRef(dirs, `refs/heads/${branch}`);
}

/** A ref name that is a plain relative path under the git directory (no empty, "." or ".." part). */
function isPlainRefPath(ref: string): boolean {
  return !ref.split("/").some((part) => part === "" || part === "." || part === "..");
}

async function readLooseRef(dirs: GitDirs, ref: string): Promise<string | null> {
  if (!isPlainRefPath(ref)) return null;
  const sha = (await readFile(path.join(dirs.commonDir, ...ref.split("/")), "utf8").catch(() => "")).trim();
  return OBJECT_ID.test(sha) ? sha : null;
}

/**
 * Whether a full ref exists, from the files: a loose ref file (whatever it holds: a symbolic ref counts) or a
 * packed-refs line. Null when the repository keeps its refs elsewhere (reftable) or the layout is unknown.
 */
export async function refExistsOnDisk(worktree: string, ref: string): Promise<boolean | null> {
  if (!/^refs\//.test(ref) || !isPlainRefPath(ref)) return null;
  const dirs = await gitDirsOf(worktree);
  if (!dirs) return null;
  const [reftable, refsDir, loose] = await Promise.all([
    lstat(path.join(dirs.commonDir, "reftable")).catch(() => null),
    lstat(path.join(dirs.commonDir, "refs")).catch(() => null),
    lstat(path.join(dirs.commonDir, ...ref.split("/"))).catch(() => null),
  ]);
  if (reftable || !refsDir?.isDirectory()) return null;
  if (loose?.isFile()) return true;
  return (await readPackedRef(dirs, ref)) !== null;
}

/** packed-refs lines are "<id> <ref>"; "#" starts its header, "^" the peeled id of the tag above. */
async function readPackedRef(dirs: GitDirs, ref: string): Promise<string | null> {
  const packed = await readFile(path.join(dirs.commonDir, "packed-refs"), "utf8").catch(() => "");
  for (const line of packed.split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0 && line.slice(space + 1).trimEnd() === ref) {
      const sha = line.slice(0, space);
      return OBJECT_ID.test(sha) ? sha : null;
    }
  }
  return null;
}

/** git's id of a blob: the hash of `blob <length>\0` and the bytes, with the repository's hash function. */
export function blobId(bytes: Buffer, algorithm: "sha1" | "sha256"): string {
  return createHash(algorithm).update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

export interface DiskEntry {
  /** git's mode for it: 100644, 100755 or 120000. */
  mode: string;
  bytes: Buffer;
}

/**
 * A path in the worktree as git would store it, or null when git would see nothing there: missing, a
 * directory or other non-file, or behind a symlinked directory (git does not follow links). A link's
 * blob is its target text; the executable bit is the owner's. `root` must be fully resolved. A path that
 * cannot be read is an error, never taken for a deleted file.
 */
export async function readDiskEntry(root: string, relative: string): Promise<DiskEntry | null> {
  const target = path.join(root, relative);
  const info = await lstat(target).catch(missingAsNull);
  if (!info) return null;
  const parent = path.dirname(target);
  if ((await realpath(parent).catch(missingAsNull)) !== parent) return null;
  if (info.isSymbolicLink()) {
    const link = await readlink(target, { encoding: "buffer" }).catch(missingAsNull);
    return link && { mode: "120000", bytes: link };
  }
  if (!info.isFile()) return null;
  const bytes = await readFile(target).catch(missingAsNull);
  return bytes && { mode: info.mode & 0o100 ? "100755" : "100644", bytes };
}

function missingAsNull(error: unknown): null {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") return null;
  throw error;
}
