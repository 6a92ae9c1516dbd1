import type { ModelPrice } from "../config.js";
import type { TokenUsage } from "./model-client.js";

/**
 * List prices in USD per million tokens, as published by the providers around October 2025. Prices
 * change: a repository can override or add models with `prices:` in its config, and a model missing
 * from both tables is reported as "cost unknown" rather than guessed.
 *
 * The OpenRouter ids (`vendor/model`) are OpenRouter's own prices, which vary with the upstream
 * provider it routes to; these are its typical listed figures.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  // DeepSeek's own API (V3.2 pricing from 2025-09-29): cache hits are a tenth of a miss.
  "deepseek-chat": { input: 0.28, output: 0.42, cached_input: 0.028 },
  // OpenRouter.
  "deepseek/deepseek-chat": { input: 0.3, output: 0.85 },
  "deepseek/deepseek-chat-v3-0324": { input: 0.24, output: 0.84 },
  "openai/gpt-4o-mini": { input: 0.15, output: 0.6, cached_input: 0.075 },
  "openai/gpt-4o": { input: 2.5, output: 10, cached_input: 1.25 },
  "openai/gpt-4.1": { input: 2, output: 8, cached_input: 0.5 },
  "openai/gpt-4.1-mini": { input: 0.4, output: 1.6, cached_input: 0.1 },
  // OpenAI.
  "gpt-4o-mini": { input: 0.15, output: 0.6, cached_input: 0.075 },
  "gpt-4o": { input: 2.5, output: 10, cached_input: 1.25 },
  "gpt-4.1": { input: 2, output: 8, cached_input: 0.5 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, cached_input: 0.1 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, cached_input: 0.025 },
};

/** The default table with the config's `prices` on top (config wins). */
export function mergePrices(configPrices: Record<string, ModelPrice> = {}): Record<string, ModelPrice> {
  return { ...DEFAULT_PRICES, ...configPrices };
}

/**
 * Exact id first, then case-insensitive, then without a dated snapshot suffix: APIs answer with
 * "gpt-4o-mini-2024-07-18" for a request for "gpt-4o-mini".
 */
export function findPrice(model: string, prices: Record<string, ModelPrice> = DEFAULT_PRICES): ModelPrice | undefined {
  if (Object.hasOwn(prices, model)) return prices[model];
  const lower = model.toLowerCase();
  const undated = lower.replace(/-\d{4}-\d{2}-\d{2}$/, "");
  for (const [name, price] of Object.entries(prices)) {
    const key = name.toLowerCase();
    if (key === lower || key === undated) return price;
  }
  return undefined;
}

export function isPriced(model: string, prices: Record<string, ModelPrice> = DEFAULT_PRICES): boolean {
  return findPrice(model, prices) !== undefined;
}

/** USD for one call; 0 for an unknown model (check `isPriced` to tell "free" from "unknown"). */
export function estimateCostUsd(model: string, usage: TokenUsage, prices: Record<string, ModelPrice> = DEFAULT_PRICES): number {
  const price = findPrice(model, prices);
  if (!price) return 0;
  const cached = Math.min(usage.cachedTokens, usage.promptTokens);
  const uncached = usage.promptTokens - cached;
  const cachedRate = price.cached_input ?? price.input;
  return (uncached * price.input + cached * cachedRate + usage.completionTokens * price.output) / 1_000_000;
}
