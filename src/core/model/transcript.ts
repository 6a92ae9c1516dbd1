import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { CancelledError, CrewError, ModelError, ReplayMismatchError, type ModelErrorKind, type Phase } from "../errors.js";
import { isRoleName, type RoleName } from "../roles/role-names.js";
import type { ModelClient, ModelRequest, ModelResponse } from "./model-client.js";

/**
 * Run transcripts: every model call of a run as JSON Lines, in the wire format (request bodies and
 * responses), so a run can be replayed offline and byte-for-byte debugged. Only request bodies are
 * stored: never headers, so never an API key.
 */
export const TRANSCRIPT_VERSION = 1;

export interface TranscriptHeader {
  type: "header";
  version: typeof TRANSCRIPT_VERSION;
  createdAt: string;
  meta: Record<string, unknown>;
}

export interface RecordedError {
  name: string;
  message: string;
  kind?: ModelErrorKind;
  status?: number;
  attempts?: number;
}

interface CallBase {
  type: "call";
  seq: number;
  agent: RoleName;
  phase: Phase;
  round: number;
  request: ModelRequest["body"];
}
export type TranscriptCall = (CallBase & { response: ModelResponse }) | (CallBase & { error: RecordedError });

export interface Transcript {
  header: TranscriptHeader;
  calls: TranscriptCall[];
}

const READING_TOOLS = new Set(["read_file", "list_files", "search"]);

/**
 * What a request asks the model to produce: the forced tool, the json_schema name, or — when the model
 * may choose — the one offered tool that is not a reading tool. Used to match replays and by the test
 * server to route scripted replies.
 */
export function requestRole(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  const choice = body["tool_choice"];
  if (isObject(choice) && isObject(choice["function"]) && typeof choice["function"]["name"] === "string") return choice["function"]["name"];
  const format = body["response_format"];
  if (isObject(format) && isObject(format["json_schema"]) && typeof format["json_schema"]["name"] === "string") return format["json_schema"]["name"];
  if (choice !== undefined && choice !== "auto" && choice !== "required") return undefined;
  const tools = Array.isArray(body["tools"]) ? body["tools"] : [];
  const names = tools.flatMap((tool: unknown) => (isObject(tool) && isObject(tool["function"]) && typeof tool["function"]["name"] === "string" ? [tool["function"]["name"]] : []));
  const producing = names.filter((name) => !READING_TOOLS.has(name));
  return producing.length === 1 ? producing[0] : undefined;
}

/** Appends one line per finished call. Lines are queued, so concurrent calls never interleave bytes. */
export class TranscriptRecorder {
  readonly file: string;
  private seq = 0;
  private queue: Promise<void> = Promise.resolve();

  private constructor(file: string) {
    this.file = file;
  }

  static async open(file: string, meta: Record<string, unknown>): Promise<TranscriptRecorder> {
    await mkdir(path.dirname(file), { recursive: true });
    const header: TranscriptHeader = { type: "header", version: TRANSCRIPT_VERSION, createdAt: new Date().toISOString(), meta: withoutSecrets(meta) };
    await writeFile(file, JSON.stringify(header) + "\n", "utf8");
    return new TranscriptRecorder(file);
  }

  recordResponse(request: ModelRequest, response: ModelResponse): Promise<void> {
    return this.append({ ...this.base(request), response });
  }

  recordError(request: ModelRequest, error: unknown): Promise<void> {
    const recorded: RecordedError =
      error instanceof ModelError
        ? { name: error.name, message: error.message, kind: error.kind, attempts: error.attempts, ...(error.status ? { status: error.status } : {}) }
        : { name: error instanceof Error ? error.name : "Error", message: error instanceof Error ? error.message : String(error) };
    return this.append({ ...this.base(request), error: recorded });
  }

  /** Resolves when every line recorded so far is on disk. */
  flush(): Promise<void> {
    return this.queue;
  }

  private base(request: ModelRequest): CallBase {
    this.seq += 1;
    return { type: "call", seq: this.seq, agent: request.agent, phase: request.phase, round: request.round, request: request.body };
  }

  private append(entry: TranscriptCall): Promise<void> {
    const line = JSON.stringify(entry) + "\n";
    const written = this.queue.then(() => appendFile(this.file, line, "utf8"));
    // A failed write fails its own call but must not stop later lines from being written.
    this.queue = written.catch(() => undefined);
    return written;
  }
}

/** Passes calls through to `inner` and records each outcome. */
export class RecordingModelClient implements ModelClient {
  constructor(
    private readonly inner: ModelClient,
    private readonly recorder: TranscriptRecorder,
  ) {}

  async complete(request: ModelRequest): Promise<ModelResponse> {
    let response: ModelResponse;
    try {
      response = await this.inner.complete(request);
    } catch (error) {
      // A cancelled call says nothing about the model; replaying it would be meaningless.
      if (!(error instanceof CancelledError)) await this.recorder.recordError(request, error);
      throw error;
    }
    await this.recorder.recordResponse(request, response);
    return response;
  }
}

export async function readTranscript(file: string): Promise<Transcript> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CrewError(`cannot read transcript ${file}: ${(error as Error).message}`, { path: file });
  }
  const lines = text.split("\n");
  const fail = (line: number, reason: string): never => {
    throw new CrewError(`transcript ${file}, line ${line}: ${reason}`, { path: file });
  };
  const parseLine = (index: number): Record<string, unknown> => {
    let value: unknown;
    try {
      value = JSON.parse(lines[index]!);
    } catch (error) {
      return fail(index + 1, `not valid JSON (${(error as Error).message})`);
    }
    return isObject(value) ? value : fail(index + 1, "expected a JSON object");
  };

  if (!lines[0]?.trim()) fail(1, "empty file, expected a transcript header");
  const header = parseLine(0);
  if (header["type"] !== "header" || header["version"] !== TRANSCRIPT_VERSION) {
    fail(1, `expected a version ${TRANSCRIPT_VERSION} transcript header, got ${JSON.stringify(header).slice(0, 80)}`);
  }
  const calls: TranscriptCall[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]!.trim()) continue;
    const entry = parseLine(i);
    const agent = entry["agent"];
    if (entry["type"] !== "call" || typeof agent !== "string" || !isRoleName(agent)) fail(i + 1, "expected a call entry with a known agent");
    if (!isObject(entry["request"]) || !(isObject(entry["response"]) || isObject(entry["error"]))) fail(i + 1, "a call needs a request and a response or an error");
    calls.push(entry as unknown as TranscriptCall);
  }
  calls.sort((a, b) => a.seq - b.seq);
  return { header: header as unknown as TranscriptHeader, calls };
}

/**
 * Answers from a transcript without any network. Calls are matched per agent by position (the n-th
 * developer call gets the n-th recorded developer call), because parallel phases may interleave
 * differently from the recorded run; the request's role must still match what was recorded.
 */
export class ReplayModelClient implements ModelClient {
  private readonly byAgent = new Map<RoleName, TranscriptCall[]>();
  private readonly served = new Map<RoleName, number>();

  constructor(
    transcript: Transcript,
    private readonly source = "the transcript",
  ) {
    for (const call of transcript.calls) {
      const list = this.byAgent.get(call.agent) ?? [];
      list.push(call);
      this.byAgent.set(call.agent, list);
    }
  }

  static async fromFile(file: string): Promise<ReplayModelClient> {
    return new ReplayModelClient(await readTranscript(file), file);
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const context = { phase: request.phase, agent: request.agent };
    if (request.signal?.aborted) throw new CancelledError("model call cancelled", context);
    const index = this.served.get(request.agent) ?? 0;
    const recorded = this.byAgent.get(request.agent) ?? [];
    const call = recorded[index];
    if (!call) {
      throw new ReplayMismatchError(`${this.source} has ${recorded.length} call(s) for agent "${request.agent}", but the run asked for call #${index + 1}`, context);
    }
    const wanted = requestRole(request.body);
    const had = requestRole(call.request);
    if (wanted !== had) {
      throw new ReplayMismatchError(
        `call #${index + 1} of agent "${request.agent}" in ${this.source} was recorded for ${describeRole(had)}, but the run asked for ${describeRole(wanted)}`,
        context,
      );
    }
    this.served.set(request.agent, index + 1);
    if ("error" in call) {
      const { kind = "connection", status, attempts, message } = call.error;
      throw new ModelError(message, { kind, ...(status ? { status } : {}), ...(attempts ? { attempts } : {}), context });
    }
    return structuredClone(call.response);
  }
}

function describeRole(role: string | undefined): string {
  return role ? `"${role}"` : "a free-form answer";
}

// Config and meta are ours, but a caller may pass an object that carries credentials; keep them out.
const SECRET_KEY = /(api[-_]?key|authorization|secret|password|^token$|access[-_]?token|bearer)/i;

function withoutSecrets(value: Record<string, unknown>): Record<string, unknown> {
  const clean = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(clean);
    if (!isObject(item)) return item;
    return Object.fromEntries(
      Object.entries(item)
        .filter(([key, inner]) => !(SECRET_KEY.test(key) && typeof inner === "string"))
        .map(([key, inner]) => [key, clean(inner)]),
    );
  };
  return clean(value) as Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
