import { stat } from "node:fs/promises";
import { WorkspaceError } from "../errors.js";
import { runGit } from "../git/run-git.js";

/**
 * The repository operations the crew needs, each one git process started by runGit (src/core/git/run-git.ts),
 * the only place the bot starts git: hooks and fsmonitor are off for every one of them.
 */

/** The identity used when the repository has no user configured; never written to any config file. */
export const FALLBACK_IDENTITY = { name: "codegen-crew", email: "codegen-crew@users.noreply.github.com" } as const;

export interface GitIdentity {
  name: string;
  email: string;
}

export type GitFileStatus = "added" | "modified" | "deleted";

export interface GitLogEntry {
  sha: string;
  subject: string;
  authorName: string;
  authorEmail: string;
}

export class Git {
  readonly dir: string;

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
    return (await this.raw(["rev-parse", "--verify", "--end-of-options", `${ref}^{commit}`])).trim();
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
    const out = await this.raw(["for-each-ref", "--format=%(refname)", `refs/heads/${branch}`]);
    return out.trim() === `refs/heads/${branch}`;
  }

  /** Whether `branch` is a name git accepts for a new branch. */
  async isValidBranchName(branch: string): Promise<boolean> {
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

  async worktreeRemove(path: string): Promise<void> {
    await this.raw(["worktree", "remove", "--force", path]);
  }

  async worktreePrune(): Promise<void> {
    await this.raw(["worktree", "prune"]);
  }

  /**
   * Stages paths, deletions included (everything when none are given). Paths are literal: a file named
   * "*.ts" or ":x" must not be read as a pattern.
   */
  async add(paths: string[] = []): Promise<void> {
    await this.raw(paths.length > 0 ? ["add", "--all", "--", ...paths.map((p) => `:(literal)${p}`)] : ["add", "--all"]);
  }

  /** The repository's configured identity (local or global), or null when name or email is missing. */
  async configuredIdentity(): Promise<GitIdentity | null> {
    const read = async (key: string): Promise<string> => {
      try {
        return (await this.raw(["config", "--get", key])).trim();
      } catch {
        return "";
      }
    };
    const [name, email] = await Promise.all([read("user.name"), read("user.email")]);
    return name && email ? { name, email } : null;
  }

  /**
   * Commits what is staged. Returns the new sha, or null when nothing is staged. Hooks are skipped (a
   * user's pre-commit hook must not decide the bot's commits) and signing is off (no key prompt in CI).
   */
  async commit(message: string, options: { author?: GitIdentity } = {}): Promise<string | null> {
    const staged = await this.raw(["diff", "--cached", "--name-only"]);
    if (staged.trim() === "") return null;
    const identity = (await this.configuredIdentity()) ?? FALLBACK_IDENTITY;
    const config = [`user.name=${identity.name}`, `user.email=${identity.email}`, "commit.gpgsign=false"];
    const args = ["commit", "--quiet", "--no-verify", "-m", message];
    if (options.author) args.push(`--author=${options.author.name} <${options.author.email}>`);
    await this.raw(args, config);
    return this.revParse("HEAD");
  }

  /** Files that differ between `base` and the working tree, untracked files included (as added). */
  async diffNames(base: string): Promise<{ path: string; status: GitFileStatus }[]> {
    const out = await this.raw(["diff", "--name-status", "--no-renames", "-z", base, "--"]);
    const fields = out.split("\0").filter((field) => field.length > 0);
    const result = new Map<string, GitFileStatus>();
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const code = fields[i]!.charAt(0);
      result.set(fields[i + 1]!, code === "A" ? "added" : code === "D" ? "deleted" : "modified");
    }
    const untracked = await this.raw(["ls-files", "--others", "--exclude-standard", "-z"]);
    for (const path of untracked.split("\0")) if (path) result.set(path, "added");
    return [...result.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([path, status]) => ({ path, status }));
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
