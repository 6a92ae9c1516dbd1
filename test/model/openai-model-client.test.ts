import { afterEach, describe, expect, it, vi } from "vitest";
import { CancelledError, ModelError } from "../../src/core/errors.js";
import type { ModelRequest } from "../../src/core/model/model-client.js";
import { createOpenAIModelClient, parseRetryAfter, type OpenAIClientOptions } from "../../src/core/model/openai-model-client.js";
import { startChatCompletionsServer, type ChatCompletionsServer, type Reply } from "../../src/demo/chat-completions-server.js";
import { fault, startScriptedModel, textAnswer, toolAnswer, type ScriptedModel } from "../support/scripted-model.js";
import { failure } from "../support/expect-failure.js";

const API_KEY = "sk-test-SECRET-0123456789abcdef";
const FAST = { baseMs: 5, maxMs: 20 };

let model: ScriptedModel | undefined;
let server: ChatCompletionsServer | undefined;
afterEach(async () => {
  await model?.close();
  await server?.close();
  model = undefined;
  server = undefined;
});

function request(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return {
    agent: "developer",
    phase: "developer",
    round: 0,
    body: {
      model: "gpt-4o-mini",
      temperature: 0,
      messages: [{ role: "user", content: "write the patch" }],
      tools: [{ type: "function", function: { name: "submit_patch", description: "the patch", parameters: { type: "object" } } }],
      tool_choice: { type: "function", function: { name: "submit_patch" } },
    },
    ...overrides,
  };
}

function client(baseURL: string, overrides: Partial<OpenAIClientOptions> = {}) {
  return createOpenAIModelClient({ baseURL, apiKey: API_KEY, timeoutMs: 5_000, backoff: FAST, ...overrides });
}

describe("OpenAI model client", () => {
  it("returns the tool call, usage with cached tokens and the request id", async () => {
    model = await startScriptedModel();
    model.on("submit_patch", toolAnswer("submit_patch", { files: [] }, { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 100 }));
    const response = await client(model.baseURL).complete(request());
    expect(response.message.tool_calls?.[0]?.function).toEqual({ name: "submit_patch", arguments: '{"files":[]}' });
    expect(response.finishReason).toBe("tool_calls");
    expect(response.usage).toEqual({ promptTokens: 120, completionTokens: 30, cachedTokens: 100 });
    expect(response.retries).toBe(0);
    expect(response.requestId).toBe("req_0");
    expect(response.model).toBe("gpt-4o-mini");
    expect(model.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    model.assertComplete();
  });

  it("waits as long as Retry-After asks after a 429, then succeeds", async () => {
    model = await startScriptedModel();
    model.on("submit_patch", fault.rateLimited(1), textAnswer("ok"));
    const response = await client(model.baseURL).complete(request());
    expect(response.message.content).toBe("ok");
    expect(response.retries).toBe(1);
    const [first, second] = model.requests;
    expect(second!.startedAt - first!.endedAt!).toBeGreaterThanOrEqual(950);
    expect(response.latencyMs).toBeGreaterThanOrEqual(950);
  });

  it("retries server errors with backoff", async () => {
    model = await startScriptedModel();
    model.on("submit_patch", fault.serverError(500), fault.serverError(503), textAnswer("ok"));
    const response = await client(model.baseURL).complete(request());
    expect(response.retries).toBe(2);
    expect(model.requests).toHaveLength(3);
  });

  it("gives up with kind server after maxRetries, saying how many attempts it made", async () => {
    model = await startScriptedModel({ fallback: () => fault.serverError(502) });
    const error = await failure(client(model.baseURL, { maxRetries: 2 }).complete(request()));
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: "server", status: 502, attempts: 3, context: { phase: "developer", agent: "developer" } });
    expect((error as Error).message).toContain("3 attempts");
    expect(model.requests).toHaveLength(3);
  });

  it("a request's own maxRetries overrides the client default", async () => {
    model = await startScriptedModel({ fallback: () => fault.serverError(500) });
    await failure(client(model.baseURL, { maxRetries: 3 }).complete(request({ maxRetries: 0 })));
    expect(model.requests).toHaveLength(1);
  });

  it("times out a hanging server per attempt, retries, then fails with kind timeout", async () => {
    model = await startScriptedModel({ fallback: () => fault.hang() });
    const error = await failure(client(model.baseURL, { timeoutMs: 200, maxRetries: 1 }).complete(request()));
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: "timeout", attempts: 2 });
    expect(model.requests).toHaveLength(2);
    // The client hung up on each hanging request.
    await vi.waitFor(() => expect(model!.requests.map((r) => r.endedAt !== undefined)).toEqual([true, true]), { timeout: 2_000 });
  });

  it("retries a malformed (non-JSON) body", async () => {
    model = await startScriptedModel();
    model.on("submit_patch", fault.malformed(), textAnswer("fine"));
    const response = await client(model.baseURL).complete(request());
    expect(response.message.content).toBe("fine");
    expect(response.retries).toBe(1);
  });

  it("reports a body that stays malformed as malformed-response", async () => {
    model = await startScriptedModel({ fallback: () => ({ kind: "raw", status: 200, body: "<html>bad gateway</html>", contentType: "text/html" }) });
    const error = await failure(client(model.baseURL, { maxRetries: 1 }).complete(request()));
    expect(error).toMatchObject({ kind: "malformed-response", attempts: 2 });
  });

  it("does not retry a 400", async () => {
    model = await startScriptedModel();
    model.on("submit_patch", { kind: "status", status: 400, body: { error: { message: "tool_choice is not supported", type: "invalid_request_error" } } });
    const error = await failure(client(model.baseURL).complete(request()));
    expect(error).toMatchObject({ kind: "bad-request", status: 400, attempts: 1 });
    expect((error as Error).message).toContain("tool_choice is not supported");
    expect(model.requests).toHaveLength(1);
  });

  it("fails at once when Retry-After would pass the run's deadline", async () => {
    model = await startScriptedModel();
    model.on("submit_patch", fault.rateLimited(30));
    const started = Date.now();
    const error = await failure(client(model.baseURL, { deadline: () => started + 2_000 }).complete(request()));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: "rate-limited", status: 429, attempts: 1 });
    expect((error as Error).message).toMatch(/exceeds the run's time budget/);
    expect(model.requests).toHaveLength(1);
  });

  it("cuts an attempt short at the run's deadline instead of waiting for the per-call timeout", async () => {
    model = await startScriptedModel({ fallback: () => fault.hang() });
    const started = Date.now();
    const error = await failure(client(model.baseURL, { timeoutMs: 30_000, deadline: () => started + 300 }).complete(request()));
    expect(error).toMatchObject({ kind: "timeout" });
    expect((error as Error).message).toMatch(/time budget/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("honours retry-after-ms and Retry-After as an HTTP date", () => {
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(parseRetryAfter(new Headers({ "retry-after": "2" }))).toBe(2000);
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter(new Headers({ "retry-after": "Wed, 01 Jan 2025 00:00:05 GMT" }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }))).toBeUndefined();
  });

  it("cancels a hanging call when the signal aborts", async () => {
    model = await startScriptedModel({ fallback: () => fault.hang() });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(client(model.baseURL).complete(request({ signal: controller.signal })));
    expect(error).toBeInstanceOf(CancelledError);
    expect(model.requests).toHaveLength(1);
  });

  it("cancels during the wait before a retry", async () => {
    model = await startScriptedModel({ fallback: () => fault.rateLimited(30) });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 150);
    const error = await failure(client(model.baseURL).complete(request({ signal: controller.signal })));
    expect(error).toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(model.requests).toHaveLength(1);
  });

  it("never puts the API key in an error message, even when the server echoes it", async () => {
    server = await startChatCompletionsServer((req): Reply => ({
      kind: "status",
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${String(req.headers.authorization)}` } },
    }));
    const error = await failure(client(server.baseURL).complete(request()));
    expect(error).toMatchObject({ kind: "auth", status: 401, attempts: 1 });
    expect((error as Error).message).toContain("Incorrect API key provided");
    expect((error as Error).message).not.toContain(API_KEY);
    expect(JSON.stringify(error)).not.toContain(API_KEY);
    expect(String((error as Error).cause)).not.toContain(API_KEY);
    expect(JSON.stringify((error as Error).cause)).not.toContain(API_KEY);
  });

  it("reports a refused connection as kind connection after retrying", async () => {
    server = await startChatCompletionsServer(() => textAnswer("never"));
    const baseURL = server.baseURL;
    await server.close();
    server = undefined;
    const error = await failure(client(baseURL, { maxRetries: 1 }).complete(request()));
    expect(error).toMatchObject({ kind: "connection", attempts: 2 });
  });

  it("fails fast on an unscripted role, naming it", async () => {
    model = await startScriptedModel();
    const error = await failure(client(model.baseURL).complete(request()));
    expect((error as Error).message).toContain('no reply scripted for role "submit_patch"');
    expect(model.requests).toHaveLength(1);
    expect(() => model!.assertComplete()).toThrow(/submit_patch/);
  });

  it("talks to Azure deployments through AzureOpenAI", async () => {
    model = await startScriptedModel();
    model.on("submit_patch", textAnswer("from azure"));
    const origin = model.baseURL.replace(/\/v1$/, "");
    const azure = client("", { azure: { endpoint: origin, apiVersion: "2024-10-21", deployment: "crew-gpt" } });
    const response = await azure.complete(request());
    expect(response.message.content).toBe("from azure");
    expect(model.requests[0]!.path).toBe("/openai/deployments/crew-gpt/chat/completions");
    expect(model.requests[0]!.headers["api-key"]).toBe(API_KEY);
  });
});
