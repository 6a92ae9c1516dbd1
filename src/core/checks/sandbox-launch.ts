import type { CommandPriority, SandboxTier } from "./command-runner.js";

/**
 * The argv that wraps one command for each tier, around the allow-listed view (sandbox-view.ts). Kept free of
 * I/O so the shape of each tier can be read in one place.
 */

export interface ResourceLimits {
  /** Processes and threads of the sandbox's uid (RLIMIT_NPROC); only where the uid is the sandbox's own. */
  processes: number;
  /** Writable private memory of each process, bytes (RLIMIT_DATA: unlike RLIMIT_AS it leaves V8's reservations alone). */
  memoryBytes: number;
  /** Largest file a process may write, bytes (RLIMIT_FSIZE). */
  fileSizeBytes: number;
}

export const DEFAULT_LIMITS: ResourceLimits = { processes: 4096, memoryBytes: 4 * 1024 ** 3, fileSizeBytes: 1024 ** 3 };

/** The host programs a launch uses, found once by the probe (absolute paths, also valid inside the view). */
export interface LaunchTools {
  bwrap: string | null;
  setpriv: string | null;
  prlimit: string | null;
  bash: string | null;
  /** coreutils `nice`, for background commands; without it they run at normal priority. */
  nice: string | null;
  /** `[]` when the bot is root, `["sudo", "-n"]` when passwordless sudo works, null without root. */
  privileged: string[] | null;
  /** The strong tier nests an unprivileged `bwrap --disable-userns` when the kernel lets the uid make user namespaces. */
  nestedUserns: boolean;
}

export interface Launch {
  tier: SandboxTier;
  tools: LaunchTools;
  limits: ResourceLimits;
  uid: number;
  network: boolean;
  view: string[];
  cwd: string;
  /** Variables passed as bwrap --setenv (sudo resets the environment it was given). */
  setenv: Record<string, string> | null;
}

/**
 * bash closes every descriptor above stderr before exec: a descriptor the bot inherited without CLOEXEC
 * (from whoever started it) would otherwise reach the model-written code.
 */
const CLOSE_FDS = 'for fd in /proc/self/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null; done; exec "$@"';

function closeFds(tools: LaunchTools, argv: string[]): string[] {
  return tools.bash ? [tools.bash, "-c", CLOSE_FDS, "codegen-crew-sandbox", ...argv] : argv;
}

function prlimit(tools: LaunchTools, limits: ResourceLimits, withProcesses: boolean): string[] {
  if (!tools.prlimit) return [];
  const pair = (n: number) => `${n}:${n}`;
  return [
    tools.prlimit,
    ...(withProcesses ? [`--nproc=${pair(limits.processes)}`] : []),
    `--data=${pair(limits.memoryBytes)}`,
    `--fsize=${pair(limits.fileSizeBytes)}`,
    "--core=0:0",
    "--",
  ];
}

/** The full argv for `argv` in the launch's tier. */
export function launchArgv(launch: Launch, argv: string[]): string[] {
  const { tools } = launch;
  const inner = closeFds(tools, argv);
  if (launch.tier === "weak") {
    // The bot's own uid: a process limit would count the bot's (and its user's) other processes too.
    return [...prlimit(tools, launch.limits, false), ...inner];
  }
  const common = ["--die-with-parent", "--new-session", ...(launch.setenv ? ["--clearenv", ...Object.entries(launch.setenv).flatMap(([k, v]) => ["--setenv", k, v])] : [])];
  if (launch.tier === "namespaced") {
    return [
      tools.bwrap!,
      "--unshare-all",
      "--unshare-user",
      "--disable-userns",
      ...(launch.network ? ["--share-net"] : []),
      ...common,
      ...launch.view,
      "--chdir",
      launch.cwd,
      "--",
      ...prlimit(tools, launch.limits, true),
      ...inner,
    ];
  }
  const id = String(launch.uid);
  const nested = tools.nestedUserns
    ? [
        tools.bwrap!,
        "--unshare-user",
        "--disable-userns",
        "--uid",
        id,
        "--gid",
        id,
        "--bind",
        "/",
        "/",
        "--dev-bind",
        "/dev",
        "/dev",
        "--die-with-parent",
        "--chdir",
        launch.cwd,
        "--",
      ]
    : [];
  return [
    ...(tools.privileged ?? []),
    tools.bwrap!,
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(launch.network ? [] : ["--unshare-net"]),
    ...common,
    ...launch.view,
    "--chdir",
    launch.cwd,
    "--",
    ...prlimit(tools, launch.limits, true),
    tools.setpriv!,
    `--reuid=${id}`,
    `--regid=${id}`,
    "--clear-groups",
    "--no-new-privs",
    "--",
    ...nested,
    ...inner,
  ];
}

/** Niceness of a background command: below the checks a run waits on, above nothing else in particular. */
export const BACKGROUND_NICENESS = 10;

/**
 * `argv` (a full launch, wrappers included) at `priority`. nice sets the niceness before it execs the first
 * wrapper, and every process after inherits it, so nothing the command starts escapes it; the sandbox's uid
 * cannot lower it again (that needs CAP_SYS_NICE).
 */
export function atPriority(tools: LaunchTools, priority: CommandPriority, argv: string[]): string[] {
  if (priority !== "background" || !tools.nice) return argv;
  return [tools.nice, "-n", String(BACKGROUND_NICENESS), ...argv];
}
