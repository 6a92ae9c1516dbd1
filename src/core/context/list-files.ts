import { readdir } from "node:fs/promises";
import path from "node:path";
import { runGit } from "../git/run-git.js";

/**
 * The files of a working tree as repository-relative "/" paths, sorted by code point (so every consumer
 * sees the same order). Git decides what is ignored; without git, a bounded walk skips the usual bulk.
 */
export interface RepoFileList {
  files: string[];
  source: "git" | "walk";
  /** The walk stopped at its limit: the list is incomplete. */
  truncated: boolean;
}

const WALK_MAX_FILES = 50_000;
const WALK_MAX_DEPTH = 32;
const WALK_SKIPPED_DIRS = new Set([".git", "node_modules"]);
const GIT_TIMEOUT_MS = 30_000;
const GIT_MAX_OUTPUT = 256 * 1024 * 1024;

export async function listRepoFiles(dir: string): Promise<RepoFileList> {
  const fromGit = await gitListFiles(dir);
  // An empty answer also covers a folder that git sees as ignored inside some enclosing repository.
  if (fromGit && fromGit.length > 0) return { files: sortPaths(fromGit), source: "git", truncated: false };
  const walked = await walkFiles(dir);
  return { files: sortPaths(walked.files), source: "walk", truncated: walked.truncated };
}

export function sortPaths(paths: Iterable<string>): string[] {
  return [...new Set(paths)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Undefined when `dir` is not in a git repository (or git is missing). */
async function gitListFiles(dir: string): Promise<string[] | undefined> {
  const result = await runGit(["-c", "core.quotePath=false", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: dir,
    timeoutMs: GIT_TIMEOUT_MS,
    maxBuffer: GIT_MAX_OUTPUT,
  });
  if (result.exitCode !== 0) return undefined;
  return result.stdout.split("\0").filter((entry) => entry.length > 0);
}

/** Breadth-first, symlinks listed but never followed, stopping at WALK_MAX_FILES. */
async function walkFiles(root: string): Promise<{ files: string[]; truncated: boolean }> {
  const files: string[] = [];
  let queue: { relative: string; depth: number }[] = [{ relative: "", depth: 0 }];
  while (queue.length > 0) {
    const next: typeof queue = [];
    for (const { relative, depth } of queue) {
      let entries;
      try {
        entries = await readdir(path.join(root, relative), { withFileTypes: true });
      } catch {
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const child = relative ? `${relative}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (!WALK_SKIPPED_DIRS.has(entry.name) && depth < WALK_MAX_DEPTH) next.push({ relative: child, depth: depth + 1 });
        } else if (entry.isFile() || entry.isSymbolicLink()) {
          files.push(child);
          if (files.length >= WALK_MAX_FILES) return { files, truncated: true };
        }
      }
    }
    queue = next;
  }
  return { files, truncated: false };
}
