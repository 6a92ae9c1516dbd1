import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { CancelledError, errorMessage } from "../errors.js";
import type { ProcessResult } from "./command-runner.js";
import { LineSplitter, maskSecrets, OutputCollector } from "./output-capture.js";

/**
 * Spawns one already-wrapped command (sandbox-launch.ts) and collects its output: its own process group, so
 * that everything it starts can be stopped together; a timeout, then SIGTERM and SIGKILL to the group; a
 * bounded share of memory for the output. The Sandbox (sandbox.ts) is the only caller.
 */

export interface SpawnOptions {
  /** The command as the check wrote it, for messages. */
  command: string | string[];
  cwd: string;
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  maxOutputBytes?: number;
  secrets: readonly string[];
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

export type SpawnResult = Omit<ProcessResult, "network" | "sandbox">;

/** Time between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2_000;
/** How long to wait for the pipes after the command exited: a daemon that left the group may hold them. */
const DRAIN_MS = 1_000;
const DEFAULT_MAX_OUTPUT = 64 * 1024;

export { maskSecrets };

export function describeCommand(command: string | string[]): string {
  return typeof command === "string" ? command : command.join(" ");
}

export function cannotStart(command: string | string[], why: string, secrets: readonly string[]): SpawnResult {
  return { exitCode: null, signal: null, timedOut: false, durationMs: 0, output: maskSecrets(`could not start ${describeCommand(command)}: ${why}`, secrets), truncated: false };
}

export function spawnCommand(argv: string[], opts: SpawnOptions): Promise<SpawnResult> {
  const { env, secrets } = opts;
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
      resolve({
        exitCode: null,
        signal: null,
        timedOut: false,
        durationMs: 0,
        output: `could not start ${describeCommand(opts.command)}: ${errorMessage(error)}`,
        truncated: false,
      });
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
