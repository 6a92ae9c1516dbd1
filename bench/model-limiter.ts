// The model request limiter against the scripted OpenAI-protocol server, through the real client and
// `connectEndpoint` (the path every entry point takes). Usage: npm run bench (or import and pass `row`).
import { defaultConfig, type CrewConfig } from "../src/core/config.js";
import { connectEndpoint, createLimiterPool } from "../src/core/model/connect-endpoint.js";
import type { ModelRequest } from "../src/core/model/model-client.js";
import { RunBudget } from "../src/core/model/run-budget.js";
import { fault, peakInFlight, slow, startScriptedModel, textAnswer } from "../test/support/scripted-model.js";

type Row = (name: string, value: string) => void;

const call = (role: string): ModelRequest => ({
  agent: "reviewer",
  phase: "reviewer",
  round: 0,
  body: {
    model: "bench",
    temperature: 0,
    messages: [{ role: "user", content: role }],
    tools: [{ type: "function", function: { name: role, description: role, parameters: { type: "object" } } }],
    tool_choice: { type: "function", function: { name: role } },
  },
});

const budget = () => new RunBudget({ tokens: 1e9, costUsd: 1e6, minutes: 10 });

/** Two runs at once, each at its parallel phases (tester ∥ reviewer ∥ documenter), sharing the process's limiter. */
async function parallelPhases(row: Row, label: string, config: CrewConfig): Promise<void> {
  const latencyMs = 300;
  const model = await startScriptedModel({ fallback: slow(latencyMs, textAnswer("ok")) });
  try {
    const connect = connectEndpoint({ baseURL: model.baseURL, apiKey: "sk-bench" }, createLimiterPool());
    const runs = [connect(budget(), config), connect(budget(), config)];
    const started = performance.now();
    await Promise.all(runs.flatMap((run) => ["tester", "reviewer", "documenter"].map((role) => run.complete(call(role)))));
    const wall = performance.now() - started;
    row(`model limiter, ${label}: calls in flight at most, 2 runs × 3 parallel phases (target ≥ 2)`, String(peakInFlight(model.requests)));
    row(`model limiter, ${label}: wall for those 6 calls at ${latencyMs} ms each`, `${Math.round(wall)} ms`);
  } finally {
    await model.close();
  }
}

/**
 * Sixteen callers keep the limiter busy for 4 s; the server answers 429 (retry-after-ms 500) to every request
 * that arrives between 1.0 and 1.3 s. Answered calls per second before, during and after show the pause and the
 * recovery; the allowed concurrency sampled every 250 ms shows the halving and the additive increase.
 */
async function recoveryAfter429s(row: Row): Promise<void> {
  const latencyMs = 100;
  const burst = { from: 1000, to: 1300, retryAfterMs: 500 };
  const endAt = 4000;
  let t0 = 0;
  const model = await startScriptedModel({
    fallback: async (request) => {
      const at = request.startedAt - t0;
      return at >= burst.from && at < burst.to ? slow(latencyMs, fault.rateLimitedMs(burst.retryAfterMs))(request) : slow(latencyMs, textAnswer("ok"))(request);
    },
  });
  try {
    const endpoint = { baseURL: model.baseURL, apiKey: "sk-bench" };
    const pool = createLimiterPool();
    const config = defaultConfig();
    const run = connectEndpoint(endpoint, pool)(budget(), config);
    const limiter = pool(endpoint, config);
    const allowed: number[] = [];
    t0 = Date.now();
    const sampler = setInterval(() => allowed.push(limiter.stats().allowed), 250);
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() - t0 < endAt) await run.complete(call("worker"));
      }),
    );
    clearInterval(sampler);
    const answered = model.requests.filter((r) => r.endedAt !== undefined && !(r.startedAt - t0 >= burst.from && r.startedAt - t0 < burst.to));
    const rate = (from: number, to: number) => (answered.filter((r) => r.endedAt! - t0 >= from && r.endedAt! - t0 < to).length / (to - from)) * 1000;
    const throttled = model.requests.filter((r) => !answered.includes(r));
    const firstThrottled = Math.min(...throttled.map((r) => r.endedAt ?? Number.POSITIVE_INFINITY));
    const nextAnswered = Math.min(...answered.filter((r) => r.endedAt! > firstThrottled).map((r) => r.endedAt!));
    row(`model limiter: 429s in the burst (requests arriving 1.0–1.3 s; retry-after 500 ms, cap 8, ${latencyMs} ms model)`, String(throttled.length));
    row("model limiter: answered calls/s before the burst (0.2–1.0 s)", rate(200, 1000).toFixed(0));
    row("model limiter: from the first 429 to the next answered call (≥ retry-after + one model latency)", `${nextAnswered - firstThrottled} ms`);
    row("model limiter: answered calls/s after recovery (3–4 s)", rate(3000, 4000).toFixed(0));
    row("model limiter: calls allowed in flight, every 250 ms", allowed.join(" "));
  } finally {
    await model.close();
  }
}

export default async function modelLimiter(row: Row): Promise<void> {
  await parallelPhases(row, "default (cap 8)", defaultConfig());
  await parallelPhases(row, "requests_per_minute: 60 (the old default)", { ...defaultConfig(), requests_per_minute: 60 });
  await recoveryAfter429s(row);
}
