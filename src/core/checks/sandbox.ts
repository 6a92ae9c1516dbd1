import { chown, cp, mkdir, mkdtemp, realpath, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CancelledError } from "../errors.js";
import { createMemo, type CommandOptions, type CommandRunner, type ProcessResult, type SandboxRecord, type SandboxTier } from "./command-runner.js";
import { runGit } from "../git/run-git.js";
import { UidPool } from "./uid-pool.js";
import { WorktreeHandover } from "./worktree-handover.js";
import { cannotStart, describeCommand, spawnCommand } from "./process-runner.js";
import { baseEnvironment, commandEnvironment, scrubEnvironment, TOOLCHAIN_VARIABLES } from "./sandbox-environment.js";
import { atPriority, DEFAULT_LIMITS, launchArgv, type LaunchTools, type ResourceLimits } from "./sandbox-launch.js";
import { findTools, judgeSelfTest, missingFor, parseSelfTest, SELF_TEST_SCRIPT } from "./sandbox-probe.js";
import { locateGit, scrubbedGitConfig, viewArguments } from "./sandbox-view.js";
import { describeWeakNetwork, findExecutable, probeNetworkIsolation, type NetworkIsolation } from "./weak-network.js";

/**
 * The one place untrusted commands run. createSandbox probes the machine once and picks the strongest tier
 * whose self-test passes (docs/security.md has the table); every command then runs in that tier, and every
 * result says which tier it was and what the probe proved.
 */

export interface SandboxOptions {
  /** The operator's environment (the entry point passes process.env): the base of every command's environment, scrubbed. */
  environment: NodeJS.ProcessEnv;
  /** Secret values known at startup: variables holding them never reach a command. */
  secrets?: string[];
  /** The strongest tier to try; default strong. */
  maxTier?: SandboxTier;
  limits?: Partial<ResourceLimits>;
  /** Throwaway uids for the strong tier, one per concurrent job on the host (lease()); default 61000 and 64 of them. */
  uids?: { first: number; count: number };
  /** Where scratch folders (HOME, /tmp of each command) are made; default os.tmpdir(). */
  scratchRoot?: string;
}

export interface SandboxLease extends CommandRunner {
  release(): Promise<void>;
}

const TIERS: SandboxTier[] = ["strong", "namespaced", "weak"];
const SELF_TEST_TIMEOUT_MS = 15_000;

interface TierSetup {
  tier: SandboxTier;
  tools: LaunchTools;
  weakNetwork: NetworkIsolation | null;
}

export class Sandbox implements CommandRunner {
  readonly memo = createMemo();
  /** Why each stronger tier was not used, for the startup log. */
  readonly declined: string[];
  private readonly handovers: WorktreeHandover;

  private constructor(
    private readonly setup: TierSetup,
    readonly record: SandboxRecord,
    private readonly base: Record<string, string>,
    private readonly limits: ResourceLimits,
    private readonly botHome: string,
    private readonly scratchRoot: string,
    private readonly defaultUid: number,
    private readonly pool: UidPool,
    declined: string[],
  ) {
    this.declined = declined;
    this.handovers = new WorktreeHandover(setup.tools.privileged ?? []);
  }

  get tier(): SandboxTier {
    return this.setup.tier;
  }

  /** Probes the tiers from the strongest down and keeps the first whose self-test passes. */
  static async create(options: SandboxOptions): Promise<Sandbox> {
    const base = await baseEnvironment(options.environment, options.secrets ?? []);
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const uidRange = options.uids ?? { first: 61_000, count: 64 };
    const botHome = options.environment.HOME ?? os.homedir();
    const scratchRoot = await realpath(options.scratchRoot ?? os.tmpdir());
    const pool = new UidPool(uidRange.first, uidRange.count, path.join(scratchRoot, "codegen-crew-sandbox-uids"));
    const tools = await findTools();
    const declined: string[] = [];
    for (const tier of TIERS.slice(TIERS.indexOf(options.maxTier ?? "strong"))) {
      const missing = missingFor(tier, tools);
      if (missing) {
        declined.push(`${tier}: ${missing}`);
        continue;
      }
      const weakNetwork = tier === "weak" ? await probeNetworkIsolation(base.PATH ?? "/usr/bin:/bin") : null;
      const attempts = tier === "strong" ? [{ ...tools, nestedUserns: true }, tools] : [tools];
      // The strong tier's own uid (the CLI's and the Action's); other tiers keep the bot's.
      const uid = tier === "strong" ? await pool.claim() : (process.getuid?.() ?? 0);
      for (const attempt of attempts) {
        const setup = { tier, tools: attempt, weakNetwork };
        const probe = new Sandbox(setup, { tier, proven: [], gaps: [] }, base, limits, botHome, scratchRoot, uid, pool, []);
        const judged = await probe.selfTest();
        if ("refused" in judged) {
          if (attempt === attempts[attempts.length - 1]) declined.push(`${tier}: ${judged.refused}`);
          continue;
        }
        return new Sandbox(setup, judged, base, limits, botHome, scratchRoot, uid, pool, declined);
      }
      if (tier === "strong") await pool.release(uid);
    }
    throw new Error(`no sandbox tier is usable: ${declined.join("; ")}`);
  }

  private async selfTest(): Promise<SandboxRecord | { refused: string }> {
    const dir = await mkdtemp(path.join(this.scratchRoot, "codegen-crew-selftest-"));
    try {
      const result = await this.runAs(this.defaultUid, {
        command: ["/bin/sh", "-c", SELF_TEST_SCRIPT],
        cwd: dir,
        timeoutMs: SELF_TEST_TIMEOUT_MS,
        env: { BOT_PID: String(process.pid), BOT_HOME: this.botHome },
      });
      const facts = result.exitCode === 0 ? parseSelfTest(result.output) : null;
      const judged = judgeSelfTest(this.setup.tier, facts, process.getuid?.() ?? -1, this.limits, this.setup.tools);
      if ("refused" in judged && !facts) return { refused: `${judged.refused} (${result.output.trim().split("\n")[0] ?? "no output"})` };
      if (!("refused" in judged) && this.setup.tier === "weak" && this.setup.weakNetwork) judged.proven[0] ||= describeWeakNetwork(this.setup.weakNetwork);
      return judged;
    } finally {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  run(opts: CommandOptions): Promise<ProcessResult> {
    return this.runAs(this.defaultUid, opts);
  }

  holdWorktree(worktree: string): Promise<() => Promise<void>> {
    return this.holdAs(this.defaultUid, worktree);
  }

  /** The strong tier's handover is counted per worktree: commands run while it is held share it. */
  private async holdAs(uid: number, worktree: string): Promise<() => Promise<void>> {
    return this.setup.tier === "strong" ? this.handovers.handOver(worktree, uid) : async () => undefined;
  }

  /**
   * A runner for one concurrent job: in the strong tier with a uid of its own, unique on the host (UidPool).
   * Release it when the job ends.
   */
  async lease(): Promise<SandboxLease> {
    const uid = this.setup.tier === "strong" ? await this.pool.claim() : this.defaultUid;
    let released = false;
    return {
      record: this.record,
      memo: this.memo,
      run: (opts) => this.runAs(uid, opts),
      holdWorktree: (worktree) => this.holdAs(uid, worktree),
      release: async () => {
        if (released || uid === this.defaultUid) return;
        released = true;
        await this.pool.release(uid);
      },
    };
  }

  private network(mode: "isolated" | "allowed"): string {
    if (mode === "allowed") return "network: allowed (dependency install)";
    if (this.setup.tier === "weak") return describeWeakNetwork(this.setup.weakNetwork!);
    return "network: isolated (bubblewrap: its own namespace, loopback only)";
  }

  private async runAs(uid: number, opts: CommandOptions): Promise<ProcessResult> {
    const secrets = opts.secrets ?? [];
    const mode = opts.network ?? "isolated";
    const { tier, tools } = this.setup;
    const done = { network: this.network(mode), sandbox: this.record };
    const argv = typeof opts.command === "string" ? ["/bin/sh", "-c", opts.command] : opts.command;
    if (opts.signal?.aborted) throw new CancelledError(`cancelled before running ${describeCommand(opts.command)}`);
    if (!argv[0]) return { ...cannotStart(opts.command, "the command is empty", secrets), ...done };

    const scratch = await mkdtemp(path.join(this.scratchRoot, "codegen-crew-sandbox-"));
    let handBack: (() => Promise<void>) | null = null;
    let copies: string[] = [];
    try {
      const home = path.join(scratch, "home");
      const tmp = path.join(scratch, "tmp");
      await mkdir(home, { mode: 0o700 });
      await mkdir(tmp, { mode: 0o700 });
      const gitConfig = tier === "strong" ? path.join(home, ".gitconfig") : "/dev/null";
      const env = commandEnvironment(this.base, { home, tmp: tier === "weak" ? tmp : "/tmp", gitConfig }, scrubEnvironment(opts.env ?? {}, secrets), opts.prependPath ?? []);
      if (!(await findProgram(argv[0], env.PATH, opts.cwd))) return { ...cannotStart(opts.command, `spawn ${argv[0]} ENOENT`, secrets), ...done };

      let full: string[];
      if (tier === "weak") {
        copies = await copyMounts(opts.readOnlyMounts ?? []);
        const prefix = mode === "isolated" && this.setup.weakNetwork?.available ? this.setup.weakNetwork.prefix : [];
        full = [...prefix, ...launchArgv({ tier, tools, limits: this.limits, uid, network: true, view: [], cwd: opts.cwd, setenv: null }, argv)];
      } else {
        if (tier === "strong") {
          // The repository's checks see their worktree as their own: git inside wants no "dubious ownership".
          await writeFile(gitConfig, "[safe]\n\tdirectory = *\n");
          for (const dir of [home, tmp, gitConfig]) await chown(dir, uid, uid);
          handBack = await this.handovers.handOver(opts.cwd, uid);
        }
        const view = await this.view(scratch, {
          home,
          tmp,
          uid,
          worktree: opts.cwd,
          readOnly: [...(opts.readOnlyPaths ?? []), ...(opts.prependPath ?? [])],
          mounts: opts.readOnlyMounts ?? [],
          env,
        });
        const setenv = tier === "strong" && tools.privileged?.length ? env : null;
        full = launchArgv({ tier, tools, limits: this.limits, uid, network: mode === "allowed", view, cwd: opts.cwd, setenv }, argv);
      }
      const result = await spawnCommand(atPriority(tools, opts.priority ?? "normal", full), {
        command: opts.command,
        cwd: opts.cwd,
        timeoutMs: opts.timeoutMs,
        env,
        secrets,
        ...(opts.maxOutputBytes ? { maxOutputBytes: opts.maxOutputBytes } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onLine ? { onLine: opts.onLine } : {}),
      });
      return { ...result, ...done };
    } finally {
      if (handBack) await handBack();
      for (const copy of copies) await rm(copy, { recursive: true, force: true }).catch(() => undefined);
      await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async view(
    scratch: string,
    spec: { home: string; tmp: string; uid: number; worktree: string; readOnly: string[]; mounts: { source: string; target: string }[]; env: Record<string, string> },
  ): Promise<string[]> {
    const name = this.setup.tier === "strong" ? "sandbox" : os.userInfo().username || "user";
    const id = this.setup.tier === "strong" ? spec.uid : (process.getuid?.() ?? 0);
    const passwd = path.join(scratch, "passwd");
    const group = path.join(scratch, "group");
    await writeFile(
      passwd,
      `root:x:0:0:root:/root:/bin/sh\n${id === 0 ? "" : `${name}:x:${id}:${id}::${spec.home}:/bin/sh\n`}nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n`,
      { mode: 0o644 },
    );
    await writeFile(group, `root:x:0:\n${id === 0 ? "" : `${name}:x:${id}:\n`}nogroup:x:65534:\n`, { mode: 0o644 });
    const git = await locateGit(spec.worktree);
    let gitConfig: string | null = null;
    if (git) {
      gitConfig = path.join(scratch, "repo-gitconfig");
      await writeFile(gitConfig, await this.scrubbedConfigOf(git.config), { mode: 0o644 });
    }
    return viewArguments(
      {
        worktree: spec.worktree,
        home: spec.home,
        tmp: spec.tmp,
        passwd,
        group,
        gitConfig,
        network: false,
        mounts: spec.mounts,
        readOnly: [...spec.readOnly, ...this.toolchainDirs(spec.env, spec.worktree)],
      },
      git,
    );
  }

  /** The scrubbed copy of a repository config, read again only when the file changed (one git process less per command). */
  private async scrubbedConfigOf(file: string): Promise<string> {
    const info = await stat(file).catch(() => null);
    const key = `${file}\0${info?.mtimeMs ?? 0}\0${info?.size ?? 0}`;
    return this.memo.get("scrubbed-git-config", key, async () => scrubbedGitConfig(await readConfigEntries(file)));
  }

  /**
   * PATH entries and toolchain roots, read-only; never `/`, the bot's HOME, the temp root or an ancestor of them,
   * nor anything inside them. Our own node is the exception to "inside": the checks parse JavaScript and run `tsc`
   * with it, and a runner's node often lives under HOME (the Actions runner's externals) or the temp root.
   */
  private toolchainDirs(env: Record<string, string>, worktree: string): string[] {
    const guarded = [this.botHome, this.scratchRoot, os.tmpdir(), worktree].map((p) => path.resolve(p));
    const exposesGuarded = (dir: string) => guarded.some((g) => g === dir || g.startsWith(`${dir}/`));
    const insideGuarded = (dir: string) => guarded.some((g) => dir.startsWith(`${g}/`));
    const candidates = [...(env.PATH ?? "").split(path.delimiter), ...TOOLCHAIN_VARIABLES.map((name) => env[name] ?? "")];
    const dirs = candidates.filter((dir) => path.isAbsolute(dir) && !exposesGuarded(path.resolve(dir)) && !insideGuarded(path.resolve(dir)));
    const ownNode = path.resolve(path.dirname(path.dirname(process.execPath)));
    if (!exposesGuarded(ownNode)) dirs.push(ownNode);
    return dirs;
  }
}

export function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  return Sandbox.create(options);
}

async function readConfigEntries(file: string): Promise<{ key: string; value: string }[]> {
  // Reading a config file runs nothing (no includes are followed without --includes).
  const result = await runGit(["config", "--file", file, "--no-includes", "--list", "-z"], { cwd: "/" });
  if (result.exitCode !== 0) return [];
  return result.stdout
    .split("\0")
    .filter(Boolean)
    .map((record) => {
      const newline = record.indexOf("\n");
      return newline === -1 ? { key: record, value: "" } : { key: record.slice(0, newline), value: record.slice(newline + 1) };
    });
}

/** The weak tier's stand-in for read-only mounts: a copy (never a link into another worktree), removed afterwards. */
async function copyMounts(mounts: { source: string; target: string }[]): Promise<string[]> {
  const made: string[] = [];
  for (const mount of mounts) {
    if (await stat(mount.target).catch(() => null)) continue;
    await cp(mount.source, mount.target, { recursive: true, verbatimSymlinks: true });
    made.push(mount.target);
  }
  return made;
}

async function findProgram(program: string, searchPath: string | undefined, cwd: string): Promise<boolean> {
  if (program.includes("/")) return (await findExecutable(path.resolve(cwd, program), undefined)) !== null;
  const dirs = (searchPath ?? "")
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.resolve(cwd, dir));
  return (await findExecutable(program, dirs.join(path.delimiter))) !== null;
}
