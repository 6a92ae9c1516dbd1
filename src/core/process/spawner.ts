import { execFile, spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { createInterface } from "node:readline";

/**
 * Short commands (git, chown) started by a small helper process instead of by the bot itself. Starting a
 * process copies the parent's page tables and blocks its event loop meanwhile: ~20 ms from the ~180 MB bot
 * process, ~9 ms from a ~40 MB one (`npm run bench`, last row), dozens of times a run. The helper is one node
 * process, started on first use, that runs `execFile` for us and answers with the result; its own
 * environment is empty (each request carries the environment of its command). Until it says it is ready
 * (node's own start takes ~40 ms of CPU, at a run's busiest moment), and should it fail, commands are
 * started here as before: the first ones — the clone — never wait for it.
 */

export interface ExecRequest {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  maxBuffer: number;
}

export interface ExecOutcome {
  /** The exit code; null when the process did not exit by itself (killed, failed to start). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not exit by itself: "timed out", or the start error's message. */
  failure?: string;
}

const HELPER = `
const { execFile } = require("node:child_process");
const { createInterface } = require("node:readline");
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const { id, file, args, cwd, env, timeoutMs, maxBuffer } = JSON.parse(line);
  execFile(file, args, { cwd, env, timeout: timeoutMs, maxBuffer, encoding: "utf8" }, (error, stdout, stderr) => {
    const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
    const failure = error && code === null ? (error.killed ? "timed out" : error.message) : undefined;
    process.stdout.write(JSON.stringify({ id, code, stdout, stderr, failure }) + "\\n");
  });
});
lines.on("close", () => process.exit(0));
process.stdout.write('{"ready":true}\\n');
`;

type HelperProcess = ChildProcessByStdio<Writable, Readable, null>;

interface Pending {
  resolve(outcome: ExecOutcome): void;
  request: ExecRequest;
}

class Spawner {
  private child: HelperProcess | undefined;
  private ready = false;
  private broken = false;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  run(request: ExecRequest): Promise<ExecOutcome> {
    const child = this.broken ? undefined : (this.child ?? this.start());
    if (!child || !this.ready) return execHere(request);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, request });
      // Only while something is pending does the helper keep this process alive.
      if (this.pending.size === 1) this.hold(true);
      child.stdin.write(`${JSON.stringify({ id, ...request })}\n`);
    });
  }

  private start(): HelperProcess | undefined {
    try {
      const child = spawn(process.execPath, ["-e", HELPER], { env: {}, stdio: ["pipe", "pipe", "ignore"] });
      this.child = child;
      createInterface({ input: child.stdout }).on("line", (line) => this.answer(line));
      child.stdin.on("error", () => this.fail());
      child.on("error", () => this.fail());
      child.on("exit", () => this.fail());
      // When nothing else is left to do, the helper is ended and waited for (reaped, its CPU counted with
      // ours): no process outlives the bot (GitHub's runner reports such orphans when the job ends).
      process.once("beforeExit", () => {
        if (this.child !== child || this.pending.size > 0) return;
        this.broken = true;
        child.ref();
        child.stdin.end();
      });
      this.hold(false);
      return child;
    } catch {
      this.broken = true;
      return undefined;
    }
  }

  private answer(line: string): void {
    const { id, ready, ...outcome } = JSON.parse(line) as ExecOutcome & { id: number; ready?: true; failure?: string | null };
    if (ready) {
      this.ready = true;
      return;
    }
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.hold(false);
    entry.resolve({ code: outcome.code, stdout: outcome.stdout, stderr: outcome.stderr, ...(outcome.failure ? { failure: outcome.failure } : {}) });
  }

  /** The helper is gone: what it had not answered is started here, and so is everything after. */
  private fail(): void {
    if (this.broken) return;
    this.broken = true;
    this.ready = false;
    this.child = undefined;
    const left = [...this.pending.values()];
    this.pending.clear();
    for (const entry of left) void execHere(entry.request).then(entry.resolve);
  }

  private hold(keepAlive: boolean): void {
    const child = this.child;
    if (!child) return;
    for (const handle of [child, child.stdout, child.stdin] as { ref?(): void; unref?(): void }[]) {
      if (keepAlive) handle.ref?.();
      else handle.unref?.();
    }
  }
}

function execHere(request: ExecRequest): Promise<ExecOutcome> {
  return new Promise((resolve) => {
    execFile(
      request.file,
      request.args,
      { cwd: request.cwd, env: request.env, timeout: request.timeoutMs, maxBuffer: request.maxBuffer, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === "number" ? ((error as { code: number }).code as number) : null) : 0;
        resolve({ code, stdout, stderr, ...(error && code === null ? { failure: error.killed ? "timed out" : error.message } : {}) });
      },
    );
  });
}

const spawner = new Spawner();

/** `execFile` with a timeout and an output cap, started by the helper process (or here, when it is gone). */
export function execShort(request: ExecRequest): Promise<ExecOutcome> {
  return spawner.run(request);
}
