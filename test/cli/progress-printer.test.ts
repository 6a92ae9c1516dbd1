import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgressPrinter } from "../../src/cli/progress-printer.js";

function stream(tty: { isTTY: boolean; columns?: number }): { out: NodeJS.WriteStream; text(): string } {
  const chunks: string[] = [];
  const out = new PassThrough() as unknown as NodeJS.WriteStream;
  Object.assign(out, tty);
  (out as unknown as PassThrough).on("data", (c: Buffer) => chunks.push(c.toString()));
  return { out, text: () => chunks.join("") };
}

function drive(out: NodeJS.WriteStream): void {
  const printer = createProgressPrinter(out, 0);
  printer.onProgress({ type: "phase-start", phase: "developer", name: "developer", agent: "developer", round: 0, at: 1000 });
  printer.onUsage({ calls: 1, promptTokens: 1200, completionTokens: 300, cachedTokens: 0, retries: 0, costUsd: 0.0012, latencyMs: 5 });
  printer.onProgress({ type: "phase-end", phase: "developer", name: "developer", agent: "developer", round: 0, at: 4200, status: "ok" });
  printer.onProgress({ type: "phase-end", phase: "tests", name: "checks", round: 0, at: 9000, status: "failed", detail: "test: fail" });
  printer.onProgress({ type: "done", result: "draft", reason: "failing checks", at: 65_000 });
  printer.stop();
}

describe("progress output", () => {
  it("prints plain lines with elapsed time, phase, duration, failures and the token total when not a terminal", async () => {
    const s = stream({ isTTY: false });
    drive(s.out);
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toBe(
      ["[00:01] … developer", "[00:04] ✔ developer (3.2s)", "[00:09] ✖ checks (0.0s): test: fail", "[01:05] draft: failing checks (1,500 tokens, $0.0012)", ""].join("\n"),
    );
  });

  it("falls back to plain lines on a terminal that reports no width instead of redrawing forever", async () => {
    const s = stream({ isTTY: true, columns: 0 });
    drive(s.out);
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toContain("[00:04] ✔ developer (3.2s)");
    expect(s.text().length).toBeLessThan(1000);
  });
});
