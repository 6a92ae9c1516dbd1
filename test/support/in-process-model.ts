import type { ConnectModel, ModelClient, ModelRequest, ModelResponse } from "../../src/core/model/model-client.js";

/**
 * A scripted model as a plain `ModelClient`, for fast unit tests of the crew's logic: no server, no SDK.
 * Answers are queued per role and served in order; each is the role's function called with the given
 * arguments (or the JSON content, when the request asked for json_schema output). An unscripted call
 * throws, naming the role. The HTTP-level scripted server (scripted-model.ts) stays the test of the wire.
 */
export interface InProcessModel {
  client: ModelClient;
  connect: ConnectModel;
  requests: ModelRequest[];
  on(role: string, ...answers: object[]): InProcessModel;
  requestsFor(role: string): ModelRequest[];
  /** Throws when queued answers were never asked for. */
  assertComplete(): void;
}

export function inProcessModel(script: Record<string, object[]> = {}): InProcessModel {
  const queues = new Map<string, object[]>(Object.entries(script).map(([role, answers]) => [role, [...answers]]));
  const requests: ModelRequest[] = [];
  let calls = 0;
  const client: ModelClient = {
    async complete(request): Promise<ModelResponse> {
      requests.push(request);
      const answer = queues.get(request.agent)?.shift();
      if (!answer) throw new Error(`in-process model: no answer scripted for ${request.agent} (call ${requests.length})`);
      const args = JSON.stringify(answer);
      const structured = request.body.response_format?.type === "json_schema";
      calls += 1;
      return {
        message: structured
          ? { role: "assistant", content: args }
          : { role: "assistant", content: null, tool_calls: [{ id: `call_${calls}`, type: "function", function: { name: request.agent, arguments: args } }] },
        finishReason: structured ? "stop" : "tool_calls",
        usage: { promptTokens: 100, completionTokens: 20, cachedTokens: 0 },
        model: request.body.model,
        latencyMs: 1,
        retries: 0,
      };
    },
  };
  const model: InProcessModel = {
    client,
    connect: () => client,
    requests,
    on(role, ...answers) {
      queues.set(role, [...(queues.get(role) ?? []), ...answers]);
      return model;
    },
    requestsFor: (role) => requests.filter((r) => r.agent === role),
    assertComplete() {
      const left = [...queues].filter(([, answers]) => answers.length > 0).map(([role, answers]) => `${role}: ${answers.length} unused`);
      if (left.length > 0) throw new Error(`scripted answers not consumed (${left.join(", ")})`);
    },
  };
  return model;
}
