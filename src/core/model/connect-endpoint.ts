import { createHash } from "node:crypto";
import type { CrewConfig } from "../config.js";
import type { ModelEndpoint } from "./endpoint.js";
import type { ConnectModel } from "./model-client.js";
import { createOpenAIModelClient } from "./openai-model-client.js";
import { ProviderBackoff } from "./provider-backoff.js";
import { createRequestLimiter, type RequestLimiter } from "./request-limiter.js";

export type { ConnectModel } from "./model-client.js";

export type LimiterSettings = Pick<CrewConfig, "max_concurrent_requests" | "requests_per_minute">;
export type LimiterPool = (endpoint: ModelEndpoint, settings: LimiterSettings) => RequestLimiter;

/**
 * Limiters for the whole process. Every run against one provider (endpoint and key) shares what the provider
 * said: its 429s slow all of them down, and its successes open the way again for all. Runs whose configs set
 * different caps get their own limiter over that shared backoff.
 */
export function createLimiterPool(): LimiterPool {
  const backoffs = new Map<string, ProviderBackoff>();
  const limiters = new Map<string, RequestLimiter>();
  return (endpoint, settings) => {
    const provider = providerKey(endpoint);
    let backoff = backoffs.get(provider);
    if (!backoff) {
      backoff = new ProviderBackoff({ ceiling: settings.max_concurrent_requests });
      backoffs.set(provider, backoff);
    }
    const key = `${provider}\n${settings.max_concurrent_requests}\n${settings.requests_per_minute ?? ""}`;
    let limiter = limiters.get(key);
    if (!limiter) {
      limiter = createRequestLimiter({ maxConcurrent: settings.max_concurrent_requests, requestsPerMinute: settings.requests_per_minute, backoff });
      limiters.set(key, limiter);
    }
    return limiter;
  };
}

/** Providers limit per key, so the key is part of the identity; only a digest of it is kept, never the key. */
function providerKey(endpoint: ModelEndpoint): string {
  const keyDigest = createHash("sha256").update(endpoint.apiKey).digest("hex").slice(0, 16);
  return [endpoint.baseURL, endpoint.azure?.deployment ?? "", keyDigest].join("\n");
}

const processLimiters = createLimiterPool();

/** The model client every entry point uses for a run: the run's config sets timeout and limits, its budget the deadline. */
export function connectEndpoint(endpoint: ModelEndpoint, limiterFor: LimiterPool = processLimiters): ConnectModel {
  return (budget, config) =>
    createOpenAIModelClient({
      baseURL: endpoint.baseURL,
      apiKey: endpoint.apiKey,
      timeoutMs: config.model_timeout_seconds * 1000,
      limiter: limiterFor(endpoint, config),
      deadline: () => budget.deadline(),
      ...(endpoint.azure ? { azure: endpoint.azure } : {}),
    });
}
