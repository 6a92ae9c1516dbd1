import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { CancelledError, errorMessage } from "../errors.js";

/**
 * Runs a repository's own commands (tests, linters): code the crew did not write and must not trust. The
 * command gets its own process group so that everything it starts can be stopped together, an
 * environment without credentials, and a bounded share of memory for its output.
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
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** stdout and stderr interleaved; head and tail kept when over the cap, with a marker between. */
  output: string;
  truncated: boolean;
}

/** Time between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2_000;
/** How long to wait for the pipes after the command exited: a daemon that left the group may hold them. */
const DRAIN_MS = 1_000;
const DEFAULT_MAX_OUTPUT = 64 * 1024;
/** Shorter "secrets" would mask ordinary words all over the output. */
const MIN_SECRET_LENGTH = 4;

const DROPPED_NAMES = new Set(["GITHUB_TOKEN", "GH_TOKEN", "OPENAI_API_KEY", "OPENROUTER_API_KEY", "AZURE_OPENAI_API_KEY", "ANTHROPIC_API_KEY"]);

function isCredentialName(name: string): boolean {
  const upper = name.toUpperCase();
  return (
    DROPPED_NAMES.has(upper) ||
    upper.startsWith("INPUT_") ||
    upper.startsWith("ACTIONS_") ||
    (upper.startsWith("CODEGEN_") && upper.includes("KEY")) ||
    upper.endsWith("_TOKEN") ||
    upper.endsWith("_API_KEY") ||
    upper.endsWith("_PRIVATE_KEY") ||
    upper.endsWith("_ACCESS_KEY") ||
    upper.includes("SECRET") ||
    upper.includes("PASSWORD")
  );
}

function usableSecrets(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
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

/** Replaces each secret with ***; `edges` also masks a secret cut in half at the start or end of the text. */
export function maskSecrets(text: string, secrets: readonly string[], edges: { start?: boolean; end?: boolean } = {}): string {
  let result = text;
  for (const secret of usableSecrets(secrets)) {
    result = result.split(secret).join("***");
    for (let n = secret.length - 1; n >= MIN_SECRET_LENGTH; n -= 1) {
      if (edges.end && result.endsWith(secret.slice(0, n))) result = `${result.slice(0, -n)}***`;
      if (edges.start && result.startsWith(secret.slice(-n))) result = `***${result.slice(n)}`;
    }
  }
  return result;
}

/** Keeps the first and last halves of the byte budget; everything between is counted, not stored. */
class OutputCollector {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  private readonly headCap: number;
  private readonly tailCap: number;

  constructor(maxBytes: number) {
    this.headCap = Math.floor(maxBytes / 2);
    this.tailCap = maxBytes - this.headCap;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headBytes < this.headCap) {
      const take = chunk.subarray(0, this.headCap - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes - (this.tail[0]?.length ?? 0) >= this.tailCap) this.tailBytes -= this.tail.shift()!.length;
  }

  render(secrets: readonly string[]): { output: string; truncated: boolean } {
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.tailCap) tail = tail.subarray(tail.length - this.tailCap);
    const omitted = this.total - this.headBytes - tail.length;
    const head = Buffer.concat(this.head).toString("utf8");
    if (omitted <= 0) return { output: maskSecrets(head + tail.toString("utf8"), secrets), truncated: false };
    const marker = `\n[… ${omitted} bytes of output omitted; the start and the end are shown …]\n`;
    const output = maskSecrets(head, secrets, { end: true }) + marker + maskSecrets(tail.toString("utf8"), secrets, { start: true });
    return { output, truncated: true };
  }
}

export function describeCommand(command: string | string[]): string {
  return typeof command === "string" ? command : command.join(" ");
}

export function runProcess(opts: RunProcessOptions): Promise<ProcessResult> {
  const secrets = opts.secrets ?? [];
  const env = { ...scrubEnvironment(opts.env ?? process.env, secrets), CI: "true", GIT_TERMINAL_PROMPT: "0" };
  const [file, args] = typeof opts.command === "string" ? ["/bin/sh", ["-c", opts.command]] : [opts.command[0] ?? "", opts.command.slice(1)];
  const collector = new OutputCollector(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT);
  const started = Date.now();

  return new Promise<ProcessResult>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new CancelledError(`cancelled before running ${describeCommand(opts.command)}`));
      return;
    }
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawn(file, args, { cwd: opts.cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      // Invalid arguments (an empty argv) throw synchronously instead of emitting "error".
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
        output: failure ? `${output}${output ? "\n" : ""}${failure}` : output,
        truncated,
      });
    };

    child.stdout.on("data", (chunk: Buffer) => collector.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => collector.push(chunk));
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
  });
}
