import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { gitEnv } from "./git-run.js";

/**
 * One long-lived `git cat-file --batch-command` per bare repository, so that REST reads cost a line on a
 * pipe instead of a git process each (the test process is big: every spawn of it is expensive). Objects are
 * immutable, and git looks for packs it does not know yet when an object is missing, so objects pushed
 * after the process started are found. Refs are not read here (ref-files.ts reads them fresh).
 */
export type ObjectType = "commit" | "tag" | "tree" | "blob";

export interface ObjectInfo {
  sha: string;
  type: ObjectType;
  size: number;
}

export interface ObjectContents extends ObjectInfo {
  content: Buffer;
}

interface Pending {
  command: "info" | "contents";
  resolve(value: ObjectContents | ObjectInfo | undefined): void;
  reject(error: Error): void;
}

/** A full object name, optionally peeled (`<sha>^{commit}`): nothing else reaches the batch's stdin. */
const OBJECT_NAME = /^[0-9a-f]{40}(\^\{(commit|tree)\})?$/;
const CLOSE_GRACE_MS = 2_000;

export class ObjectReader {
  private child: ChildProcessWithoutNullStreams | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly pending: Pending[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the oldest answer needs in all (set once its header said how big it is), so a big blob is joined once. */
  private awaiting = 0;
  private closed = false;

  constructor(private readonly gitDir: string) {}

  /** Type and size of an object (peeled first for `<sha>^{commit}`), or undefined when there is none. */
  info(name: string): Promise<ObjectInfo | undefined> {
    return this.request("info", name) as Promise<ObjectInfo | undefined>;
  }

  contents(name: string): Promise<ObjectContents | undefined> {
    return this.request("contents", name) as Promise<ObjectContents | undefined>;
  }

  /** Starts the batch process now rather than on the first read: GitHub's first read is no slower than its others. */
  warm(): void {
    if (!this.child && !this.closed) this.start();
  }

  /** Ends the batch process (EOF on its stdin) and waits for it to exit; later requests are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), CLOSE_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private request(command: Pending["command"], name: string): Promise<ObjectContents | ObjectInfo | undefined> {
    if (!OBJECT_NAME.test(name)) return Promise.reject(new Error(`GitHub stand-in: ${JSON.stringify(name)} is not a full object name`));
    if (this.closed) return Promise.reject(new Error(`GitHub stand-in: the object reader of ${this.gitDir} is closed`));
    const child = this.child ?? this.start();
    return new Promise((resolve, reject) => {
      this.pending.push({ command, resolve, reject });
      child.stdin.write(`${command} ${name}\n`);
    });
  }

  private start(): ChildProcessWithoutNullStreams {
    // Without --buffer, --batch-command flushes its answer after every command.
    const child = spawn("git", ["--git-dir", this.gitDir, "cat-file", "--batch-command"], { env: gitEnv(), stdio: ["pipe", "pipe", "pipe"] });
    const stderr: Buffer[] = [];
    this.child = child;
    this.exited = new Promise((resolve) => child.once("close", () => resolve()));
    child.stdout.on("data", (chunk: Buffer) => this.receive(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on("error", () => undefined); // the process died; "close" rejects what is pending
    const fail = (reason: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.chunks = [];
      this.buffered = 0;
      this.awaiting = 0;
      const error = new Error(`GitHub stand-in: git cat-file --batch-command in ${this.gitDir} ${reason}: ${Buffer.concat(stderr).toString("utf8").trim()}`);
      for (const request of this.pending.splice(0)) request.reject(error);
    };
    child.on("error", (error) => fail(`could not start (${error.message})`));
    child.on("close", (code) => fail(`exited with ${code}`));
    return child;
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.pending.length > 0 && this.answerOne()) this.pending.shift();
  }

  /** Settles the oldest request when its whole answer is buffered; false while more bytes are due. */
  private answerOne(): boolean {
    const request = this.pending[0]!;
    if (this.buffered < this.awaiting) return false;
    const buffer = this.peek();
    const newline = buffer.indexOf(10);
    if (newline < 0) return false;
    const header = buffer.subarray(0, newline).toString("utf8");
    const parsed = /^([0-9a-f]{40}) (commit|tag|tree|blob) (\d+)$/.exec(header);
    if (!parsed) {
      // `<name> missing` (or `ambiguous`): no such object.
      this.consume(newline + 1);
      request.resolve(undefined);
      return true;
    }
    const info: ObjectInfo = { sha: parsed[1]!, type: parsed[2] as ObjectType, size: Number(parsed[3]) };
    if (request.command === "info") {
      this.consume(newline + 1);
      request.resolve(info);
      return true;
    }
    // The contents follow the header, then a newline.
    const end = newline + 1 + info.size;
    if (buffer.length < end + 1) {
      this.awaiting = end + 1;
      return false;
    }
    const content = Buffer.from(buffer.subarray(newline + 1, end));
    this.consume(end + 1);
    request.resolve({ ...info, content });
    return true;
  }

  private peek(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private consume(length: number): void {
    const rest = this.peek().subarray(length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    this.awaiting = 0;
  }
}
