import { access, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { blobId, gitDirsOf, readDiskEntry } from "./git-files.js";
import type { Git, GitFileStatus, GitTreeEntry } from "./git.js";

export interface PathChange {
  path: string;
  status: GitFileStatus;
}

/**
 * Answers "which of these paths differ between a commit and the worktree, and how" the way
 * `git diff <commit>` plus the untracked files would, mostly without starting git (several are asked
 * for per run, and each git process blocks the event loop).
 *
 * - A commit's tree never changes, so each path's entry at a commit is read once (`git ls-tree`, the
 *   paths not yet known in one process) and kept.
 * - The worktree side is hashed here, as git hashes a blob; identical content written again is no change.
 * - A new path counts as added only when git would list it: tracked, or untracked and not ignored. That
 *   answer is kept while the ignore files that could decide it (.gitignore in the path's directories and
 *   info/exclude) read the same; the workspace never stages an ignored path, so it cannot become tracked.
 *   Ignore files outside the repository (core.excludesFile) are taken as fixed for the run.
 * - Where git would transform the bytes before hashing (a .gitattributes that applies to the path, an
 *   attributes file for the repository or user, core.autocrlf), the raw hash is not git's answer, so those
 *   paths are asked of `git diff` itself.
 */
export class TouchedChanges {
  private readonly trees = new Map<string, Map<string, GitTreeEntry | null>>();
  private readonly addable = new Map<string, { fingerprint: string; counts: boolean }>();
  /** Questions asked at once (the crew asks in parallel) take turns at git, so a path is looked up once. */
  private lookups: Promise<unknown> = Promise.resolve();

  /** `root` is the worktree's top directory, fully resolved (no symlinks on the way). */
  constructor(
    private readonly git: Git,
    private readonly root: string,
  ) {}

  /** `paths` that differ from `commit` (a full sha), sorted by path. */
  async since(commit: string, paths: Iterable<string>): Promise<PathChange[]> {
    const wanted = [...new Set(paths)];
    if (wanted.length === 0) return [];
    const files = new FileMemo(this.root);
    const attributed = await this.attributedPaths(wanted, files);
    const tree = await this.treeAt(
      commit,
      wanted.filter((p) => !attributed.has(p)),
    );
    const viaGit = [...attributed];
    const changes: PathChange[] = [];
    const candidates: string[] = [];
    const { trustsExecutableBit } = await this.git.settings();
    for (const p of wanted) {
      if (attributed.has(p)) continue;
      const entry = tree.get(p) ?? null;
      // A submodule or a directory at the commit is a shape this comparison does not model.
      if (entry && entry.type !== "blob") {
        viaGit.push(p);
        continue;
      }
      const disk = await readDiskEntry(this.root, p);
      if (!disk) {
        if (entry) changes.push({ path: p, status: "deleted" });
      } else if (!entry) candidates.push(p);
      else if (!sameBlob(entry, disk, trustsExecutableBit)) changes.push({ path: p, status: "modified" });
    }
    for (const p of await this.countingAsAdded(candidates, files)) changes.push({ path: p, status: "added" });
    if (viaGit.length > 0) changes.push(...(await this.git.diffNames(commit, viaGit)));
    return changes.sort((a, b) => a.path.localeCompare(b.path));
  }

  /** The entry of `path` at `commit` if an earlier question read it: null when absent there, undefined when unknown. */
  knownEntry(commit: string, path: string): GitTreeEntry | null | undefined {
    return this.trees.get(commit)?.get(path);
  }

  private inTurn<T>(lookup: () => Promise<T>): Promise<T> {
    const result = this.lookups.then(lookup);
    this.lookups = result.catch(() => undefined);
    return result;
  }

  private treeAt(commit: string, paths: string[]): Promise<Map<string, GitTreeEntry | null>> {
    return this.inTurn(() => this.readTree(commit, paths));
  }

  private async readTree(commit: string, paths: string[]): Promise<Map<string, GitTreeEntry | null>> {
    let tree = this.trees.get(commit);
    if (!tree) this.trees.set(commit, (tree = new Map()));
    const unknown = paths.filter((p) => !tree.has(p));
    if (unknown.length > 0) {
      const found = await this.git.lsTree(commit, unknown);
      for (const p of unknown) tree.set(p, found.get(p) ?? null);
    }
    return tree;
  }

  private async countingAsAdded(candidates: string[], files: FileMemo): Promise<string[]> {
    const fingerprints = new Map<string, string>();
    for (const p of candidates) fingerprints.set(p, await ignoreFingerprint(p, files));
    await this.inTurn(async () => {
      const stale = candidates.filter((p) => this.addable.get(p)?.fingerprint !== fingerprints.get(p));
      if (stale.length === 0) return;
      const listed = await this.git.unignored(stale);
      for (const p of stale) this.addable.set(p, { fingerprint: fingerprints.get(p)!, counts: listed.has(p) });
    });
    return candidates.filter((p) => this.addable.get(p)!.counts);
  }

  private async attributedPaths(paths: string[], files: FileMemo): Promise<Set<string>> {
    const settings = await this.git.settings();
    if (settings.convertsLineEndings || settings.attributesFile || (await files.anyAttributesOutsideTree())) return new Set(paths);
    const attributed = new Set<string>();
    for (const p of paths) {
      for (const dir of ancestors(p)) if (await files.exists(path.join(dir, ".gitattributes"))) attributed.add(p);
    }
    return attributed;
  }
}

function sameBlob(entry: GitTreeEntry, disk: { mode: string; bytes: Buffer }, trustsExecutableBit: boolean): boolean {
  const mode = !trustsExecutableBit && entry.mode !== "120000" && disk.mode !== "120000" ? entry.mode : disk.mode;
  return mode === entry.mode && blobId(disk.bytes, entry.id.length === 64 ? "sha256" : "sha1") === entry.id;
}

/** The directories whose .gitignore or .gitattributes apply to `relative`, the top one ("") first. */
function ancestors(relative: string): string[] {
  const parts = relative.split("/").slice(0, -1);
  return ["", ...parts.map((_, i) => parts.slice(0, i + 1).join("/"))];
}

async function ignoreFingerprint(relative: string, files: FileMemo): Promise<string> {
  const texts = await Promise.all(ancestors(relative).map((dir) => files.text(path.join(dir, ".gitignore"))));
  return [await files.infoFile("exclude"), ...texts].join("\0\0");
}

/** Reads of the worktree's small git files for one question, each done once. */
class FileMemo {
  private readonly reads = new Map<string, Promise<string | null>>();
  private dirs: ReturnType<typeof gitDirsOf> | undefined;

  constructor(private readonly root: string) {}

  text(relative: string): Promise<string | null> {
    return this.read(path.join(this.root, relative));
  }

  async exists(relative: string): Promise<boolean> {
    return (await this.text(relative)) !== null;
  }

  async infoFile(name: string): Promise<string | null> {
    this.dirs ??= gitDirsOf(this.root);
    const dirs = await this.dirs;
    return dirs ? this.read(path.join(dirs.commonDir, "info", name)) : null;
  }

  /** Attributes that git reads for every path besides the worktree's own .gitattributes files. */
  async anyAttributesOutsideTree(): Promise<boolean> {
    const config = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config");
    const global = [path.join(config, "git", "attributes"), "/etc/gitattributes"];
    const present = await Promise.all(
      global.map((file) =>
        access(file).then(
          () => true,
          () => false,
        ),
      ),
    );
    return (await this.infoFile("attributes")) !== null || present.includes(true);
  }

  private read(file: string): Promise<string | null> {
    let read = this.reads.get(file);
    if (!read) this.reads.set(file, (read = readFile(file, "utf8").catch(() => null)));
    return read;
  }
}
