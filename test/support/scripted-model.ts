import { startChatCompletionsServer, type ChatCompletionsServer, type ReceivedRequest, type Reply, type ReplyUsage } from "../../src/demo/chat-completions-server.js";
import { maxOverlap } from "./max-overlap.js";

/**
 * A scripted OpenAI-compatible model for tests: replies are queued per role (the forced tool or schema
 * name) and served in order. Anything unscripted gets a loud 500 naming the role, marked
 * `x-should-retry: false` so the client fails at once instead of retrying.
 */
export type ScriptedReply = Reply | ((request: ReceivedRequest) => Reply | Promise<Reply>);

export interface ScriptedModelOptions {
  /** Initial queues, e.g. `{ architect: [toolAnswer("architect", plan)] }`. */
  script?: Record<string, ScriptedReply[]>;
  /** Answers requests whose role has no queued reply left (instead of the 500). */
  fallback?: (request: ReceivedRequest) => Reply | Promise<Reply>;
}

export interface ScriptedModel {
  baseURL: string;
  requests: ReceivedRequest[];
  /** Queues replies for a role; chainable. */
  on(role: string, ...replies: ScriptedReply[]): ScriptedModel;
  requestsFor(role: string): ReceivedRequest[];
  /** Throws when queued replies were never asked for, or when a request found nothing scripted. */
  assertComplete(): void;
  close(): Promise<void>;
}

export async function startScriptedModel(options: ScriptedModelOptions | Record<string, ScriptedReply[]> = {}): Promise<ScriptedModel> {
  const { script = {}, fallback } = isOptions(options) ? options : { script: options, fallback: undefined };
  const queues = new Map<string, ScriptedReply[]>(Object.entries(script).map(([role, replies]) => [role, [...replies]]));
  const unscripted: string[] = [];

  const server: ChatCompletionsServer = await startChatCompletionsServer(async (request) => {
    const role = request.role ?? "(no role)";
    const next = queues.get(role)?.shift();
    if (next) return typeof next === "function" ? next(request) : next;
    if (fallback) return fallback(request);
    const message = `scripted model: no reply scripted for role "${role}" (request #${request.index}, ${queues.get(role) ? "its queue is used up" : "never scripted"})`;
    unscripted.push(message);
    return { kind: "status", status: 500, body: { error: { message, type: "scripted_model_error" } }, headers: { "x-should-retry": "false" } };
  });

  const model: ScriptedModel = {
    baseURL: server.baseURL,
    requests: server.requests,
    on(role, ...replies) {
      queues.set(role, [...(queues.get(role) ?? []), ...replies]);
      return model;
    },
    requestsFor: (role) => server.requests.filter((request) => request.role === role),
    assertComplete() {
      const left = [...queues].filter(([, replies]) => replies.length > 0).map(([role, replies]) => `${role}: ${replies.length} unused`);
      const problems = [...(left.length > 0 ? [`scripted replies not consumed (${left.join(", ")})`] : []), ...unscripted];
      if (problems.length > 0) throw new Error(problems.join("\n"));
    },
    close: () => server.close(),
  };
  return model;
}

/**
 * The role's function called with `args`; when the request asked for json_schema output instead, the
 * same object comes back as the message content, so one script serves both structured modes.
 */
export function toolAnswer(role: string, args: object, usage?: ReplyUsage): ScriptedReply {
  const argumentsJson = JSON.stringify(args);
  return (request) => {
    const format = request.body["response_format"] as { type?: string } | undefined;
    const message = format?.type === "json_schema" ? { content: argumentsJson } : { content: null, tool_calls: [{ name: role, arguments: argumentsJson }] };
    return { kind: "completion", message, ...(usage ? { usage } : {}) };
  };
}

/** Arbitrary tool calls, e.g. a read_file before the final answer. */
export function toolCalls(...calls: { name: string; args: object }[]): Reply {
  return { kind: "completion", message: { content: null, tool_calls: calls.map((call) => ({ name: call.name, arguments: JSON.stringify(call.args) })) } };
}

export function textAnswer(content: string, usage?: ReplyUsage): Reply {
  return { kind: "completion", message: { content }, ...(usage ? { usage } : {}) };
}

export const fault = {
  rateLimited: (retryAfterSeconds: number): Reply => ({
    kind: "status",
    status: 429,
    headers: { "retry-after": String(retryAfterSeconds) },
    body: { error: { message: "Rate limit reached", type: "rate_limit_error", code: "rate_limit_exceeded" } },
  }),
  serverError: (status = 500): Reply => ({ kind: "status", status, body: { error: { message: "The server had an error", type: "server_error" } } }),
  /** A 429 with OpenAI's millisecond header, for tests that must not sleep for whole seconds. */
  rateLimitedMs: (retryAfterMs: number): Reply => ({
    kind: "status",
    status: 429,
    headers: { "retry-after-ms": String(retryAfterMs) },
    body: { error: { message: "Rate limit reached", type: "rate_limit_error", code: "rate_limit_exceeded" } },
  }),
  hang: (): Reply => ({ kind: "hang" }),
  malformed: (): Reply => ({ kind: "raw", status: 200, body: '{"id": "chatcmpl-broken", "choices": [', contentType: "application/json" }),
  /** The answer was cut off by max_tokens: partial arguments and finish_reason "length". */
  truncated: (role: string, partialArgs: string): Reply => ({
    kind: "completion",
    message: { content: null, tool_calls: [{ name: role, arguments: partialArgs }] },
    finishReason: "length",
  }),
};

/** The reply, sent after `ms`: a model that takes time, so that overlapping calls can be seen at the server. */
export function slow(ms: number, reply: ScriptedReply): (request: ReceivedRequest) => Promise<Reply> {
  return async (request) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return typeof reply === "function" ? reply(request) : reply;
  };
}

/** The most requests the server was answering at one time (each from arrival until its response closed). */
export function peakInFlight(requests: readonly ReceivedRequest[]): number {
  return maxOverlap(requests.map((request) => ({ start: request.startedAt, end: request.endedAt ?? Number.POSITIVE_INFINITY })));
}

function isOptions(value: ScriptedModelOptions | Record<string, ScriptedReply[]>): value is ScriptedModelOptions {
  const keys = Object.keys(value);
  return keys.length === 0 || keys.every((key) => key === "script" || key === "fallback");
}
