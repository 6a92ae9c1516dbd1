import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createEvalProgressPrinter } from "../../src/cli/eval-progress.js";
import type { TaskResult } from "../../src/core/eval/results-schema.js";

function stream(tty: { isTTY: boolean; columns?: number }): { out: NodeJS.WriteStream; text(): string } {
  const chunks: string[] = [];
  const out = new PassThrough() as unknown as NodeJS.WriteStream;
  Object.assign(out, tty);
  (out as unknown as PassThrough).on("data", (c: Buffer) => chunks.push(c.toString()));
  return { out, text: () => chunks.join("") };
}

const result = (id: string, status: TaskResult["status"], error: string | null = null): TaskResult => ({
  instance_id: id,
  status,
  fail_to_pass: { passed: [], failed: [], missing: [] },
  pass_to_pass: { passed: [], failed: [], missing: [] },
  result: status === "error" ? null : "ready",
  model_calls: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  cost_usd: 0,
  wall_seconds: 1,
  repair_rounds: 0,
  error,
});

describe("eval progress", () => {
  it("prints a line per task with done, resolved, tokens and cost when stderr is not a terminal", async () => {
    const s = stream({ isTTY: false });
    const printer = createEvalProgressPrinter(2, s.out, Date.now());
    printer.onEvent({ type: "task-start", id: "a", running: 1 });
    printer.onEvent({ type: "usage", tokens: 12_345, costUsd: 0.0123 });
    printer.onEvent({ type: "task-end", result: result("a", "resolved"), done: 1, resolved: 1, total: 2 });
    printer.onEvent({ type: "task-start", id: "b", running: 1 });
    printer.onEvent({ type: "task-end", result: result("b", "error", "the task is not sound at base_commit: …"), done: 2, resolved: 1, total: 2 });
    printer.stop();
    await new Promise((r) => setImmediate(r));
    const lines = s.text().split("\n");
    expect(lines[0]).toBe("… a");
    expect(lines[1]).toMatch(/^✔ a resolved \(crew: ready\) · 1\/2 done · 1 resolved · 12,345 tokens · \$0\.0123 · \d+s$/);
    expect(lines[3]).toMatch(/^! b error: the task is not sound at base_commit: … · 2\/2 done · 1 resolved/);
    expect(s.text()).not.toContain("\x1b[");
  });
});
