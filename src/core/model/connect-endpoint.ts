import type { ModelEndpoint } from "./endpoint.js";
import type { ConnectModel } from "./model-client.js";
import { createOpenAIModelClient } from "./openai-model-client.js";
import { createRequestLimiter, type RequestLimiter } from "./request-limiter.js";

export type { ConnectModel } from "./model-client.js";

/**
 * One request limiter per rate for the whole process: concurrent runs against one provider must stay under
 * its requests-per-minute together, not each on its own.
 */
export function createLimiterPool(): (requestsPerMinute: number) => RequestLimiter {
  const limiters = new Map<number, RequestLimiter>();
  return (requestsPerMinute) => {
    let limiter = limiters.get(requestsPerMinute);
    if (!limiter) {
      limiter = createRequestLimiter(requestsPerMinute);
      limiters.set(requestsPerMinute, limiter);
    }
    return limiter;
  };
}

const processLimiters = createLimiterPool();

/** The model client every entry point uses for a run: the run's config sets timeout and rate, its budget the deadline. */
export function connectEndpoint(endpoint: ModelEndpoint, limiterFor: (requestsPerMinute: number) => RequestLimiter = processLimiters): ConnectModel {
  return (budget, config) =>
    createOpenAIModelClient({
      baseURL: endpoint.baseURL,
      apiKey: endpoint.apiKey,
      timeoutMs: config.model_timeout_seconds * 1000,
      limiter: limiterFor(config.requests_per_minute),
      deadline: () => budget.deadline(),
      ...(endpoint.azure ? { azure: endpoint.azure } : {}),
    });
}
