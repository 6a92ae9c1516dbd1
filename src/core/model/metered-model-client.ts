import type { ModelPrice } from "../config.js";
import { ModelError, errorMessage } from "../errors.js";
import type { ModelClient, ModelRequest, ModelResponse, TokenUsage } from "./model-client.js";
import { estimateCostUsd, isPriced } from "./pricing.js";
import type { RunBudget } from "./run-budget.js";
import { countMessageTokens, countTokens, countTokensOfEach, messageTokenCeiling, tokenCeiling } from "./token-count.js";
import type { UsageLedger } from "./usage-ledger.js";

export interface MeteredOptions {
  budget: RunBudget;
  ledger: UsageLedger;
  /** The merged price table (pricing.ts `mergePrices`). */
  prices: Record<string, ModelPrice>;
  /** Completion size assumed for the pre-call cost estimate when the request sets no max_tokens. */
  maxCompletionTokensEstimate?: number;
}

const DEFAULT_COMPLETION_ESTIMATE = 1024;

/**
 * Budget enforcement and accounting around any ModelClient: the call that would cross a budget limit
 * is refused before it is sent, and every call that was sent (ok or not) lands in the ledger.
 */
export class MeteredModelClient implements ModelClient {
  constructor(
    private readonly inner: ModelClient,
    private readonly options: MeteredOptions,
  ) {}

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const { budget, ledger } = this.options;
    const context = { phase: request.phase, agent: request.agent };
    const model = request.body.model;
    const completionEstimate = request.body.max_tokens ?? this.options.maxCompletionTokensEstimate ?? DEFAULT_COMPLETION_ESTIMATE;
    const estimateWith = (promptTokens: number) => ({ promptTokens, costUsd: this.cost(model, { promptTokens, completionTokens: completionEstimate, cachedTokens: 0 }) });
    // The ceiling is free and usually far below the limits; the exact count is needed only near them.
    let promptEstimate: number | undefined;
    if (!budget.allows(estimateWith(promptTokenCeiling(request.body)))) {
      promptEstimate = await estimatePromptTokens(request.body);
      budget.check(estimateWith(promptEstimate), context);
    }

    const startedAt = new Date();
    let response: ModelResponse;
    try {
      response = await this.inner.complete(request);
    } catch (error) {
      ledger.record({
        ...callIdentity(request, startedAt),
        latencyMs: Date.now() - startedAt.getTime(),
        promptTokens: 0,
        completionTokens: 0,
        cachedTokens: 0,
        retries: error instanceof ModelError ? Math.max(0, error.attempts - 1) : 0,
        costUsd: 0,
        ok: false,
        error: errorMessage(error),
      });
      throw error;
    }

    // Some OpenAI-compatible servers omit usage; count our estimate rather than let the budget see 0.
    const usage: TokenUsage =
      response.usage.promptTokens > 0 || response.usage.completionTokens > 0
        ? response.usage
        : {
            promptTokens: promptEstimate ?? (await estimatePromptTokens(request.body)),
            completionTokens: await countTokens(answerText(response)),
            cachedTokens: 0,
          };
    const costUsd = this.cost(isPriced(model, this.options.prices) ? model : response.model, usage);
    budget.add(usage.promptTokens + usage.completionTokens, costUsd);
    ledger.record({
      ...callIdentity(request, startedAt),
      latencyMs: response.latencyMs,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      cachedTokens: usage.cachedTokens,
      retries: response.retries,
      ...(response.queuedMs !== undefined ? { queuedMs: response.queuedMs } : {}),
      costUsd,
      ok: true,
    });
    return response;
  }

  private cost(model: string, usage: TokenUsage): number {
    return estimateCostUsd(model, usage, this.options.prices);
  }
}

/** The fields that say which call a ledger record is about, the same whether it succeeded or failed. */
function callIdentity(request: ModelRequest, startedAt: Date) {
  return { agent: request.agent, phase: request.phase, round: request.round, model: request.body.model, startedAt: startedAt.toISOString() };
}

/** Messages plus the tool and schema definitions, which providers bill as prompt tokens too. */
export async function estimatePromptTokens(body: ModelRequest["body"]): Promise<number> {
  const [messages, others] = await Promise.all([countMessageTokens(body.messages), countTokensOfEach(definitionTexts(body))]);
  return messages + others.reduce((a, b) => a + b, 0);
}

/** `estimatePromptTokens`'s ceiling (token-count.ts `tokenCeiling`), without the tokenizer. */
export function promptTokenCeiling(body: ModelRequest["body"]): number {
  return messageTokenCeiling(body.messages) + definitionTexts(body).reduce((sum, text) => sum + tokenCeiling(text), 0);
}

function definitionTexts(body: ModelRequest["body"]): string[] {
  return [body.tools, body.response_format].filter((part) => part !== undefined).map((part) => JSON.stringify(part));
}

function answerText(response: ModelResponse): string {
  const calls = response.message.tool_calls ?? [];
  return (response.message.content ?? "") + calls.map((call) => call.function.name + call.function.arguments).join("");
}
