import { runGit } from "./git-run.js";
import { parseCommit, parseTree, type CommitInfo, type RawTreeEntry } from "./git-objects.js";
import { ObjectReader } from "./object-reader.js";
import { readRefFile } from "./ref-files.js";

/**
 * What the REST routes read from a bare repository, without a git process per read: refs from its files,
 * objects through its one `cat-file --batch-command` (object-reader.ts).
 */
export class BareRepo {
  readonly objects: ObjectReader;

  constructor(readonly gitDir: string) {
    this.objects = new ObjectReader(gitDir);
  }

  close(): Promise<void> {
    return this.objects.close();
  }
}

export interface TreeEntry {
  name: string;
  path: string;
  type: "file" | "dir" | "symlink" | "submodule";
  sha: string;
  /** A blob's size (files and symlinks); 0 for directories and submodules, as `ls-tree -l` says "-". */
  size: number;
}

export type PathContent = { type: "file"; entry: TreeEntry; content: Buffer } | { type: "dir"; entries: TreeEntry[] } | { type: "other"; entry: TreeEntry };

const SHA = /^[0-9a-f]{40}$/;
/** Past this many commits isAncestor leaves the walk to `git merge-base` (test histories are far shorter). */
const ANCESTRY_WALK_LIMIT = 500;

/** The commit a branch (or a full ref, or a sha) points at, tags peeled, or undefined. */
export async function resolveRef(repo: BareRepo, ref: string): Promise<string | undefined> {
  const sha = SHA.test(ref) ? ref : await readRefFile(repo.gitDir, ref.startsWith("refs/") ? ref : `refs/heads/${ref}`);
  if (!sha) return undefined;
  return (await repo.objects.info(`${sha}^{commit}`))?.sha;
}

export async function readCommit(repo: BareRepo, sha: string): Promise<CommitInfo | undefined> {
  const object = await repo.objects.contents(sha);
  return object?.type === "commit" ? parseCommit(object.sha, object.content) : undefined;
}

/** True when `ancestor` is reachable from `descendant` (so descendant adds nothing new over it). */
export async function isAncestor(repo: BareRepo, ancestor: string, descendant: string): Promise<boolean> {
  const seen = new Set<string>([descendant]);
  let frontier = [descendant];
  while (frontier.length > 0) {
    if (frontier.includes(ancestor)) return true;
    if (seen.size > ANCESTRY_WALK_LIMIT) return (await runGit(repo.gitDir, ["merge-base", "--is-ancestor", ancestor, descendant], { allowFailure: true })).code === 0;
    const commits = await Promise.all(frontier.map((sha) => readCommit(repo, sha)));
    frontier = commits.flatMap((commit) => commit?.parents ?? []).filter((sha) => !seen.has(sha));
    for (const sha of frontier) seen.add(sha);
  }
  return false;
}

/** Commits reachable from `ref`, newest first (`git log`'s order: a test helper, not a route). */
export async function readLog(repo: BareRepo, ref: string, limit = 100): Promise<CommitInfo[]> {
  const revision = ref.startsWith("refs/") || SHA.test(ref) ? ref : `refs/heads/${ref}`;
  const shas = (await runGit(repo.gitDir, ["rev-list", `-n${limit}`, revision, "--"])).stdout.toString("utf8").split("\n").filter(Boolean);
  const commits = await Promise.all(shas.map((sha) => readCommit(repo, sha)));
  return commits.filter((commit): commit is CommitInfo => commit !== undefined);
}

/** What `path` is at `ref`: a file with its bytes, a directory listing, or undefined when it does not exist. */
export async function readPath(repo: BareRepo, ref: string, filePath: string): Promise<PathContent | undefined> {
  const commitSha = await resolveRef(repo, ref);
  const clean = filePath.replace(/^\/+|\/+$/g, "");
  // The root is no entry of itself (as `git ls-tree <commit> -- ""` named none).
  if (!commitSha || clean === "") return undefined;
  const commit = await readCommit(repo, commitSha);
  const entry = commit ? await findEntry(repo, commit.tree, clean) : undefined;
  if (!entry) return undefined;
  if (entry.type === "dir") return { type: "dir", entries: await listTree(repo, entry.sha, clean) };
  if (entry.type === "file") {
    const blob = await repo.objects.contents(entry.sha);
    if (!blob) throw new Error(`GitHub stand-in: blob ${entry.sha} of ${clean} is missing`);
    return { type: "file", entry, content: blob.content };
  }
  return { type: "other", entry };
}

async function findEntry(repo: BareRepo, rootTree: string, filePath: string): Promise<TreeEntry | undefined> {
  const names = filePath.split("/");
  let tree = rootTree;
  for (const [index, name] of names.entries()) {
    const raw = (await readTreeEntries(repo, tree)).find((entry) => entry.name === name);
    if (!raw) return undefined;
    const at = names.slice(0, index + 1).join("/");
    if (index === names.length - 1) return treeEntry(repo, raw, at);
    if (entryType(raw.mode) !== "dir") return undefined;
    tree = raw.sha;
  }
  return undefined;
}

async function listTree(repo: BareRepo, treeSha: string, prefix: string): Promise<TreeEntry[]> {
  const raw = await readTreeEntries(repo, treeSha);
  return Promise.all(raw.map((entry) => treeEntry(repo, entry, `${prefix}/${entry.name}`)));
}

async function readTreeEntries(repo: BareRepo, sha: string): Promise<RawTreeEntry[]> {
  const object = await repo.objects.contents(sha);
  if (object?.type !== "tree") throw new Error(`GitHub stand-in: ${sha} is no tree`);
  return parseTree(object.content);
}

async function treeEntry(repo: BareRepo, raw: RawTreeEntry, fullPath: string): Promise<TreeEntry> {
  const type = entryType(raw.mode);
  const size = type === "file" || type === "symlink" ? ((await repo.objects.info(raw.sha))?.size ?? 0) : 0;
  return { name: raw.name, path: fullPath, type, sha: raw.sha, size };
}

function entryType(mode: string): TreeEntry["type"] {
  if (mode === "40000") return "dir";
  if (mode === "160000") return "submodule";
  if (mode === "120000") return "symlink";
  return "file";
}
