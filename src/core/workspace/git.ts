import { rm, stat } from "node:fs/promises";
import { WorkspaceError } from "../errors.js";
import { runGit } from "../git/run-git.js";
import { isObjectId, readHeadCommit, readRefCommit, refExistsOnDisk } from "./git-files.js";

/**
 * The repository operations the crew needs, each one git process started by runGit (src/core/git/run-git.ts),
 * the only place the bot starts git: hooks and fsmonitor are off for every one of them. (HEAD is read from
 * the files when it can be: see git-files.ts.)
 */

/** The identity used when the repository has no user configured; never written to any config file. */
export const FALLBACK_IDENTITY = { name: "codegen-crew", email: "codegen-crew@users.noreply.github.com" } as const;

export interface GitIdentity {
  name: string;
  email: string;
}

export type GitFileStatus = "added" | "modified" | "deleted";

/** The configuration the crew reads, once per Git instance: it does not change during a run. */
export interface GitSettings {
  identity: GitIdentity | null;
  /** core.autocrlf is on (true or input): git converts line endings of text files it reads. */
  convertsLineEndings: boolean;
  /** core.fileMode: whether git sees the executable bit (true unless configured off). */
  trustsExecutableBit: boolean;
  /** core.attributesFile, when set. */
  attributesFile: string | null;
}

/** One entry of a commit's tree. */
export interface GitTreeEntry {
  mode: string;
  type: string;
  id: string;
}

const SETTING_KEYS = /^(user\.name|user\.email|core\.autocrlf|core\.filemode|core\.attributesfile)$/;
const FALSE_VALUES = new Set(["false", "no", "off", "0", ""]);

export interface GitLogEntry {
  sha: string;
  subject: string;
  authorName: string;
  authorEmail: string;
}

/**
 * A name every rule of `git check-ref-format --branch` accepts (letters, digits, `_`, `-`, `.` and `/`
 * between components that start with a letter, digit or `_`; no `..`, no component ending in `.` or
 * `.lock`, not HEAD): answered without starting git. Anything else is asked of git.
 */
const PLAIN_BRANCH = /^[A-Za-z0-9_][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

function isPlainBranchName(branch: string): boolean {
  return PLAIN_BRANCH.test(branch) && branch !== "HEAD" && !branch.includes("..") && branch.split("/").every((part) => !part.endsWith(".") && !part.endsWith(".lock"));
}

const MAX_CONFIRMED_COMMITS = 1000;
/** `<dir>\0<commit id>` of the commit ids git confirmed as commits there. */
const confirmedCommits = new Set<string>();

export class Git {
  readonly dir: string;
  private settingsRead: Promise<GitSettings> | undefined;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Opens a wrapper on `dir`; the directory must exist (it need not be a repository, see isRepo). */
  static async open(dir: string): Promise<Git> {
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) throw new WorkspaceError(`cannot use ${dir} for git: it is not a directory`, { path: dir });
    return new Git(dir);
  }

  /**
   * Runs `git <args>` (through runGit: hooks and fsmonitor off) and returns stdout; any non-zero exit
   * becomes a WorkspaceError naming the command. `config` entries are `key=value` for this command only.
   */
  async raw(args: string[], config: string[] = []): Promise<string> {
    const result = await runGit([...config.flatMap((entry) => ["-c", entry]), ...args], { cwd: this.dir });
    if (result.exitCode === 0) return result.stdout;
    const detail = `${result.stderr}${result.stdout}`.trim().split("\n").slice(0, 5).join(" ") || result.failure || "";
    throw new WorkspaceError(`git ${args.join(" ")} failed in ${this.dir}: ${detail} (exit code ${result.exitCode ?? "none"})`, { path: this.dir });
  }

  async isRepo(): Promise<boolean> {
    try {
      return (await this.raw(["rev-parse", "--is-inside-work-tree"])).trim() === "true";
    } catch {
      return false;
    }
  }

  /** The full commit sha a ref (branch, tag, HEAD, sha) points at. */
  async revParse(ref: string): Promise<string> {
    // A commit id git has confirmed stays one: the run resolves its base commit in several places.
    const key = `${this.dir}\0${ref}`;
    if (confirmedCommits.has(key)) return ref;
    const commit = (await this.raw(["rev-parse", "--verify", "--end-of-options", `${ref}^{commit}`])).trim();
    if (commit === ref && isObjectId(ref)) {
      if (confirmedCommits.size >= MAX_CONFIRMED_COMMITS) confirmedCommits.delete(confirmedCommits.values().next().value!);
      confirmedCommits.add(key);
    }
    return commit;
  }

  /** The checked-out branch, or null on a detached HEAD. */
  async currentBranch(): Promise<string | null> {
    try {
      return (await this.raw(["symbolic-ref", "--quiet", "--short", "HEAD"])).trim() || null;
    } catch {
      return null;
    }
  }

  /** `git status --porcelain` lines (staged, unstaged and untracked). */
  async status(): Promise<string[]> {
    const out = await this.raw(["status", "--porcelain=v1", "--untracked-files=all"]);
    return out.split("\n").filter((line) => line.length > 0);
  }

  async isDirty(): Promise<boolean> {
    return (await this.status()).length > 0;
  }

  async branchExists(branch: string): Promise<boolean> {
    const onDisk = await refExistsOnDisk(this.dir, `refs/heads/${branch}`);
    if (onDisk !== null) return onDisk;
    const out = await this.raw(["for-each-ref", "--format=%(refname)", `refs/heads/${branch}`]);
    return out.trim() === `refs/heads/${branch}`;
  }

  /** Whether `branch` is a name git accepts for a new branch. */
  async isValidBranchName(branch: string): Promise<boolean> {
    if (isPlainBranchName(branch)) return true;
    try {
      await this.raw(["check-ref-format", "--branch", branch]);
      return !branch.startsWith("-");
    } catch {
      return false;
    }
  }

  /** Creates `branch` at `base` and checks it out in a new worktree at `path`. */
  /** A worktree on a new `branch` at `base`; with base null, a worktree of the existing `branch`. */
  async worktreeAdd(path: string, branch: string, base: string | null): Promise<void> {
    await this.raw(base === null ? ["worktree", "add", "--quiet", path, branch] : ["worktree", "add", "--quiet", "-b", branch, path, base]);
  }

  async worktreePrune(): Promise<void> {
    await this.raw(["worktree", "prune"]);
  }

  /**
   * Deletes a worktree made inside `folder` (its own temporary folder), then git's record of it: what
   * `git worktree remove --force` and a prune do, with one git process. Never throws for git's part.
   */
  async dropWorktree(folder: string): Promise<void> {
    await rm(folder, { recursive: true, force: true });
    await this.worktreePrune().catch(() => undefined);
  }

  /**
   * Stages paths, deletions included (everything when none are given). Paths are literal: a file named
   * "*.ts" or ":x" must not be read as a pattern.
   */
  async add(paths: string[] = []): Promise<void> {
    await this.raw(paths.length > 0 ? ["add", "--all", "--", ...paths.map(literal)] : ["add", "--all"]);
  }

  /** The repository's configured identity (local or global), or null when name or email is missing. */
  async configuredIdentity(): Promise<GitIdentity | null> {
    return (await this.settings()).identity;
  }

  /** The settings the crew needs, read by one `git config` the first time they are asked for. */
  settings(): Promise<GitSettings> {
    this.settingsRead ??= this.readSettings();
    return this.settingsRead;
  }

  private async readSettings(): Promise<GitSettings> {
    // Exit code 1 means none of the keys is set; any other failure leaves the defaults too (as before).
    const out = await this.raw(["config", "-z", "--get-regexp", SETTING_KEYS.source]).catch(() => "");
    const values = new Map<string, string>();
    for (const record of out.split("\0")) {
      // A key with no value ("[core] autocrlf") is a true boolean. Later scopes (local after global) override earlier ones.
      const [key = "", value = "true"] = splitOnce(record, "\n");
      if (key) values.set(key.toLowerCase(), value);
    }
    const name = values.get("user.name")?.trim() ?? "";
    const email = values.get("user.email")?.trim() ?? "";
    return {
      identity: name && email ? { name, email } : null,
      convertsLineEndings: !FALSE_VALUES.has((values.get("core.autocrlf") ?? "").toLowerCase()),
      trustsExecutableBit: !FALSE_VALUES.has((values.get("core.filemode") ?? "true").toLowerCase()),
      attributesFile: values.get("core.attributesfile") || null,
    };
  }

  /** The commit HEAD points at: read from the files when they are plain, else by `git rev-parse`. */
  async head(): Promise<string> {
    return (await readHeadCommit(this.dir)) ?? this.revParse("HEAD");
  }

  /** The commit local branch `branch` points at (read from the files when they are plain). */
  async branchHead(branch: string): Promise<string> {
    return this.refCommit(`refs/heads/${branch}`);
  }

  /** The commit a full branch or remote-tracking ref points at (read from the files when they are plain). */
  async refCommit(ref: string): Promise<string> {
    return (await readRefCommit(this.dir, ref)) ?? this.revParse(ref);
  }

  /**
   * Commits what is staged. Returns the new sha, or null when nothing is staged. Hooks are skipped (a
   * user's pre-commit hook must not decide the bot's commits) and signing is off (no key prompt in CI).
   * `staged: true` is the caller's word that something is staged (it just added paths that differ from
   * HEAD), which saves asking git.
   */
  async commit(message: string, options: { author?: GitIdentity; staged?: boolean } = {}): Promise<string | null> {
    if (!options.staged && (await this.raw(["diff", "--cached", "--name-only"])).trim() === "") return null;
    const identity = (await this.configuredIdentity()) ?? FALLBACK_IDENTITY;
    // No automatic maintenance after each of the crew's few commits: it is one more git process on the
    // critical path, and the clone is a run's own (or the job's checkout, whose next fetch runs it).
    const config = [`user.name=${identity.name}`, `user.email=${identity.email}`, "commit.gpgsign=false", "maintenance.auto=false"];
    const args = ["commit", "--quiet", "--no-verify", "-m", message];
    if (options.author) args.push(`--author=${options.author.name} <${options.author.email}>`);
    try {
      await this.raw(args, config);
    } catch (error) {
      // Should the caller's word be wrong (a setting that makes git see the files as unchanged), nothing to commit is still no error.
      if (options.staged && (await this.raw(["diff", "--cached", "--name-only"])).trim() === "") return null;
      throw error;
    }
    return this.head();
  }

  /** The tree entries of `paths` (literal) at `commit`; a path missing there has no entry. */
  async lsTree(commit: string, paths: string[]): Promise<Map<string, GitTreeEntry>> {
    const entries = new Map<string, GitTreeEntry>();
    if (paths.length === 0) return entries;
    const out = await this.raw(["ls-tree", "-z", "--end-of-options", commit, "--", ...paths.map(literal)]);
    for (const record of out.split("\0")) {
      const match = /^(\d+) (\w+) ([0-9a-f]+)\t(.+)$/s.exec(record);
      if (match) entries.set(match[4]!, { mode: match[1]!, type: match[2]!, id: match[3]! });
    }
    return entries;
  }

  /** Which of `paths` (literal) a diff would list when new: tracked ones, and untracked ones not ignored. */
  async unignored(paths: string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const out = await this.raw(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ...paths.map(literal)]);
    return new Set(out.split("\0").filter(Boolean));
  }

  /**
   * Files that differ between `base` and the working tree, untracked files included (as added); only
   * `paths` (literal) when given.
   */
  async diffNames(base: string, paths?: string[]): Promise<{ path: string; status: GitFileStatus }[]> {
    if (paths?.length === 0) return [];
    const pathspec = paths?.map(literal) ?? [];
    const result = parseNameStatus(await this.raw(["diff", "--name-status", "--no-renames", "-z", base, "--", ...pathspec]));
    const untracked = await this.raw(["ls-files", "--others", "--exclude-standard", "-z", "--", ...pathspec]);
    for (const path of untracked.split("\0")) if (path) result.set(path, "added");
    return sortedChanges(result);
  }

  /** Files that differ between two commits (a checkout's untracked files, such as installed dependencies, are not part of it). */
  async diffCommits(from: string, to: string): Promise<{ path: string; status: GitFileStatus }[]> {
    return sortedChanges(parseNameStatus(await this.raw(["diff", "--name-status", "--no-renames", "-z", "--end-of-options", from, to, "--"])));
  }

  /** A file's content at a ref, or null when the file does not exist there. */
  async show(ref: string, path: string): Promise<string | null> {
    try {
      await this.raw(["cat-file", "-e", `${ref}:${path}`]);
    } catch {
      return null;
    }
    return this.raw(["show", `${ref}:${path}`]);
  }

  async log(options: { ref?: string; maxCount?: number } = {}): Promise<GitLogEntry[]> {
    const out = await this.raw(["log", `--max-count=${options.maxCount ?? 20}`, "--format=%H%x00%s%x00%an%x00%ae%x1e", options.ref ?? "HEAD", "--"]);
    return out
      .split("\x1e")
      .map((record) => record.trim())
      .filter(Boolean)
      .map((record) => {
        const [sha = "", subject = "", authorName = "", authorEmail = ""] = record.split("\0");
        return { sha, subject, authorName, authorEmail };
      });
  }
}

/** A pathspec that matches exactly `path`: a file named "*.ts" or ":x" must not be read as a pattern. */
function literal(path: string): string {
  return `:(literal)${path}`;
}

function parseNameStatus(out: string): Map<string, GitFileStatus> {
  const fields = out.split("\0").filter((field) => field.length > 0);
  const result = new Map<string, GitFileStatus>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const code = fields[i]!.charAt(0);
    result.set(fields[i + 1]!, code === "A" ? "added" : code === "D" ? "deleted" : "modified");
  }
  return result;
}

function sortedChanges(changes: Map<string, GitFileStatus>): { path: string; status: GitFileStatus }[] {
  return [...changes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([path, status]) => ({ path, status }));
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + separator.length)];
}
