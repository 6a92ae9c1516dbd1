import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CommandOptions, CommandRunner } from "../../../src/core/checks/command-runner.js";
import { git } from "../../support/temp-repo.js";

/**
 * A host set up the way docs/security.md's threat model describes: a "bot" process with a canary in its
 * environment, a 0600 canary in the bot's HOME, a 0644 canary in a sibling job's folder, TCP and UDP
 * listeners on 127.0.0.1, a Unix socket, and the job's repository with a linked worktree, all owned by
 * `botUid` (0, or a throwaway uid for the namespaced tier).
 */

export interface HostileWorld {
  canary: string;
  botUid: number;
  botHome: string;
  worktree: string;
  gitDir: string;
  decoyPid: number;
  /** The config the hostile script gets. */
  config: Record<string, unknown>;
  outside: string[];
  daemonSeconds: string;
  udpReceived(): boolean;
  close(): Promise<void>;
}

export interface HostileOutcome {
  /** What the script saw from inside. */
  inside: Record<string, boolean>;
  /** What the host saw: files written outside, the git dir changed, a daemon still running, a datagram received. */
  wroteOutside: string[];
  gitChanged: boolean;
  daemonSurvived: boolean;
  udpReceived: boolean;
  worktreeFileOwner: number | null;
  output: string;
}

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), "hostile-check.mjs");

export async function createHostileWorld(botUid: number): Promise<HostileWorld> {
  const canary = `canary-${randomBytes(8).toString("hex")}`;
  const root = await mkdtemp(path.join(os.tmpdir(), "crew-hostile-"));
  await chmod(root, 0o755);
  const own = (target: string) => chown(target, botUid, botUid);

  const botHome = path.join(root, "bot-home");
  await mkdir(botHome, { mode: 0o700 });
  await writeFile(path.join(botHome, ".git-credentials"), `https://x-access-token:${canary}@github.com\n`, { mode: 0o600 });
  for (const target of [botHome, path.join(botHome, ".git-credentials")]) await own(target);

  const sibling = path.join(root, "sibling-job");
  await mkdir(sibling, { mode: 0o755 });
  await writeFile(path.join(sibling, "secret.txt"), canary, { mode: 0o644 });

  const repo = path.join(root, "repo");
  await mkdir(repo);
  await git(repo, "init", "-q", "-b", "main");
  await writeFile(path.join(repo, "README.md"), "hello\n");
  await git(repo, "add", "-A");
  await git(repo, "commit", "-q", "-m", "initial");
  const worktree = path.join(root, "worktree");
  await git(repo, "worktree", "add", "-q", "-b", "work", worktree);
  await copyFile(SCRIPT, path.join(worktree, "check-escape.mjs"));
  await chownTree(root, botUid);

  const tcp = net.createServer((socket) => socket.end("hello"));
  await new Promise<void>((resolve) => tcp.listen(0, "127.0.0.1", resolve));
  const unixPath = path.join(root, "daemon.sock");
  const unix = net.createServer((socket) => socket.end("hello"));
  await new Promise<void>((resolve) => unix.listen(unixPath, resolve));
  await chmod(unixPath, 0o777); // as reachable as docker.sock is to its group: only the sandbox may stop a connect
  let received = false;
  const udp = dgram.createSocket("udp4");
  udp.on("message", () => (received = true));
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));

  // The bot: a process of the bot's uid with a secret in its environment.
  const decoy: ChildProcess = spawn(botUid === 0 ? "sleep" : "setpriv", botUid === 0 ? ["600"] : [`--reuid=${botUid}`, `--regid=${botUid}`, "--clear-groups", "sleep", "600"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", CODEGEN_API_KEY: canary },
    stdio: "ignore",
  });
  const daemonSeconds = String(400_000 + Math.floor(Math.random() * 99_999));
  const outside = [
    path.join(sibling, "planted.txt"),
    path.join(botHome, "planted.txt"),
    path.join(repo, "planted.txt"),
    `/usr/local/crew-planted-${canary}`,
    path.join(os.tmpdir(), `crew-planted-${canary}`),
  ];
  const gitDir = path.join(repo, ".git");
  return {
    canary,
    botUid,
    botHome,
    worktree,
    gitDir,
    decoyPid: decoy.pid!,
    outside,
    daemonSeconds,
    config: {
      canary,
      pids: [process.pid, decoy.pid],
      homeCanary: path.join(botHome, ".git-credentials"),
      siblingCanary: path.join(sibling, "secret.txt"),
      tcpPort: (tcp.address() as net.AddressInfo).port,
      udpPort: udp.address().port,
      unixSocket: unixPath,
      outside,
      gitDir,
      daemonSeconds,
    },
    udpReceived: () => received,
    close: async () => {
      decoy.kill("SIGKILL");
      await killDaemons(daemonSeconds);
      await new Promise((resolve) => tcp.close(resolve));
      await new Promise((resolve) => unix.close(resolve));
      udp.close();
      await rm(root, { recursive: true, force: true });
      // The weak tier's test writes some of these on purpose.
      for (const file of outside) await rm(file, { force: true });
    },
  };
}

async function chownTree(dir: string, uid: number): Promise<void> {
  await chown(dir, uid, uid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const target = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(target, uid);
    else await chown(target, uid, uid);
  }
}

/** Host pids of `sleep <seconds>` processes: the hostile script's daemon. */
export async function daemonPids(seconds: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
    if (cmdline === `sleep\0${seconds}\0`) found.push(Number(name));
  }
  return found;
}

async function killDaemons(seconds: string): Promise<void> {
  for (const pid of await daemonPids(seconds)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

/** The hostile check as a command: what a model-written test would run in the worktree. */
export function hostileCommand(worktree: string, config: Record<string, unknown>): CommandOptions {
  return { command: ["node", "check-escape.mjs", JSON.stringify(config)], cwd: worktree, timeoutMs: 30_000 };
}

/** Runs the hostile script in `runner` and looks at the host afterwards. */
export async function runHostile(runner: CommandRunner, world: HostileWorld): Promise<HostileOutcome> {
  const before = await gitState(world);
  const result = await runner.run(hostileCommand(world.worktree, world.config));
  return judgeOnHost(world, before, result.output);
}

export async function gitState(world: HostileWorld): Promise<string> {
  return readFile(path.join(world.gitDir, "config"), "utf8");
}

export async function judgeOnHost(world: HostileWorld, configBefore: string, output: string): Promise<HostileOutcome> {
  const line = output.split("\n").find((l) => l.startsWith("RESULT "));
  const inside = line ? (JSON.parse(line.slice(7)) as Record<string, boolean>) : {};
  // Give a datagram in flight, and a daemon's exit, a moment.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const wroteOutside: string[] = [];
  for (const file of world.outside) if (await stat(file).catch(() => null)) wroteOutside.push(file);
  const gitChanged = (await gitState(world)) !== configBefore || (await stat(path.join(world.gitDir, "hooks", "post-commit")).catch(() => null)) !== null;
  const made = await stat(path.join(world.worktree, "made-in-sandbox.txt")).catch(() => null);
  return {
    inside,
    wroteOutside,
    gitChanged,
    daemonSurvived: (await daemonPids(world.daemonSeconds)).length > 0,
    udpReceived: world.udpReceived(),
    worktreeFileOwner: made ? made.uid : null,
    output,
  };
}

// Each child is a real process of the sandbox's uid; the pid namespace (or the process group) ends them afterwards.
const FORK_BOMB =
  "let up = 0, done = 0; const end = () => { if (++done === 150) { console.log('forks=' + up); process.exit(0) } };" +
  " for (let i = 0; i < 150; i++) { const c = require('child_process').spawn('sleep', ['30'], { stdio: 'ignore' }); c.on('spawn', () => { up++; end() }); c.on('error', end) }";

export const BOMBS_SCRIPT = [
  `node -e "${FORK_BOMB}"`,
  `node -e "try { Buffer.alloc(600 * 1024 * 1024, 1); console.log('memory=allocated') } catch { console.log('memory=refused') }"`,
  '(head -c 20000000 /dev/zero > big.bin) 2>/dev/null; echo "filesize=$(stat -c %s big.bin)"',
  'echo "descriptors=$(ls /proc/self/fd | tr "\\n" " ")"',
].join("\n");

/** The niceness of a background command's shell and of a process it starts, at normal and at background priority. */
export async function nicenessOf(runner: CommandRunner, cwd: string): Promise<{ normal: string; background: string }> {
  const run = (priority: "normal" | "background") => runner.run({ command: "nice; sh -c nice", cwd, timeoutMs: 10_000, priority }).then((result) => result.output);
  return { normal: await run("normal"), background: await run("background") };
}

export const TEST_LIMITS = { processes: 100, memoryBytes: 256 * 1024 ** 2, fileSizeBytes: 8 * 1024 ** 2 };

export function parseBombs(output: string): { forks: number; memory: string; fileSize: number; descriptors: string } {
  const get = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(output)?.[1]?.trim() ?? "";
  return { forks: Number(get("forks")), memory: get("memory"), fileSize: Number(get("filesize")), descriptors: get("descriptors") };
}
