import { connectEndpoint, type ConnectModel } from "../core/model/connect-endpoint.js";
import type { ModelEndpoint } from "../core/model/endpoint.js";
import type { JobProgress } from "./job.js";

/**
 * The model for an app job: the same connection as the CLI and the Action (one request limiter per rate
 * for the whole process, so concurrent jobs stay under the provider's limit together), with every answered
 * call reported as the job's progress.
 */
export function connectWithProgress(endpoint: ModelEndpoint, onProgress: (progress: JobProgress) => void): ConnectModel {
  const connect = connectEndpoint(endpoint);
  const seen = { calls: 0, tokens: 0 };
  return (budget, config) => {
    const client = connect(budget, config);
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
