import { execShort } from "../process/spawner.js";

/**
 * The one way the bot starts git. Every invocation disables what a repository can make git run: hooks
 * (`core.hooksPath=/dev/null`) and the fsmonitor command (`core.fsmonitor=`), and never pages or prompts.
 * Checks run model-written code that could plant those in `.git`; they must never run later as the bot.
 */

/**
 * `safe.directory=*`: the strong sandbox tier hands a worktree to a throwaway uid while a check runs, and the
 * bot may read it meanwhile. The bot only runs git in repositories it cloned or made itself, whose `.git` the
 * sandbox mounts read-only, so ownership by that uid says nothing about who wrote the config.
 */
export const SAFE_GIT_FLAGS = ["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=", "-c", "core.pager=cat", "-c", "safe.directory=*", "--no-pager"];

export interface GitProcessOptions {
  cwd: string;
  /** Config for this one process, passed in the environment (GIT_CONFIG_COUNT…), never argv: may hold a token. */
  secretConfig?: Record<string, string>;
  timeoutMs?: number;
  maxBuffer?: number;
}

export interface GitProcessResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** How the process failed to start or was stopped (ENOENT, timeout), when it did. */
  failure?: string;
}

/** Names that redirect git (GIT_DIR, GIT_CONFIG_*, …) or make it start an editor, pager or askpass program. */
const DROPPED = /^(GIT_|EDITOR$|VISUAL$|PAGER$|SSH_ASKPASS$|PREFIX$)/i;

function gitEnvironment(secretConfig: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !DROPPED.test(name)) env[name] = value;
  env.GIT_TERMINAL_PROMPT = "0";
  env.GIT_PAGER = "cat";
  // Reads never rewrite the index behind a concurrent writer.
  env.GIT_OPTIONAL_LOCKS = "0";
  const entries = Object.entries(secretConfig ?? {});
  if (entries.length) {
    env.GIT_CONFIG_COUNT = String(entries.length);
    entries.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
  }
  return env;
}

export async function runGit(args: string[], opts: GitProcessOptions): Promise<GitProcessResult> {
  const outcome = await execShort({
    file: "git",
    args: [...SAFE_GIT_FLAGS, ...args],
    cwd: opts.cwd,
    env: gitEnvironment(opts.secretConfig),
    timeoutMs: opts.timeoutMs ?? 120_000,
    maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024,
  });
  return { exitCode: outcome.code, stdout: outcome.stdout, stderr: outcome.stderr, ...(outcome.failure ? { failure: outcome.failure } : {}) };
}
