import { afterEach, describe, expect, it } from "vitest";
import { BudgetExceededError, ModelError } from "../../src/core/errors.js";
import { MeteredModelClient, estimatePromptTokens, promptTokenCeiling } from "../../src/core/model/metered-model-client.js";
import type { ModelRequest } from "../../src/core/model/model-client.js";
import { createOpenAIModelClient } from "../../src/core/model/openai-model-client.js";
import { mergePrices } from "../../src/core/model/pricing.js";
import { RunBudget } from "../../src/core/model/run-budget.js";
import { UsageLedger } from "../../src/core/model/usage-ledger.js";
import type { CallRecord, UsageTotals } from "../../src/core/report/run-report.js";
import type { RoleName } from "../../src/core/roles/role-names.js";
import { fault, startScriptedModel, textAnswer, type ScriptedModel } from "../support/scripted-model.js";
import { failure } from "../support/expect-failure.js";

let model: ScriptedModel | undefined;
afterEach(async () => {
  await model?.close();
  model = undefined;
});

function request(agent: RoleName, content = "hello", modelName = "gpt-4o-mini"): ModelRequest {
  return {
    agent,
    phase: agent,
    round: 0,
    body: {
      model: modelName,
      temperature: 0,
      messages: [{ role: "user", content }],
      response_format: { type: "json_schema", json_schema: { name: agent, schema: { type: "object" } } },
    },
  };
}

function setup(baseURL: string, limits: { tokens: number; costUsd: number; minutes: number }, onRecord?: (call: CallRecord, totals: UsageTotals) => void) {
  const budget = new RunBudget(limits);
  const ledger = new UsageLedger(onRecord ? { onRecord } : {});
  const inner = createOpenAIModelClient({ baseURL, apiKey: "sk-test", timeoutMs: 5_000, maxRetries: 2, backoff: { baseMs: 5, maxMs: 10 } });
  const metered = new MeteredModelClient(inner, { budget, ledger, prices: mergePrices({ "local/free": { input: 0, output: 0 } }) });
  return { budget, ledger, metered };
}

describe("metered model client", () => {
  it("never sends the call that would exceed the token budget", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("{}", { prompt_tokens: 900, completion_tokens: 50 }) });
    const { metered, budget } = setup(model.baseURL, { tokens: 1_000, costUsd: 100, minutes: 10 });
    await metered.complete(request("architect"));
    expect(budget.used().tokens).toBe(950);

    const error = await failure(metered.complete(request("developer", "a prompt long enough to need more than fifty tokens ".repeat(10))));
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ limit: "tokens", max: 1_000, context: { agent: "developer" } });
    expect(model.requests).toHaveLength(1);
  });

  // Byte ceilings decide far from the limits; near them the call is judged by its token count, not its bytes.
  it("sends a call whose bytes would cross the token budget but whose tokens do not", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("{}", { prompt_tokens: 10, completion_tokens: 5 }) });
    const prompt = "export const answer = computeTheAnswer(41) + 1;\n".repeat(30);
    const tokens = await estimatePromptTokens(request("developer", prompt).body);
    expect(promptTokenCeiling(request("developer", prompt).body)).toBeGreaterThan(2 * tokens);
    const roomy = setup(model.baseURL, { tokens: tokens + 5, costUsd: 100, minutes: 10 });
    await roomy.metered.complete(request("developer", prompt));
    const tight = setup(model.baseURL, { tokens: tokens - 5, costUsd: 100, minutes: 10 });
    expect(await failure(tight.metered.complete(request("developer", prompt)))).toMatchObject({ limit: "tokens", used: tokens, max: tokens - 5 });
    expect(model.requests).toHaveLength(1);
  });

  it("never sends the call that would exceed the cost budget", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("{}") });
    // gpt-4o: $10 per million output tokens; the default completion estimate alone is ~$0.01.
    const { metered } = setup(model.baseURL, { tokens: 1_000_000, costUsd: 0.001, minutes: 10 });
    const error = await failure(metered.complete(request("architect", "hi", "gpt-4o")));
    expect(error).toMatchObject({ name: "BudgetExceededError", limit: "cost_usd" });
    expect(model.requests).toHaveLength(0);
  });

  it("refuses calls once the time budget is over", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("{}") });
    let now = 0;
    const budget = new RunBudget({ tokens: 1e6, costUsd: 10, minutes: 1 }, () => now);
    const metered = new MeteredModelClient(createOpenAIModelClient({ baseURL: model.baseURL, apiKey: "sk-test", timeoutMs: 5_000 }), {
      budget,
      ledger: new UsageLedger(),
      prices: mergePrices(),
    });
    expect(budget.deadline()).toBe(60_000);
    now = 60_001;
    expect(budget.remainingMs()).toBe(0);
    await expect(metered.complete(request("architect"))).rejects.toMatchObject({ limit: "minutes" });
    expect(model.requests).toHaveLength(0);
  });

  it("adds actual usage and cost to the budget and the ledger", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("{}", { prompt_tokens: 1_000_000, completion_tokens: 100_000, cached_tokens: 500_000 }) });
    const { metered, budget, ledger } = setup(model.baseURL, { tokens: 10_000_000, costUsd: 100, minutes: 10 });
    await metered.complete(request("architect"));
    // gpt-4o-mini: 500k uncached × $0.15 + 500k cached × $0.075 + 100k output × $0.60 per million.
    const expected = 0.075 + 0.0375 + 0.06;
    expect(budget.used().costUsd).toBeCloseTo(expected, 10);
    expect(budget.used().tokens).toBe(1_100_000);
    expect(ledger.calls()[0]).toMatchObject({ agent: "architect", model: "gpt-4o-mini", promptTokens: 1_000_000, cachedTokens: 500_000, ok: true });
    expect(ledger.calls()[0]!.costUsd).toBeCloseTo(expected, 10);
  });

  it("aggregates usage per agent and records failed calls with their retries", async () => {
    model = await startScriptedModel({ fallback: () => textAnswer("{}", { prompt_tokens: 100, completion_tokens: 10 }) });
    model.on("tester", fault.serverError(500), fault.serverError(500), fault.serverError(500));
    const seen: number[] = [];
    const { metered, ledger } = setup(model.baseURL, { tokens: 1e6, costUsd: 10, minutes: 10 }, (_call, totals) => seen.push(totals.calls));
    await metered.complete(request("architect"));
    await metered.complete(request("developer"));
    await metered.complete(request("developer", "again", "local/free"));
    const error = await failure(metered.complete(request("tester")));
    expect(error).toBeInstanceOf(ModelError);

    const agents = ledger.byAgent();
    expect(agents.map((a) => a.agent)).toEqual(["architect", "developer", "tester"]);
    expect(agents[1]).toMatchObject({ calls: 2, promptTokens: 200, completionTokens: 20, models: ["gpt-4o-mini", "local/free"] });
    expect(agents[2]).toMatchObject({ calls: 1, promptTokens: 0, retries: 2, costUsd: 0 });
    expect(ledger.calls()[3]).toMatchObject({ ok: false, error: expect.stringContaining("HTTP 500") });
    expect(ledger.totals()).toMatchObject({ calls: 4, promptTokens: 300, completionTokens: 30, retries: 2 });
    expect(seen).toEqual([1, 2, 3, 4]);
  });
});
