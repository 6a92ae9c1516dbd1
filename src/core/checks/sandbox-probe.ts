import { execFile } from "node:child_process";
import type { SandboxRecord, SandboxTier } from "./command-runner.js";
import type { LaunchTools, ResourceLimits } from "./sandbox-launch.js";
import { findExecutable } from "./weak-network.js";

/**
 * What the machine can do, found by running things rather than by looking for binaries: whether root is at
 * hand (we are root, or `sudo -n` works), and, per tier, a self-test run inside the sandbox that proves the
 * properties the tier promises. A tier whose self-test fails is not used; the next one down is.
 */

const SYSTEM_PATH = "/usr/bin:/bin:/usr/sbin:/sbin:/usr/local/bin";

function succeeds(file: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => execFile(file, args, { timeout: 5_000, env: { PATH: SYSTEM_PATH } }, (error) => resolve(!error)));
}

async function tool(name: string): Promise<string | null> {
  return findExecutable(name, SYSTEM_PATH);
}

export async function findTools(): Promise<LaunchTools> {
  const [bwrap, setpriv, prlimit, bash, nice, sudo] = await Promise.all([tool("bwrap"), tool("setpriv"), tool("prlimit"), tool("bash"), tool("nice"), tool("sudo")]);
  let privileged: string[] | null = null;
  if (process.getuid?.() === 0) privileged = [];
  else if (sudo && (await succeeds(sudo, ["-n", "true"]))) privileged = [sudo, "-n"];
  return { bwrap, setpriv, prlimit, bash, nice, privileged, nestedUserns: false };
}

/** Why a tier cannot even be tried, or null. */
export function missingFor(tier: SandboxTier, tools: LaunchTools): string | null {
  if (process.platform !== "linux") return `sandboxes need Linux (this is ${process.platform})`;
  if (tier === "weak") return null;
  if (!tools.bwrap) return "bubblewrap (`bwrap`) is not installed";
  if (tier === "strong") {
    if (!tools.privileged) return "root is not available (not running as root, and `sudo -n` does not work)";
    if (!tools.setpriv) return "`setpriv` (util-linux) is not installed";
  }
  return null;
}

/** Runs inside the candidate sandbox; every line is key=value. BOT_PID and BOT_HOME come from the bot. */
export const SELF_TEST_SCRIPT = [
  'echo "uid=$(id -u)"',
  'n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo "processes=$n"',
  'if head -c1 "/proc/$BOT_PID/environ" >/dev/null 2>&1; then echo environ=readable; else echo environ=hidden; fi',
  'if [ -n "$BOT_HOME" ] && [ -e "$BOT_HOME" ]; then echo home=visible; else echo home=hidden; fi',
  'echo "interfaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " ")"',
  "if unshare -U true >/dev/null 2>&1; then echo userns=allowed; else echo userns=blocked; fi",
  'echo "descriptors=$(ls /proc/self/fd | wc -l)"',
  'echo "limits=$(grep -E "^Max (processes|data size|file size)" /proc/self/limits | tr -s " " | tr "\\n" ";")"',
  "echo selftest=done",
].join("\n");

export interface SelfTestFacts {
  uid: number;
  processes: number;
  environHidden: boolean;
  homeHidden: boolean;
  interfaces: string[];
  usernsBlocked: boolean;
  descriptors: number;
}

export function parseSelfTest(output: string): SelfTestFacts | null {
  const facts = new Map<string, string>();
  for (const line of output.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) facts.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  if (facts.get("selftest") !== "done") return null;
  return {
    uid: Number(facts.get("uid")),
    processes: Number(facts.get("processes")),
    environHidden: facts.get("environ") === "hidden",
    homeHidden: facts.get("home") === "hidden",
    interfaces: (facts.get("interfaces") ?? "").split(" ").filter(Boolean),
    usernsBlocked: facts.get("userns") === "blocked",
    // ls holds one descriptor of its own (the directory it lists).
    descriptors: Number(facts.get("descriptors")) - 1,
  };
}

/** Judges a tier's self-test: the record to keep, or why the tier is not used. */
export function judgeSelfTest(tier: SandboxTier, facts: SelfTestFacts | null, botUid: number, limits: ResourceLimits, tools: LaunchTools): SandboxRecord | { refused: string } {
  if (!facts) return { refused: "the self-test did not run inside it" };
  const problems: string[] = [];
  const loopbackOnly = facts.interfaces.every((name) => name === "lo");
  if (tier !== "weak") {
    if (!facts.environHidden) problems.push("the bot's /proc/<pid>/environ was readable");
    if (!facts.homeHidden) problems.push("the bot's HOME was visible");
    if (!loopbackOnly) problems.push(`network interfaces besides loopback: ${facts.interfaces.join(", ")}`);
    if (!facts.usernsBlocked) problems.push("a user namespace could be created");
  }
  if (tier === "strong" && (facts.uid === 0 || facts.uid === botUid)) problems.push(`the command ran as uid ${facts.uid}`);
  if (problems.length) return { refused: `self-test failed: ${problems.join("; ")}` };

  const megabytes = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MiB`;
  const limitsText = tools.prlimit
    ? `limits: ${tier === "weak" ? "" : `${limits.processes} processes, `}${megabytes(limits.memoryBytes)} memory per process, ${megabytes(limits.fileSizeBytes)} per file`
    : null;
  const descriptors = facts.descriptors <= 3 ? "inherited descriptors: closed" : null;
  if (tier === "weak") {
    return {
      tier,
      proven: [loopbackOnly ? "network: loopback only (unshare)" : "", "environment: credentials removed, empty HOME", limitsText ?? "", descriptors ?? ""].filter(Boolean),
      gaps: [
        "file reads are NOT isolated: the code can read whatever the bot's user can (its HOME, other jobs' folders, other processes' /proc/<pid>/environ)",
        "other processes are NOT isolated: same uid, same process table; a daemon that leaves its process group survives the check",
        ...(loopbackOnly ? [] : ["network is NOT isolated"]),
        "the code can write to the repository's .git (the bot's own git runs with hooks and fsmonitor disabled)",
      ],
    };
  }
  return {
    tier,
    proven: [
      ...(tier === "strong" ? [`uid ${facts.uid} (a throwaway uid, not the bot's)`] : []),
      `pid namespace: ${facts.processes} process(es) visible`,
      "network: loopback only",
      "filesystem: allow-listed view (the bot's HOME and /proc/<pid>/environ not visible)",
      `user namespaces: blocked${tier === "strong" && !tools.nestedUserns ? " (by the kernel)" : ""}`,
      ...(limitsText ? [limitsText] : []),
      ...(descriptors ? [descriptors] : []),
    ],
    gaps: [
      "the worktree itself (the change and its dependencies) is readable and writable, as tests need",
      ...(tier === "namespaced" ? ["the code runs as the bot's uid inside its own user namespace (files are bound in, not owned by another uid)"] : []),
      ...(tools.prlimit ? [] : ["no resource limits: `prlimit` (util-linux) is not installed"]),
    ],
  };
}
