import { Worker } from "node:worker_threads";
import { CrewError } from "../errors.js";

/**
 * The o200k tokenizer lives on a worker thread. Building its tables is one synchronous ~0.5 s block (and
 * about 70 MB); on the main thread it stalled whatever else the run was doing — git, the checks' processes,
 * GitHub requests. On its own thread counting never blocks the event loop. It starts with the first count
 * (most runs need none: token-count.ts `tokenCeiling`), ends after a quiet spell and starts again on the next.
 */

/** Beside this module in the sources; beside the bundle (dist/token-worker.mjs) once built. */
const WORKER_URL = new URL("./token-worker.mjs", import.meta.url);
const IDLE_MS = 30_000;

type Reply = { ready: true } | { loadError: string } | { id: number; counts: number[] } | { id: number; error: string };

interface Pending {
  resolve(counts: number[]): void;
  reject(error: Error): void;
}

class TokenizerThread {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private waiters = 0;
  dead = false;

  constructor() {
    this.worker = new Worker(WORKER_URL);
    let markReady!: () => void;
    let failReady!: (error: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // The failure is reported to every count that waits for the tables, not as an unhandled rejection.
    this.ready.catch(() => undefined);
    this.worker.on("message", (reply: Reply) => {
      if ("ready" in reply) return markReady();
      if ("loadError" in reply) return this.fail(new CrewError(`the tokenizer could not load: ${reply.loadError}`), failReady);
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if ("error" in reply) waiting.reject(new CrewError(`token counting failed: ${reply.error}`));
      else waiting.resolve(reply.counts);
    });
    this.worker.on("error", (error) => this.fail(new CrewError(`the tokenizer thread failed: ${error.message}`, {}, { cause: error }), failReady));
    this.worker.on("exit", (code) => this.fail(new CrewError(`the tokenizer thread exited (code ${code})`), failReady));
    // An idle thread must not keep a finished process alive; a count someone awaits must.
    // After the listeners: adding a "message" listener refs the worker's port again.
    this.worker.unref();
    this.armIdleTimer();
  }

  whenReady(): Promise<void> {
    return this.held(() => this.ready);
  }

  /** Token counts of each piece, in order. */
  count(pieces: string[]): Promise<number[]> {
    return this.held(async () => {
      await this.ready;
      if (this.dead) throw new CrewError("the tokenizer thread is gone");
      const id = this.nextId++;
      return new Promise<number[]>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.worker.postMessage({ id, pieces });
      });
    });
  }

  /** Keeps the process alive (and the thread from idling out) while a caller awaits the thread. */
  private async held<T>(work: () => Promise<T>): Promise<T> {
    if (this.waiters++ === 0) {
      this.worker.ref();
      clearTimeout(this.idleTimer);
    }
    try {
      return await work();
    } finally {
      if (--this.waiters === 0 && !this.dead) {
        this.worker.unref();
        this.armIdleTimer();
      }
    }
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop(), IDLE_MS).unref();
  }

  private stop(): void {
    if (this.waiters > 0 || this.dead) return;
    this.dead = true;
    void this.worker.terminate();
  }

  private fail(error: CrewError, failReady: (error: Error) => void): void {
    this.dead = true;
    clearTimeout(this.idleTimer);
    failReady(error);
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

let thread: TokenizerThread | undefined;

/** The live tokenizer thread, started (again) on demand. */
export function tokenizerThread(): TokenizerThread {
  if (!thread || thread.dead) thread = new TokenizerThread();
  return thread;
}
