import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, AzureOpenAI } from "openai";
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import pRetry from "p-retry";
import { CancelledError, CrewError, ModelError, errorMessage, type ErrorContext, type ModelErrorKind } from "../errors.js";
import type { ModelClient, ModelRequest, ModelResponse, ToolCall } from "./model-client.js";
import { requestQuotaResetMs } from "./rate-limit-headers.js";
import type { LimiterSlot, RequestLimiter } from "./request-limiter.js";

/** The only module that imports `openai`: everything else speaks the ModelClient seam. */
export interface OpenAIClientOptions {
  baseURL: string;
  apiKey: string;
  /** Per attempt, not per call. */
  timeoutMs: number;
  /** Attempts after the first; a request's own `maxRetries` wins. Default 3. */
  maxRetries?: number;
  limiter?: RequestLimiter;
  /** Epoch ms when the run's time budget ends; no wait or attempt goes past it. */
  deadline?: () => number;
  azure?: { endpoint: string; apiVersion: string; deployment?: string };
  defaultHeaders?: Record<string, string>;
  /** Exponential backoff between retries when the server gives no Retry-After. Default 1000/30000 ms. */
  backoff?: { baseMs: number; maxMs: number };
}

interface FailureHint {
  retryable: boolean;
  /** What the server asked for (Retry-After), if anything. */
  retryAfterMs?: number;
}

export function createOpenAIModelClient(opts: OpenAIClientOptions): ModelClient {
  // The SDK's own retries are off: they ignore our deadline and their sleeps cannot be aborted.
  const common = { apiKey: opts.apiKey, timeout: opts.timeoutMs, maxRetries: 0, defaultHeaders: opts.defaultHeaders ?? {} };
  const client: OpenAI = opts.azure
    ? new AzureOpenAI({ ...common, endpoint: opts.azure.endpoint, apiVersion: opts.azure.apiVersion, ...(opts.azure.deployment ? { deployment: opts.azure.deployment } : {}) })
    : new OpenAI({ ...common, baseURL: opts.baseURL });
  const backoff = opts.backoff ?? { baseMs: 1000, maxMs: 30_000 };
  const redact = (text: string) => redactSecret(text, opts.apiKey);

  async function complete(request: ModelRequest): Promise<ModelResponse> {
    const startedAt = Date.now();
    const context: ErrorContext = { phase: request.phase, agent: request.agent };
    const signal = request.signal;
    const hints = new WeakMap<Error, FailureHint>();
    let attempts = 0;
    let queuedMs = 0;

    const attempt = async (attemptNumber: number, slot?: LimiterSlot): Promise<ModelResponse> => {
      queuedMs += slot?.waitedMs ?? 0;
      const deadline = opts.deadline?.();
      const remaining = deadline === undefined ? Infinity : deadline - Date.now();
      if (remaining <= 0) {
        throw new ModelError(`model call not sent: the run's time budget is used up`, { kind: "timeout", attempts: attemptNumber, context });
      }
      const timeoutMs = Math.min(opts.timeoutMs, remaining);
      // Our own guard as well as the SDK's `timeout`: the SDK's covers only the wait for headers, and a
      // server that stalls mid-body would otherwise hang the run.
      const guard = new AbortController();
      const timer = setTimeout(() => guard.abort(), timeoutMs);
      const forwardAbort = () => guard.abort();
      signal?.addEventListener("abort", forwardAbort, { once: true });
      try {
        const body = { ...request.body, stream: false } as ChatCompletionCreateParamsNonStreaming;
        const { data, request_id, response: http } = await client.chat.completions.create(body, { signal: guard.signal, timeout: timeoutMs, maxRetries: 0 }).withResponse();
        const quotaResetMs = requestQuotaResetMs(http.headers);
        if (quotaResetMs !== undefined) slot?.quotaExhausted(quotaResetMs);
        const answer = toModelResponse(data, request_id, attemptNumber, startedAt, context, redact);
        return slot ? { ...answer, queuedMs } : answer;
      } catch (error) {
        if (signal?.aborted) throw new CancelledError("model call cancelled", context, { cause: error });
        if (error instanceof ModelError) {
          hints.set(error, { retryable: error.kind === "malformed-response" });
          throw error;
        }
        const timedOut = guard.signal.aborted || error instanceof APIConnectionTimeoutError;
        const failure = timedOut
          ? {
              kind: "timeout" as const,
              retryable: true,
              detail: `no answer within ${formatSeconds(timeoutMs)}${timeoutMs < opts.timeoutMs ? " (cut short by the run's time budget)" : ""}`,
            }
          : classify(error);
        if (failure.kind === "rate-limited") slot?.throttled(failure.retryAfterMs);
        const modelError = new ModelError(
          redact(`model call failed after ${plural(attemptNumber, "attempt")}: ${failure.detail}`),
          { kind: failure.kind, ...(failure.status ? { status: failure.status } : {}), attempts: attemptNumber, context },
          { cause: safeCause(error) },
        );
        hints.set(modelError, { retryable: failure.retryable, ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}) });
        throw modelError;
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", forwardAbort);
      }
    };

    try {
      return await pRetry(
        (attemptNumber) => {
          attempts = attemptNumber;
          return opts.limiter ? opts.limiter.schedule((slot) => attempt(attemptNumber, slot), { signal, deadline: opts.deadline?.(), context }) : attempt(attemptNumber);
        },
        {
          retries: request.maxRetries ?? opts.maxRetries ?? 3,
          // p-retry counts attempts and decides; the waits are ours (Retry-After, deadline, abortable).
          minTimeout: 0,
          maxTimeout: 0,
          onFailedAttempt: async ({ error, retriesLeft, retriesConsumed }) => {
            const hint = hints.get(error);
            if (!hint?.retryable || retriesLeft <= 0) return;
            const waitMs = hint.retryAfterMs ?? backoffMs(retriesConsumed, backoff);
            const deadline = opts.deadline?.();
            if (deadline !== undefined && Date.now() + waitMs > deadline) throw pastDeadline(error as ModelError, waitMs, deadline);
            await sleep(waitMs, signal, context);
          },
          shouldRetry: ({ error }) => hints.get(error)?.retryable === true,
        },
      );
    } catch (error) {
      if (error instanceof CrewError) throw error;
      if (signal?.aborted) throw new CancelledError("model call cancelled", context, { cause: error });
      throw new ModelError(redact(`model call failed: ${errorMessage(error)}`), { kind: "connection", attempts: Math.max(1, attempts), context }, { cause: safeCause(error) });
    }
  }

  /** The SDK error is kept as the cause for debugging, unless it carries the key (an echoing server). */
  function safeCause(error: unknown): unknown {
    const apiBody = error instanceof APIError ? JSON.stringify(error.error ?? null) : "";
    const text = `${errorMessage(error)} ${apiBody}`;
    return opts.apiKey.length >= 4 && text.includes(opts.apiKey) ? new Error(redact(errorMessage(error))) : error;
  }

  function pastDeadline(error: ModelError, waitMs: number, deadline: number): ModelError {
    const left = Math.max(0, deadline - Date.now());
    return new ModelError(
      `${error.message}; the next retry would wait ${formatSeconds(waitMs)}, which exceeds the run's time budget (${formatSeconds(left)} left)`,
      { kind: error.kind, ...(error.status ? { status: error.status } : {}), attempts: error.attempts, context: error.context },
      { cause: error },
    );
  }

  return { complete };
}

function classify(error: unknown): { kind: ModelErrorKind; retryable: boolean; detail: string; status?: number; retryAfterMs?: number } {
  if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return { kind: "connection", retryable: true, detail: `${error.message}${cause}` };
  }
  if (error instanceof APIError && typeof error.status === "number") {
    const status = error.status;
    const kind: ModelErrorKind =
      status === 429 ? "rate-limited" : status === 408 ? "timeout" : status === 401 || status === 403 ? "auth" : status === 409 || status >= 500 ? "server" : "bad-request";
    let retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    // The header OpenAI's own SDK obeys: lets a server (or our scripted test model) veto or force a retry.
    const shouldRetry = error.headers?.get("x-should-retry");
    if (shouldRetry === "true") retryable = true;
    if (shouldRetry === "false") retryable = false;
    const retryAfterMs = parseRetryAfter(error.headers) ?? (status === 429 ? requestQuotaResetMs(error.headers) : undefined);
    return { kind, retryable, status, detail: `HTTP ${error.message}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (error instanceof SyntaxError) {
    return { kind: "malformed-response", retryable: true, detail: `the response body is not valid JSON (${error.message})` };
  }
  return { kind: "connection", retryable: false, detail: errorMessage(error) };
}

function toModelResponse(data: unknown, requestId: string | null, attempts: number, startedAt: number, context: ErrorContext, redact: (text: string) => string): ModelResponse {
  const completion = data as Partial<ChatCompletion> | null;
  const choice = typeof completion === "object" && completion !== null && Array.isArray(completion.choices) ? completion.choices[0] : undefined;
  if (!choice || typeof choice.message !== "object" || choice.message === null) {
    const providerError = (data as { error?: { message?: unknown } } | null)?.error?.message;
    const detail = typeof providerError === "string" ? `: ${providerError}` : typeof data === "string" ? ` (a ${data.length}-character non-JSON body)` : "";
    throw new ModelError(redact(`model call failed after ${plural(attempts, "attempt")}: the response has no choices[0].message${detail}`), {
      kind: "malformed-response",
      attempts,
      context,
    });
  }
  const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).flatMap((call) =>
    call.type === "function" ? [{ id: call.id, type: "function" as const, function: { name: call.function.name, arguments: call.function.arguments } }] : [],
  );
  const usage = completion?.usage;
  const id = requestId ?? completion?.id;
  return {
    message: { role: "assistant", content: choice.message.content ?? null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
    finishReason: choice.finish_reason ?? null,
    usage: {
      promptTokens: usage?.prompt_tokens ?? 0,
      completionTokens: usage?.completion_tokens ?? 0,
      cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    },
    model: completion?.model ?? "",
    latencyMs: Date.now() - startedAt,
    retries: attempts - 1,
    ...(id ? { requestId: id } : {}),
  };
}

/** `retry-after-ms` (OpenAI's), else `Retry-After` in seconds or as an HTTP date. */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number(headers?.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential with "equal jitter": at least half the step, so parallel agents do not retry in lockstep. */
function backoffMs(retriesConsumed: number, backoff: { baseMs: number; maxMs: number }): number {
  const step = Math.min(backoff.maxMs, backoff.baseMs * 2 ** retriesConsumed);
  return Math.round(step / 2 + Math.random() * (step / 2));
}

function sleep(ms: number, signal: AbortSignal | undefined, context: ErrorContext): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError("model call cancelled", context));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError("model call cancelled while waiting to retry", context));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Error bodies sometimes echo request headers; the key must never reach a log or a PR comment. */
function redactSecret(text: string, secret: string): string {
  const withoutKey = secret.length >= 4 ? text.split(secret).join("[redacted]") : text;
  return withoutKey.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, "$1[redacted]");
}

function formatSeconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)}s` : `${(ms / 1000).toFixed(1)}s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
