import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { requestRole } from "../core/model/transcript.js";

/**
 * A minimal OpenAI Chat Completions server on loopback. The offline demo answers from it and the tests
 * drive the real `openai` SDK against it, so its responses are real wire-format JSON, faults included.
 */
export interface ReceivedRequest {
  index: number;
  /** The parsed JSON request body. */
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  path: string;
  startedAt: number;
  /** Set when the response finished (or the connection closed). */
  endedAt?: number;
  /** The forced tool, the json_schema name, or the one non-reading tool offered with tool_choice auto/required. */
  role?: string;
}

export interface ReplyToolCall {
  id?: string;
  name: string;
  arguments: string;
}

export interface ReplyUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
}

export type Reply =
  | {
      kind: "completion";
      message: { content?: string | null; tool_calls?: ReplyToolCall[] };
      finishReason?: string;
      usage?: ReplyUsage;
      /** e.g. a provider's x-ratelimit-* headers. */
      headers?: Record<string, string>;
    }
  | { kind: "status"; status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answers until the client disconnects or the server closes. */
  | { kind: "hang" }
  /** Sent as is: malformed JSON, HTML error pages, … */
  | { kind: "raw"; status: number; body: string; contentType?: string };

export type Responder = (request: ReceivedRequest) => Reply | Promise<Reply>;

export interface ChatCompletionsServer {
  /** e.g. http://127.0.0.1:41234/v1 — what the SDK's `baseURL` takes. */
  baseURL: string;
  /** Root URL without /v1, e.g. for an Azure-style `endpoint`. */
  origin: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Rough token counts (4 characters a token) for replies that do not script their usage. */
export function estimateUsage(body: Record<string, unknown>, message?: { content?: string | null; tool_calls?: ReplyToolCall[] }): ReplyUsage {
  const promptChars = JSON.stringify(body["messages"] ?? []).length + JSON.stringify(body["tools"] ?? []).length;
  const completionChars = (message?.content ?? "").length + (message?.tool_calls ?? []).reduce((sum, call) => sum + call.name.length + call.arguments.length, 0);
  return { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.max(1, Math.ceil(completionChars / 4)), cached_tokens: 0 };
}

// The OpenAI path, plus the Azure deployment path so the SDK's AzureOpenAI client can be exercised too.
const CHAT_PATH = /^(\/v1|\/openai\/deployments\/[^/]+)\/chat\/completions$/;

export async function startChatCompletionsServer(respond: Responder, opts: { host?: string; port?: number } = {}): Promise<ChatCompletionsServer> {
  const requests: ReceivedRequest[] = [];
  const open = new Set<ServerResponse>();
  let closing = false;

  const server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    handle(req, res).catch((error: unknown) => {
      sendJson(res, 500, { error: { message: `chat-completions server failed: ${String(error)}`, type: "server_error" } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!;
    const raw = await readBody(req);
    if (req.method !== "POST" || !CHAT_PATH.test(path)) {
      sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}; only POST /v1/chat/completions`, type: "not_found" } });
      return;
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
      body = parsed as Record<string, unknown>;
    } catch (error) {
      sendJson(res, 400, { error: { message: `request body is not a JSON object: ${(error as Error).message}`, type: "invalid_request_error" } });
      return;
    }
    const role = requestRole(body);
    const received: ReceivedRequest = {
      index: requests.length,
      body,
      headers: req.headers,
      path,
      startedAt: Date.now(),
      ...(role ? { role } : {}),
    };
    requests.push(received);
    res.on("close", () => {
      received.endedAt = Date.now();
    });

    let reply: Reply;
    try {
      reply = await respond(received);
    } catch (error) {
      sendJson(res, 500, { error: { message: `responder failed: ${(error as Error).message ?? String(error)}`, type: "server_error" } }, { "x-should-retry": "false" });
      return;
    }
    if (closing) {
      res.destroy();
      return;
    }
    sendReply(res, received, reply);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;

  return {
    baseURL: `${origin}/v1`,
    origin,
    requests,
    close: async () => {
      closing = true;
      // Hanging replies keep their sockets open; end them so close() resolves.
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendReply(res: ServerResponse, request: ReceivedRequest, reply: Reply): void {
  switch (reply.kind) {
    case "hang":
      return;
    case "status":
      sendJson(res, reply.status, reply.body ?? { error: { message: `status ${reply.status}`, type: "server_error" } }, reply.headers);
      return;
    case "raw":
      res.writeHead(reply.status, { "content-type": reply.contentType ?? "application/json" });
      res.end(reply.body);
      return;
    case "completion":
      sendJson(res, 200, completionBody(request, reply), { ...reply.headers, "x-request-id": `req_${request.index}` });
  }
}

function completionBody(request: ReceivedRequest, reply: Extract<Reply, { kind: "completion" }>): Record<string, unknown> {
  const toolCalls = reply.message.tool_calls?.map((call, i) => ({
    id: call.id ?? `call_${request.index}_${i}`,
    type: "function",
    function: { name: call.name, arguments: call.arguments },
  }));
  const usage = reply.usage ?? estimateUsage(request.body, reply.message);
  const model = typeof request.body["model"] === "string" ? request.body["model"] : "local-model";
  return {
    id: `chatcmpl-${request.index}-${Math.random().toString(36).slice(2, 10)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: reply.message.content ?? null,
          refusal: null,
          ...(toolCalls && toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: reply.finishReason ?? (toolCalls && toolCalls.length > 0 ? "tool_calls" : "stop"),
      },
    ],
    usage: {
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      total_tokens: usage.prompt_tokens + usage.completion_tokens,
      prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
