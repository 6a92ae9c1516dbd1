import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ModelRequest } from "../../src/core/model/model-client.js";
import { createOpenAIModelClient } from "../../src/core/model/openai-model-client.js";
import { estimateCostUsd } from "../../src/core/model/pricing.js";
import { CachingModelClient, cacheKey } from "../../src/core/model/response-cache.js";
import { fault, startScriptedModel, textAnswer, type ScriptedModel } from "../support/scripted-model.js";

let dir: string;
let model: ScriptedModel | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "crew-cache-"));
});
afterEach(async () => {
  await model?.close();
  model = undefined;
  await rm(dir, { recursive: true, force: true });
});

const request = (content: string, temperature = 0): ModelRequest => ({
  agent: "documenter",
  phase: "documenter",
  round: 0,
  body: { model: "gpt-4o", temperature, messages: [{ role: "user", content }] },
});

describe("response cache", () => {
  it("answers a repeated request from disk without calling the server, at ~no cost", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("docs", { prompt_tokens: 1000, completion_tokens: 200 }) });
    const inner = createOpenAIModelClient({ baseURL: model.baseURL, apiKey: "k", timeoutMs: 5_000 });
    const cache = new CachingModelClient({ dir, inner });
    const first = await cache.complete(request("document it"));
    const second = await cache.complete(request("document it"));
    expect(model.requests).toHaveLength(1);
    expect(second.message).toEqual(first.message);
    expect(second.latencyMs).toBe(0);
    expect(second.usage).toEqual({ promptTokens: 1000, cachedTokens: 1000, completionTokens: 0 });
    // Only the prompt, at the provider's cached rate: nothing was generated this time.
    expect(estimateCostUsd("gpt-4o", second.usage)).toBeCloseTo((1000 * 1.25) / 1e6, 10);

    await cache.complete(request("document it", 0.7));
    await cache.complete(request("something else"));
    expect(model.requests).toHaveLength(3);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("does not cache a truncated answer, and treats a damaged entry as a miss", async () => {
    model = await startScriptedModel();
    model.on("(no role)", fault.truncated("x", '{"a":'), textAnswer("full"), textAnswer("again"));
    const cache = new CachingModelClient({ dir, inner: createOpenAIModelClient({ baseURL: model.baseURL, apiKey: "k", timeoutMs: 5_000 }) });
    expect((await cache.complete(request("q"))).finishReason).toBe("length");
    expect((await cache.complete(request("q"))).message.content).toBe("full");
    await writeFile(path.join(dir, `${cacheKey(request("q").body)}.json`), "{broken");
    expect((await cache.complete(request("q"))).message.content).toBe("again");
    model.assertComplete();
  });

  it("keys on content, not on property order", () => {
    const a = request("same").body;
    const b = { messages: a.messages, temperature: a.temperature, model: a.model };
    expect(cacheKey(b)).toBe(cacheKey(a));
  });
});
