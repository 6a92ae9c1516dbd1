import type { CrewConfig } from "../config.js";
import type { Phase } from "../errors.js";
import type { RoleName } from "../roles/role-names.js";
import type { RunBudget } from "./run-budget.js";

/**
 * The model seam. The core speaks Chat Completions shapes (so transcripts are the wire format), but only
 * `openai-model-client.ts` imports the `openai` SDK.
 */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: ToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export interface ToolDefinition {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export type ToolChoice = "auto" | "required" | "none" | { type: "function"; function: { name: string } };

export interface ResponseFormat {
  type: "json_schema";
  json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean };
}

/** What the core asks for; `body` fields map one-to-one onto the Chat Completions request. */
export interface ModelRequest {
  agent: RoleName;
  phase: Phase;
  round: number;
  body: {
    model: string;
    temperature: number;
    messages: ChatMessage[];
    tools?: ToolDefinition[];
    tool_choice?: ToolChoice;
    response_format?: ResponseFormat;
    max_tokens?: number;
  };
  /** Per-request retry budget (attempts after the first); the client's default when absent. */
  maxRetries?: number;
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the provider's prefix cache, when it reports them. */
  cachedTokens: number;
}

export interface ModelResponse {
  message: { role: "assistant"; content: string | null; tool_calls?: ToolCall[] };
  finishReason: string | null;
  usage: TokenUsage;
  model: string;
  /** Wall time of the whole call, retries and waits included. */
  latencyMs: number;
  /** Attempts after the first. */
  retries: number;
  /** Time spent waiting in the process's request limiter (slots, the provider's pauses), all attempts; part of latencyMs. */
  queuedMs?: number;
  requestId?: string;
}

export interface ModelClient {
  complete(request: ModelRequest): Promise<ModelResponse>;
}

/** How an entry point gives a run its model: the run's config sets timeout and rate, its budget the deadline. */
export type ConnectModel = (budget: RunBudget, config: CrewConfig) => ModelClient;
