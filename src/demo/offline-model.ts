import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ReplayMismatchError } from "../core/errors.js";
import { readTranscript, type Transcript } from "../core/model/transcript.js";
import { startChatCompletionsServer, type ChatCompletionsServer } from "./chat-completions-server.js";

const DEMO_TRANSCRIPT = path.join("fixtures", "demo", "transcript.jsonl");

/** The recorded example run shipped in the package, found from this module (src/demo in dev, dist/ when bundled). */
export function demoTranscriptPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, DEMO_TRANSCRIPT);
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new ReplayMismatchError(`the demo's recorded run (${DEMO_TRANSCRIPT}) is missing from the package`);
}

/**
 * An OpenAI-protocol server on 127.0.0.1 that answers each role's n-th request with that role's n-th
 * recorded answer. The SDK talks to it over real HTTP, exactly as it would to a provider.
 */
export async function startOfflineModel(transcript: Transcript): Promise<ChatCompletionsServer> {
  const served = new Map<string, number>();
  return startChatCompletionsServer((request) => {
    const role = request.role ?? "unknown";
    const index = served.get(role) ?? 0;
    served.set(role, index + 1);
    const recorded = transcript.calls.filter((c) => c.agent === role)[index];
    if (!recorded || !("response" in recorded)) {
      return { kind: "status", status: 500, headers: { "x-should-retry": "false" }, body: { error: { message: `the recorded run has no answer #${index + 1} for ${role}` } } };
    }
    const { message, finishReason, usage } = recorded.response;
    return {
      kind: "completion",
      message: {
        content: message.content,
        ...(message.tool_calls ? { tool_calls: message.tool_calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })) } : {}),
      },
      ...(finishReason ? { finishReason } : {}),
      usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, cached_tokens: usage.cachedTokens },
    };
  });
}

export async function loadDemoTranscript(): Promise<Transcript> {
  return readTranscript(demoTranscriptPath());
}
