import { simpleGit, type SimpleGit } from "simple-git";
import { errorMessage, WorkspaceError } from "../errors.js";

/**
 * The only module that talks to git (through simple-git). Everything else asks this wrapper, so the
 * environment rules below hold for every git process the crew starts.
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

/**
 * simple-git 4 refuses explicitly passed GIT_* / EDITOR / PAGER variables (and silently drops inherited
 * ones), so the environment is built here: the process env without those names, plus a git that never
 * waits for a password prompt.
 */
const GUARDED_NAMES = new Set(["editor", "visual", "pager", "prefix", "ssh_askpass"]);

function gitEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    const lower = name.toLowerCase();
    if (value === undefined || lower.startsWith("git_") || GUARDED_NAMES.has(lower)) continue;
    env[name] = value;
  }
  env.GIT_TERMINAL_PROMPT = "0";
  return env;
}

export class Git {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Opens a wrapper on `dir`; the directory must exist (it need not be a repository, see isRepo). */
  static async open(dir: string): Promise<Git> {
    const git = new Git(dir);
    // simple-git checks that baseDir exists when the instance is made; surface that as a WorkspaceError.
    git.client();
    return git;
  }

  private client(config: string[] = []): SimpleGit {
    try {
      return simpleGit({
        baseDir: this.dir,
        config,
        trimmed: false,
        allowEnvironment: ["GIT_TERMINAL_PROMPT"],
        // simple-git only fails a command that wrote to stderr; `show-ref --quiet` and friends answer
        // through the exit code alone, so any non-zero exit is an error here.
        errors: (error, result) =>
          error ?? (result.exitCode === 0 ? undefined : Buffer.concat([...result.stdErr, ...result.stdOut, Buffer.from(`(exit code ${result.exitCode})`)])),
      }).env(gitEnvironment());
    } catch (error) {
      throw new WorkspaceError(`cannot use ${this.dir} for git: ${errorMessage(error)}`, { path: this.dir }, { cause: error });
    }
  }

  /** Runs `git <args>` and returns stdout; failures become WorkspaceError naming the command. */
  async raw(args: string[], config: string[] = []): Promise<string> {
    try {
      return await this.client(config).raw(args);
    } catch (error) {
      const detail = errorMessage(error).trim().split("\n").slice(0, 5).join(" ");
      throw new WorkspaceError(`git ${args.join(" ")} failed in ${this.dir}: ${detail}`, { path: this.dir }, { cause: error });
    }
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
    // simple-git resolves a non-zero exit that printed nothing, so ask a question whose answer is output.
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
    const out = await this.raw([
      "log",
      `--max-count=${options.maxCount ?? 20}`,
      "--format=%H%x00%s%x00%an%x00%ae%x1e",
      options.ref ?? "HEAD",
      "--",
    ]);
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
