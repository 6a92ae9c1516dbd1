import { StringDecoder } from "node:string_decoder";

/**
 * How a command's output is kept: a capped head and tail for the report, secrets masked, and a line
 * stream over the whole output for the readers (failure names, test discovery) that must not miss the
 * middle of a long run.
 */

/** Shorter "secrets" would mask ordinary words all over the output. */
const MIN_SECRET_LENGTH = 4;
/** A "line" longer than this (minified code, a progress bar without newlines) is handed over in pieces. */
const MAX_LINE_CHARS = 64 * 1024;

export function usableSecrets(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
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
export class OutputCollector {
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

/** Splits one stream into lines (UTF-8 safe across chunks) and hands each, masked, to `onLine`. */
export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly secrets: readonly string[],
  ) {}

  push(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
    let newline = this.pending.indexOf("\n");
    while (newline !== -1) {
      this.emit(this.pending.slice(0, newline).replace(/\r$/, ""));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf("\n");
    }
    while (this.pending.length > MAX_LINE_CHARS) {
      this.emit(this.pending.slice(0, MAX_LINE_CHARS));
      this.pending = this.pending.slice(MAX_LINE_CHARS);
    }
  }

  end(): void {
    this.pending += this.decoder.end();
    if (this.pending) this.emit(this.pending);
    this.pending = "";
  }

  private emit(line: string): void {
    try {
      this.onLine(maskSecrets(line, this.secrets));
    } catch {
      // A reader's bug must not break the command run; the reader just misses this line.
    }
  }
}
