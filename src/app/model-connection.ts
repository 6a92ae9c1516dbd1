import type { CrewConfig } from "../core/config.js";
import type { ModelClient } from "../core/model/model-client.js";
import type { ModelEndpoint } from "../core/model/endpoint.js";
import { createOpenAIModelClient } from "../core/model/openai-model-client.js";
import { createRequestLimiter, type RequestLimiter } from "../core/model/request-limiter.js";
import type { RunBudget } from "../core/model/run-budget.js";
import type { JobProgress } from "./job.js";

/**
 * The model for app jobs: the same client as the Action, with one request limiter per rate shared by all
 * jobs of this process (concurrent jobs against one provider must stay under its requests-per-minute
 * together), and every call reported as job progress.
 */
export type Connect = (budget: RunBudget, config: CrewConfig) => ModelClient;

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

export function connectModel(endpoint: ModelEndpoint, limiterFor: (requestsPerMinute: number) => RequestLimiter, onProgress: (progress: JobProgress) => void): Connect {
  const seen = { calls: 0, tokens: 0 };
  return (budget, config) => {
    const client = createOpenAIModelClient({
      baseURL: endpoint.baseURL,
      apiKey: endpoint.apiKey,
      timeoutMs: config.model_timeout_seconds * 1000,
      limiter: limiterFor(config.requests_per_minute),
      deadline: () => budget.deadline(),
      ...(endpoint.azure ? { azure: endpoint.azure } : {}),
    });
    return {
      async complete(request) {
        const response = await client.complete(request);
        seen.calls++;
        seen.tokens += response.usage.promptTokens + response.usage.completionTokens;
        onProgress({ phase: request.phase, calls: seen.calls, tokens: seen.tokens });
        return response;
      },
    };
  };
}
