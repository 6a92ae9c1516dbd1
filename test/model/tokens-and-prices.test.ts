import { readFileSync } from "node:fs";
import { countTokens as countWhole } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { estimateCostUsd, findPrice, isPriced, mergePrices } from "../../src/core/model/pricing.js";
import { countMessageTokens, countTokens, countTokensOfEach, messageTokenCeiling, tokenCeiling, tokenPieces } from "../../src/core/model/token-count.js";

describe("token counting", () => {
  it("counts text, including special-token lookalikes from untrusted input", async () => {
    expect(await countTokens("")).toBe(0);
    expect(await countTokens("hello world")).toBe(2);
    expect(await countTokens("ignore <|endoftext|> this")).toBeGreaterThan(3);
  });

  it("estimates huge strings from a sample, close to the exact count", async () => {
    const line = "export function add(a: number, b: number): number { return a + b; }\n";
    const huge = line.repeat(6_000); // ~400k characters
    const perLine = (await countTokens(line.repeat(100))) / 100;
    expect(await countTokens(huge)).toBeGreaterThan(perLine * 6_000 * 0.9);
    expect(await countTokens(huge)).toBeLessThan(perLine * 6_000 * 1.1);
  });

  it("counts long text in pieces, within a fraction of a percent of counting it whole", async () => {
    const source = readFileSync(new URL("../../src/core/checks/sandbox.ts", import.meta.url), "utf8").repeat(4);
    const whole = countWhole(source, { disallowedSpecial: new Set() });
    expect(Math.abs((await countTokens(source)) - whole)).toBeLessThan(whole * 0.005);
    const emoji = "🙂".repeat(3_000); // no whitespace: pieces are cut hard, never inside a surrogate pair
    expect(Math.abs((await countTokens(emoji)) - countWhole(emoji))).toBeLessThan(countWhole(emoji) * 0.01);
    expect(tokenPieces(emoji).every((piece) => !/[\uD800-\uDBFF]$/.test(piece))).toBe(true);
  });

  // Merging one 200,000-character "word" at once takes about 20 s (BPE is quadratic in a word's length):
  // a hostile issue body must not stall the run. The timeout bounds liveness; counting in pieces takes well under a second.
  it("counts a huge word from untrusted text without stalling", { timeout: 10_000 }, async () => {
    expect(await countTokens("x".repeat(200_000))).toBeGreaterThan(10_000);
  });

  it("counts messages with per-message overhead and tool call arguments", async () => {
    const plain = await countMessageTokens([{ role: "user", content: "fix it" }]);
    expect(plain).toBeGreaterThan(await countTokens("fix it"));
    const withCall = await countMessageTokens([
      { role: "user", content: "fix it" },
      { role: "assistant", content: null, tool_calls: [{ id: "1", type: "function", function: { name: "read_file", arguments: '{"path":"src/a.ts"}' } }] },
      { role: "tool", tool_call_id: "1", content: "export const a = 1;" },
    ]);
    expect(withCall).toBeGreaterThan(plain + (await countTokens('{"path":"src/a.ts"}')));
  });

  it("counts several texts in one exchange, each as if counted alone", async () => {
    const texts = ["hello world", "", "export const a = 1;\n".repeat(500), "🙂 ok"];
    const alone = await Promise.all(texts.map((text) => countTokens(text)));
    expect(await countTokensOfEach(texts)).toEqual(alone);
    const short = texts.filter((text) => text.length < 2_000);
    expect(await countTokensOfEach(short)).toEqual(short.map((text) => countWhole(text, { disallowedSpecial: new Set() })));
  });
});

describe("token ceilings", () => {
  // Budgets and the repository context trust a ceiling that fits as if it were the count: it must never be below.
  it("are never below the count, whatever the script, and close for none of them", async () => {
    const source = readFileSync(new URL("../../src/core/checks/sandbox.ts", import.meta.url), "utf8");
    const texts = [
      "",
      "a",
      "hello world",
      source,
      "    ".repeat(500),
      "日本語のテキストを数える",
      "🙂👍🏽 émigré naïve",
      "x".repeat(5_000),
      "ignore <|endoftext|> this",
      "\u0000\t\r\n",
    ];
    const counts = await countTokensOfEach(texts);
    texts.forEach((text, i) => expect(tokenCeiling(text), JSON.stringify(text.slice(0, 20))).toBeGreaterThanOrEqual(counts[i]!));
    // Code runs about four bytes a token: the ceiling is loose, which is why near a limit the count decides.
    expect(tokenCeiling(source)).toBeGreaterThan(2.5 * counts[3]!);
  });

  it("bound a conversation's count, overhead and tool calls included", async () => {
    const messages = [
      { role: "system" as const, content: "You are the developer." },
      { role: "user" as const, content: "fix it: 日本語" },
      { role: "assistant" as const, content: null, tool_calls: [{ id: "1", type: "function" as const, function: { name: "read_file", arguments: '{"path":"src/a.ts"}' } }] },
      { role: "tool" as const, tool_call_id: "1", content: "export const a = 1;\n".repeat(50) },
    ];
    expect(messageTokenCeiling(messages)).toBeGreaterThanOrEqual(await countMessageTokens(messages));
  });
});

describe("pricing", () => {
  it("prices the default models and dated snapshots", () => {
    for (const model of ["deepseek/deepseek-chat", "deepseek-chat", "deepseek/deepseek-chat-v3-0324", "openai/gpt-4o-mini", "gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini"]) {
      expect(isPriced(model), model).toBe(true);
    }
    expect(findPrice("gpt-4o-mini-2024-07-18")).toEqual(findPrice("gpt-4o-mini"));
  });

  it("charges cached prompt tokens at the cached rate", () => {
    const usage = { promptTokens: 1_000_000, completionTokens: 1_000_000, cachedTokens: 0 };
    expect(estimateCostUsd("gpt-4.1", usage)).toBeCloseTo(2 + 8);
    expect(estimateCostUsd("gpt-4.1", { ...usage, cachedTokens: 1_000_000 })).toBeCloseTo(0.5 + 8);
  });

  it("lets config prices override and extend the table; unknown models cost 0 and are not priced", () => {
    const prices = mergePrices({ "gpt-4o": { input: 1, output: 1 }, "my/local": { input: 0, output: 0 } });
    expect(estimateCostUsd("gpt-4o", { promptTokens: 1_000_000, completionTokens: 0, cachedTokens: 500_000 }, prices)).toBeCloseTo(1);
    expect(isPriced("my/local", prices)).toBe(true);
    expect(isPriced("mystery-model", prices)).toBe(false);
    expect(estimateCostUsd("mystery-model", { promptTokens: 10, completionTokens: 10, cachedTokens: 0 }, prices)).toBe(0);
  });
});
