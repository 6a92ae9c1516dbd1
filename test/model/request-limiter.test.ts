import { afterEach, describe, expect, it } from "vitest";
import { CancelledError } from "../../src/core/errors.js";
import type { ModelRequest } from "../../src/core/model/model-client.js";
import { createOpenAIModelClient } from "../../src/core/model/openai-model-client.js";
import { createRequestLimiter } from "../../src/core/model/request-limiter.js";
import { startScriptedModel, textAnswer, type ScriptedModel } from "../support/scripted-model.js";

let model: ScriptedModel | undefined;
afterEach(async () => {
  await model?.close();
  model = undefined;
});

const request = (signal?: AbortSignal): ModelRequest => ({
  agent: "reviewer",
  phase: "reviewer",
  round: 0,
  body: { model: "m", temperature: 0, messages: [{ role: "user", content: "review" }] },
  ...(signal ? { signal } : {}),
});

describe("request limiter", () => {
  it("spaces calls from parallel callers sharing one limiter", async () => {
    // 600 per minute = one request every 100 ms.
    const limiter = createRequestLimiter(600);
    const starts: number[] = [];
    await Promise.all([1, 2, 3].map(() => limiter.schedule(async () => starts.push(Date.now()))));
    starts.sort((a, b) => a - b);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(95);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(95);
  });

  it("is applied to every HTTP attempt of the client", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("ok") });
    const limiter = createRequestLimiter(600);
    const client = createOpenAIModelClient({ baseURL: model.baseURL, apiKey: "k", timeoutMs: 5_000, limiter });
    const started = Date.now();
    await Promise.all([client.complete(request()), client.complete(request()), client.complete(request())]);
    const last = Math.max(...model.requests.map((r) => r.startedAt));
    expect(model.requests).toHaveLength(3);
    expect(last - started).toBeGreaterThanOrEqual(195);
  });

  it("stops waiting for a slot when the caller aborts", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("ok") });
    const limiter = createRequestLimiter(1); // one a minute: the second caller would wait 60 s
    const client = createOpenAIModelClient({ baseURL: model.baseURL, apiKey: "k", timeoutMs: 5_000, limiter });
    await client.complete(request());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(client.complete(request(controller.signal))).rejects.toBeInstanceOf(CancelledError);
    expect(model.requests).toHaveLength(1);
  });

  it("rejects a non-positive rate", () => {
    expect(() => createRequestLimiter(0)).toThrow(/positive/);
  });
});
