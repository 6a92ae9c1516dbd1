import { afterEach, describe, expect, it } from "vitest";
import { CancelledError, ModelError } from "../../src/core/errors.js";
import { connectEndpoint, createLimiterPool } from "../../src/core/model/connect-endpoint.js";
import type { ModelRequest } from "../../src/core/model/model-client.js";
import { createOpenAIModelClient } from "../../src/core/model/openai-model-client.js";
import { createRequestLimiter, type RequestLimiter } from "../../src/core/model/request-limiter.js";
import { RunBudget } from "../../src/core/model/run-budget.js";
import { defaultConfig } from "../../src/core/config.js";
import type { ReceivedRequest, Reply } from "../../src/demo/chat-completions-server.js";
import { fault, startScriptedModel, textAnswer, type ScriptedModel } from "../support/scripted-model.js";
import { failure } from "../support/expect-failure.js";

let model: ScriptedModel | undefined;
afterEach(async () => {
  await model?.close();
  model = undefined;
});

const FAST = { baseMs: 5, maxMs: 20 };

/** A call whose role (the forced tool) the scripted model can route on. */
const request = (signal?: AbortSignal, role: "reviewer" | "tester" | "documenter" = "reviewer"): ModelRequest => ({
  agent: role,
  phase: role,
  round: 0,
  body: {
    model: "m",
    temperature: 0,
    messages: [{ role: "user", content: role }],
    tools: [{ type: "function", function: { name: role, description: role, parameters: { type: "object" } } }],
    tool_choice: { type: "function", function: { name: role } },
  },
  ...(signal ? { signal } : {}),
});

function clientFor(limiter: RequestLimiter, extra: { deadline?: () => number; maxRetries?: number } = {}) {
  return createOpenAIModelClient({ baseURL: model!.baseURL, apiKey: "sk-limiter-test", timeoutMs: 5_000, backoff: FAST, limiter, ...extra });
}

describe("request limiter", () => {
  it("lets independent calls overlap at the server, up to the concurrency cap", async () => {
    const held: ((reply: Reply) => void)[] = [];
    model = await startScriptedModel({ fallback: () => new Promise<Reply>((answer) => held.push(answer)) });
    const limiter = createRequestLimiter({ maxConcurrent: 3 });
    const client = clientFor(limiter);
    const calls = Promise.all(Array.from({ length: 7 }, () => client.complete(request())));
    const waves: number[] = [];
    for (const expected of [3, 3, 1]) {
      await until(() => held.length === expected);
      // Time for a fourth to arrive if the cap leaked; it must not.
      await new Promise((resolve) => setTimeout(resolve, 20));
      waves.push(held.length);
      for (const answer of held.splice(0)) answer(textAnswer("ok"));
    }
    const responses = await calls;
    expect(waves).toEqual([3, 3, 1]);
    expect(model.requests).toHaveLength(7);
    // The four behind the cap waited at least one held round (20 ms) in the limiter, and say so.
    expect(responses.filter((r) => (r.queuedMs ?? 0) >= 20)).toHaveLength(4);
  });

  it("after a burst of 429s pauses everyone for Retry-After, halves the calls in flight once, then recovers on successes", async () => {
    // The server holds every request until the test answers it, so what it holds at once is exactly what the
    // limiter lets through, whatever the machine's load.
    const held: { request: ReceivedRequest; answer: (reply: Reply) => void }[] = [];
    model = await startScriptedModel({ fallback: (req) => new Promise<Reply>((answer) => held.push({ request: req, answer })) });
    const limiter = createRequestLimiter({ maxConcurrent: 8 });
    const client = clientFor(limiter);
    const total = 40;
    let answered = 0;
    const calls = Promise.all(Array.from({ length: total }, () => client.complete(request()).then(() => answered++)));
    const settled = () => until(() => held.length > 0 && held.length === Math.min(limiter.stats().allowed, total - answered));

    await settled();
    expect(held.length).toBe(8);
    const pauseMs = 150;
    const throttledAt = Date.now();
    for (const { answer } of held.splice(0)) answer(fault.rateLimitedMs(pauseMs));

    // Eight 429s from one burst halve the window once (8 → 4), not eight times; nobody is sent during the pause.
    await settled();
    expect(held.length).toBe(4);
    expect(Math.min(...held.map((h) => h.request.startedAt))).toBeGreaterThanOrEqual(throttledAt + pauseMs - 5);

    // Additive increase: each round of answers lets one more through, back to the cap.
    const rounds: number[] = [];
    while (held.length > 0) {
      rounds.push(held.length);
      for (const { answer } of held.splice(0)) answer(textAnswer("ok"));
      if (answered + rounds[rounds.length - 1]! < total) await settled();
      else await calls;
    }
    await calls;
    expect(rounds.slice(0, 6)).toEqual([4, 5, 6, 7, 8, 8]);
    expect(model.requests).toHaveLength(total + 8);
    expect(limiter.stats()).toMatchObject({ allowed: 8, inFlight: 0, queued: 0 });
  });

  it("shares the provider's backoff with every run of the process against that endpoint and key, not others", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("ok") });
    model.on("reviewer", fault.rateLimitedMs(1000));
    const pool = createLimiterPool();
    const config = defaultConfig();
    const budget = new RunBudget({ tokens: 1e6, costUsd: 10, minutes: 5 });
    const endpoint = (apiKey: string) => ({ baseURL: model!.baseURL, apiKey });
    const connect = (apiKey: string) => connectEndpoint(endpoint(apiKey), pool)(budget, config);
    const runA = connect("sk-shared-key-1");
    const runB = connect("sk-shared-key-1");
    const otherKey = connect("sk-other-key-2");

    const first = runA.complete(request());
    await until(() => pool(endpoint("sk-shared-key-1"), config).stats().pausedUntil > 0);
    const pausedUntil = pool(endpoint("sk-shared-key-1"), config).stats().pausedUntil;
    // Another key is another provider account: it goes straight through while the first one is paused.
    await otherKey.complete(request(undefined, "documenter"));
    expect(Date.now()).toBeLessThan(pausedUntil);
    expect(pool(endpoint("sk-other-key-2"), config).stats().pausedUntil).toBe(0);
    await runB.complete(request(undefined, "tester"));
    await first;

    const [rateLimited, ...rest] = model.requests;
    const byRole = (role: string) => rest.find((r) => r.role === role)!;
    // The same key's second run waited for the pause, as did the first run's retry.
    expect(byRole("tester").startedAt).toBeGreaterThanOrEqual(rateLimited!.endedAt! + 995);
    expect(byRole("reviewer").startedAt).toBeGreaterThanOrEqual(rateLimited!.endedAt! + 995);
  });

  it("fails at once with a timeout when the provider's pause outlasts the run's time budget", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("ok") });
    model.on("reviewer", fault.rateLimited(60));
    const limiter = createRequestLimiter({ maxConcurrent: 8 });
    const firstRun = clientFor(limiter, { maxRetries: 0 });
    await expect(firstRun.complete(request())).rejects.toMatchObject({ kind: "rate-limited" });

    // Another run sharing the limiter, with 2 s left: it must not sit out the 60 s pause.
    const secondRun = clientFor(limiter, { deadline: () => started + 2_000 });
    const started = Date.now();
    const error = await failure(secondRun.complete(request(undefined, "tester")));
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ kind: "timeout", context: { phase: "tester", agent: "tester" } });
    expect((error as Error).message).toMatch(/asked to wait 60\.0s .*past the run's time budget/);
    expect(model.requests).toHaveLength(1);
  });

  it("stops waiting for a free slot at the run's deadline, with the typed timeout error", async () => {
    model = await startScriptedModel({ fallback: () => fault.hang() });
    const limiter = createRequestLimiter({ maxConcurrent: 1 });
    const hogging = new AbortController();
    const hog = clientFor(limiter).complete(request(hogging.signal));
    await until(() => model!.requests.length === 1);

    const deadline = Date.now() + 150;
    const error = await failure(clientFor(limiter, { deadline: () => deadline }).complete(request(undefined, "tester")));
    expect(error).toMatchObject({ kind: "timeout", context: { phase: "tester" } });
    expect((error as Error).message).toContain("time budget ran out while waiting for a free request slot");
    expect(model.requests).toHaveLength(1);
    expect(limiter.stats().inFlight).toBe(1);

    hogging.abort();
    await expect(hog).rejects.toBeInstanceOf(CancelledError);
    // The abandoned waiter left no slot behind: the next call is served.
    model.on("reviewer", textAnswer("ok"));
    await expect(clientFor(limiter).complete(request())).resolves.toMatchObject({ message: { content: "ok" } });
  });

  it("stops waiting when the caller aborts", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("ok") });
    const limiter = createRequestLimiter({ maxConcurrent: 8, requestsPerMinute: 1 }); // the second caller would wait 60 s
    await clientFor(limiter).complete(request());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(clientFor(limiter).complete(request(controller.signal))).rejects.toBeInstanceOf(CancelledError);
    expect(model.requests).toHaveLength(1);
  });

  it("holds everyone back when a success says the request quota is spent, until its reset", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("ok") });
    model.on("reviewer", { kind: "completion", message: { content: "last one" }, headers: { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "200ms" } });
    const client = clientFor(createRequestLimiter({ maxConcurrent: 8 }));
    await client.complete(request());
    await client.complete(request(undefined, "tester"));
    const [spent, next] = model.requests;
    expect(next!.startedAt).toBeGreaterThanOrEqual(spent!.endedAt! + 195);
  });

  it("keeps requests_per_minute as a hard cap, evenly spaced, when it is set", async () => {
    const limiter = createRequestLimiter({ maxConcurrent: 8, requestsPerMinute: 600 }); // one per 100 ms
    const starts: number[] = [];
    // Measured from before the calls: a late timer can only make a start later, never earlier than its slot.
    const scheduledAt = Date.now();
    await Promise.all([1, 2, 3].map(() => limiter.schedule(async () => starts.push(Date.now()))));
    starts.sort((a, b) => a - b);
    expect(starts[1]! - scheduledAt).toBeGreaterThanOrEqual(95);
    expect(starts[2]! - scheduledAt).toBeGreaterThanOrEqual(195);
  });

  it("rejects a non-positive cap or rate", () => {
    expect(() => createRequestLimiter({ maxConcurrent: 0 })).toThrow(/positive integer/);
    expect(() => createRequestLimiter({ maxConcurrent: 2, requestsPerMinute: 0 })).toThrow(/positive/);
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
