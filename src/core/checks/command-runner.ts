import type { NetworkMode } from "./sandbox-environment.js";

/**
 * The seam between the checks and the machine: every command a check runs (the repository's tests, its lint,
 * `tsc`, the tester's new files) goes through a CommandRunner. The real one is the Sandbox (sandbox.ts), built
 * once per process by createSandbox after probing what isolation the machine allows; tests may pass a fake
 * one where the process itself is not the point.
 */

/**
 * - strong: bubblewrap run as root without a user namespace, the command dropped to a throwaway uid;
 * - namespaced: unprivileged bubblewrap in its own user namespace (no root needed);
 * - weak: the bot's own user with a scrubbed environment; file reads and other processes are not isolated.
 */
export type SandboxTier = "strong" | "namespaced" | "weak";

export type CommandPriority = "normal" | "background";

/** What every check result records about where its command ran. */
export interface SandboxRecord {
  tier: SandboxTier;
  /** What the startup probe proved inside this tier, one short fact each ("pid namespace: own", …). */
  proven: string[];
  /** What this tier does not cover or the probe could not prove, in plain words. */
  gaps: string[];
}

export interface CommandOptions {
  /** A shell command line (from config) or an argv array (run without a shell). */
  command: string | string[];
  /** The worktree the command runs in: the one folder it may write besides its temporary ones. */
  cwd: string;
  timeoutMs: number;
  /** Variables set on top of the sandbox's base environment (never credentials). */
  env?: Record<string, string>;
  /** Folders put in front of PATH (e.g. the worktree's node_modules/.bin). */
  prependPath?: string[];
  /** Files or folders outside the worktree the command must read (a scratch copy); bound read-only. */
  readOnlyPaths?: string[];
  /**
   * Folders shown read-only at another place for this command only (the run's installed node_modules in the
   * baseline checkout). The weak tier, which has no view of its own, copies them in and removes the copy.
   */
  readOnlyMounts?: { source: string; target: string }[];
  /** Output bytes kept (head and tail); default 64 KiB. */
  maxOutputBytes?: number;
  /** Values masked as *** in the output, and kept out of the environment. */
  secrets?: string[];
  signal?: AbortSignal;
  /** "isolated" (default); "allowed" only for dependency installs. */
  network?: NetworkMode;
  /**
   * "background": the whole process tree runs at a lower CPU priority (nice 10), for work nobody waits on yet
   * (the baseline), so it yields the cores to the checks on the critical path. Default "normal".
   */
  priority?: CommandPriority;
  /**
   * Called with every complete output line (stdout and stderr, secrets masked), including the lines the
   * capped `output` leaves out: for failure names and test discovery, which must see the whole run.
   */
  onLine?: (line: string) => void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** stdout and stderr interleaved; head and tail kept when over the cap, with a marker between. */
  output: string;
  truncated: boolean;
  /** "network: isolated (…)", "network: NOT isolated: <reason>" or "network: allowed (…)". */
  network: string;
  sandbox: SandboxRecord;
}

/** Results computed once per key for the runner's life (installs, baselines); bounded, oldest dropped first. */
export interface RunnerMemo {
  get<T>(scope: string, key: string, compute: () => Promise<T>, keep?: (value: T) => boolean): Promise<T>;
  forget(scope: string): void;
}

export interface CommandRunner {
  readonly record: SandboxRecord;
  run(opts: CommandOptions): Promise<ProcessResult>;
  readonly memo: RunnerMemo;
  /**
   * Keeps `worktree` prepared for commands until the returned function is called, so that several commands
   * in a row (one round's checks) share the preparation: the strong tier hands the worktree to its throwaway
   * uid once, not around every command. Nothing but those commands may write in it meanwhile.
   */
  holdWorktree?(worktree: string): Promise<() => Promise<void>>;
}

/** A bounded in-memory memo; a rejected or unwanted (`keep` false) result is dropped so the next caller retries. */
export function createMemo(maxEntriesPerScope = 200): RunnerMemo {
  const scopes = new Map<string, Map<string, Promise<unknown>>>();
  return {
    get<T>(scope: string, key: string, compute: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
      let entries = scopes.get(scope);
      if (!entries) scopes.set(scope, (entries = new Map()));
      const cached = entries.get(key) as Promise<T> | undefined;
      if (cached) return cached;
      const pending = compute();
      entries.set(key, pending);
      if (entries.size > maxEntriesPerScope) entries.delete(entries.keys().next().value!);
      const table = entries;
      pending.then(
        (value) => {
          if (!keep(value) && table.get(key) === pending) table.delete(key);
        },
        () => {
          if (table.get(key) === pending) table.delete(key);
        },
      );
      return pending;
    },
    forget(scope: string): void {
      scopes.delete(scope);
    },
  };
}

/** The sentence a report or comment shows for a tier. */
export function describeTier(record: SandboxRecord): string {
  switch (record.tier) {
    case "strong":
      return "strong (bubblewrap as root, a throwaway uid, allow-listed files, no network)";
    case "namespaced":
      return "namespaced (unprivileged bubblewrap, allow-listed files, no network)";
    case "weak":
      return "weak: file reads and other processes are NOT isolated from the model-written code";
  }
}
