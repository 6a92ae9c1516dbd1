import { spawn, type ChildProcessByStdio } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { CancelledError, errorMessage } from "../errors.js";
import { LineSplitter, maskSecrets, OutputCollector, usableSecrets } from "./output-capture.js";
import { createSandboxHome, describeNetwork, networkIsolation, removeSandboxHome, sandboxEnvironment, type NetworkMode } from "./sandbox.js";

/**
 * Runs a repository's own commands (tests, linters): code the crew did not write and must not trust. The
 * command gets its own process group so that everything it starts can be stopped together, an
 * environment without credentials, an empty HOME, no network where the OS allows it (sandbox.ts), and a
 * bounded share of memory for its output.
 */

export interface RunProcessOptions {
  /** A shell command line (from config) or an argv array (run without a shell). */
  command: string | string[];
  cwd: string;
  timeoutMs: number;
  /** Base environment; default process.env. It is scrubbed either way. */
  env?: NodeJS.ProcessEnv;
  /** Output bytes kept (head and tail); default 64 KiB. */
  maxOutputBytes?: number;
  /** Values removed from the environment and masked as *** in the output. */
  secrets?: string[];
  signal?: AbortSignal;
  /** "isolated" (default): in a network namespace when the OS allows it; "allowed": dependency installs only. */
  network?: NetworkMode;
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
  /** "network: isolated (unshare)", "network: NOT isolated: <reason>" or "network: allowed (…)". */
  network: string;
}

/** Time between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2_000;
/** How long to wait for the pipes after the command exited: a daemon that left the group may hold them. */
const DRAIN_MS = 1_000;
const DEFAULT_MAX_OUTPUT = 64 * 1024;

export { maskSecrets };

const DROPPED_NAMES = new Set(["GITHUB_TOKEN", "GH_TOKEN", "OPENAI_API_KEY", "OPENROUTER_API_KEY", "AZURE_OPENAI_API_KEY", "ANTHROPIC_API_KEY"]);

function isCredentialName(name: string): boolean {
  const upper = name.toUpperCase();
  return (
    DROPPED_NAMES.has(upper) ||
    upper.startsWith("INPUT_") ||
    upper.startsWith("ACTIONS_") ||
    (upper.startsWith("CODEGEN_") && upper.includes("KEY")) ||
    upper.endsWith("TOKEN") ||
    upper.endsWith("_AUTH") ||
    upper.includes("CREDENTIAL") ||
    upper.endsWith("_API_KEY") ||
    upper.endsWith("_PRIVATE_KEY") ||
    upper.endsWith("_ACCESS_KEY") ||
    upper.includes("SECRET") ||
    upper.includes("PASSWORD")
  );
}

/** A copy of `env` without credentials: known names, credential-like names, and any value holding a secret. */
export function scrubEnvironment(env: NodeJS.ProcessEnv, secrets: readonly string[] = []): NodeJS.ProcessEnv {
  const masked = usableSecrets(secrets);
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || isCredentialName(name)) continue;
    if (masked.some((secret) => value.includes(secret))) continue;
    clean[name] = value;
  }
  return clean;
}

export function describeCommand(command: string | string[]): string {
  return typeof command === "string" ? command : command.join(" ");
}

export async function runProcess(opts: RunProcessOptions): Promise<ProcessResult> {
  const secrets = opts.secrets ?? [];
  const mode = opts.network ?? "isolated";
  const isolation = await networkIsolation();
  const network = describeNetwork(mode, isolation);
  const argv = typeof opts.command === "string" ? ["/bin/sh", "-c", opts.command] : opts.command;
  const cannotStart = (why: string): ProcessResult => ({
    exitCode: null,
    signal: null,
    timedOut: false,
    durationMs: 0,
    output: maskSecrets(`could not start ${describeCommand(opts.command)}: ${why}`, secrets),
    truncated: false,
    network,
  });
  if (opts.signal?.aborted) throw new CancelledError(`cancelled before running ${describeCommand(opts.command)}`);
  if (!argv[0]) return cannotStart("the command is empty");

  const home = await createSandboxHome();
  try {
    const env = await sandboxEnvironment(scrubEnvironment(opts.env ?? process.env, secrets), home);
    const sandboxed = mode === "isolated" && isolation.available;
    if (sandboxed && !(await findProgram(argv[0], env.PATH, opts.cwd))) {
      // Inside the wrapper a missing program is only an exit code 127; say it the way spawn would.
      return cannotStart(`spawn ${argv[0]} ENOENT`);
    }
    const full = sandboxed ? [...isolation.prefix, ...argv] : argv;
    return { ...(await spawnAndCollect(full, opts, env, secrets)), network };
  } finally {
    await removeSandboxHome(home);
  }
}

async function findProgram(program: string, searchPath: string | undefined, cwd: string): Promise<boolean> {
  const candidates = program.includes("/") ? [path.resolve(cwd, program)] : (searchPath ?? "").split(path.delimiter).filter(Boolean).map((dir) => path.join(path.resolve(cwd, dir), program));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return true;
    } catch {
      // keep looking
    }
  }
  return false;
}

function spawnAndCollect(argv: string[], opts: RunProcessOptions, env: NodeJS.ProcessEnv, secrets: readonly string[]): Promise<Omit<ProcessResult, "network">> {
  const [file, ...args] = argv as [string, ...string[]];
  const collector = new OutputCollector(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT);
  const lines = opts.onLine ? [new LineSplitter(opts.onLine, secrets), new LineSplitter(opts.onLine, secrets)] : null;
  const started = Date.now();

  return new Promise((resolve, reject) => {
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawn(file, args, { cwd: opts.cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      // Invalid arguments throw synchronously instead of emitting "error".
      resolve({ exitCode: null, signal: null, timedOut: false, durationMs: 0, output: `could not start ${describeCommand(opts.command)}: ${errorMessage(error)}`, truncated: false });
      return;
    }
    let timedOut = false;
    let settled = false;
    let exit: { code: number | null; signal: string | null } | null = null;
    let startError: unknown;
    const timers: NodeJS.Timeout[] = [];

    const killGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const stop = () => {
      killGroup("SIGTERM");
      timers.push(setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS));
    };
    const onAbort = () => stop();

    const settle = () => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      for (const splitter of lines ?? []) splitter.end();
      if (opts.signal?.aborted) {
        reject(new CancelledError(`cancelled while running ${describeCommand(opts.command)}`));
        return;
      }
      const { output, truncated } = collector.render(secrets);
      const failure = startError === undefined ? "" : `could not start ${describeCommand(opts.command)}: ${errorMessage(startError)}`;
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut,
        durationMs: Date.now() - started,
        output: failure ? `${output}${output ? "\n" : ""}${maskSecrets(failure, secrets)}` : output,
        truncated,
      });
    };

    child.stdout.on("data", (chunk: Buffer) => {
      collector.push(chunk);
      lines?.[0]!.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      collector.push(chunk);
      lines?.[1]!.push(chunk);
    });
    child.on("error", (error) => {
      startError = error;
      settle();
    });
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      // Whatever the command left running in its group is garbage now (servers, watchers, daemons).
      killGroup("SIGKILL");
      timers.push(setTimeout(settle, DRAIN_MS));
    });
    child.on("close", settle);

    timers.push(
      setTimeout(() => {
        timedOut = true;
        stop();
      }, opts.timeoutMs),
    );
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    // Cancelled while the sandbox was being prepared: the listener above came too late to hear it.
    if (opts.signal?.aborted) stop();
  });
}
